// An SMSC on the npm `smpp` package (not hisms code): accepts the bind of
// system_id/password given on the command line, answers submit_sm with a
// message id and, when registered_delivery asks, sends a delivery receipt
// (standard text + receipted_message_id + message_state), and one MO per
// message whose text contains "预约". Prints one JSON line per submit_sm so
// the test can check what arrived.  Usage: node smsc.js PORT SYSTEM_ID PASSWORD
const smpp = require('smpp');

const [port, systemId, password] = [Number(process.argv[2]), process.argv[3], process.argv[4]];
let next = 70000;

const server = smpp.createServer({debug: false}, (session) => {
  for (const bind of ['bind_transceiver', 'bind_transmitter', 'bind_receiver']) {
    session.on(bind, (pdu) => {
      const ok = pdu.system_id === systemId && pdu.password === password;
      session.send(pdu.response({command_status: ok ? 0 : smpp.ESME_RINVPASWD, system_id: 'NODESMSC'}));
      if (!ok) session.close();
    });
  }
  session.on('enquire_link', (pdu) => session.send(pdu.response()));
  session.on('unbind', (pdu) => { session.send(pdu.response()); session.close(); });
  session.on('deliver_sm_resp', () => {});
  session.on('error', () => {});
  session.on('submit_sm', (pdu) => {
    const id = (next++).toString(16);
    session.send(pdu.response({message_id: id}));
    const sm = pdu.short_message;
    const text = typeof sm === 'string' ? sm : sm.message;
    console.log(JSON.stringify({id, to: pdu.destination_addr, from: pdu.source_addr,
      data_coding: pdu.data_coding, esm_class: pdu.esm_class, udh: Boolean(sm.udh), text}));
    if (pdu.registered_delivery & 1) {
      session.deliver_sm({
        source_addr: pdu.destination_addr, destination_addr: pdu.source_addr, esm_class: 4,
        short_message: `id:${id} sub:001 dlvrd:001 submit date:2411251000 done date:2411251001 stat:DELIVRD err:000 text:`,
        receipted_message_id: id, message_state: 2,
      });
    }
    if (text.includes('预约')) {
      session.deliver_sm({source_addr: pdu.destination_addr, destination_addr: pdu.source_addr,
                          short_message: '确认'});
    }
  });
});
server.listen(port, '127.0.0.1', () => console.log(JSON.stringify({listening: port})));
