// An ESME on the npm `smpp` package (not hisms code), for the socket intake: binds as a
// transceiver with the system_id/password given, submits a short message and a long
// one in UDH parts (registered_delivery 1), answers every deliver_sm, and prints one JSON
// line per submit_sm_resp ({resp}) and per deliver_sm ({deliver}). It unbinds and exits
// when its standard input closes.  Usage: node esme.js PORT SYSTEM_ID PASSWORD SHORT LONG
const smpp = require('smpp');

const [port, systemId, password, short, long] = process.argv.slice(2);
const out = (o) => console.log(JSON.stringify(o));
const session = smpp.connect({url: `smpp://127.0.0.1:${port}`});

function parts(text) {
  const chunks = [];
  for (let i = 0; i < text.length; i += 67) chunks.push(text.slice(i, i + 67));
  return chunks.map((message, n) => ({udh: Buffer.from([5, 0, 3, 42, chunks.length, n + 1]), message}));
}

session.on('deliver_sm', (pdu) => {
  const sm = pdu.short_message;
  const text = typeof sm === 'string' ? sm : (sm && sm.message) || '';
  out({deliver: {esm_class: pdu.esm_class, from: pdu.source_addr, to: pdu.destination_addr,
                 text, receipted: pdu.receipted_message_id || null}});
  session.send(pdu.response());
});
session.on('error', (err) => out({error: String(err)}));
session.bind_transceiver({system_id: systemId, password}, (pdu) => {
  out({bind: pdu.command_status});
  const send = (short_message) => session.submit_sm(
    {destination_addr: '13800138000', source_addr: '10690123', registered_delivery: 1, short_message},
    (resp) => out({resp: {status: resp.command_status, id: resp.message_id}}));
  send(short);
  for (const part of parts(long)) send(part);
});
process.stdin.on('end', () => session.unbind(() => session.close()));
process.stdin.resume();
