"""The socket intake's SMPP server driven by an ESME nobody here wrote: npm ``smpp`` 0.5.1
(peers/esme.js). A short and a long (UDH) submit become rows answered with their ids;
the receipts and a reply come back as deliver_sm, which it answers."""

from __future__ import annotations

import json
import subprocess
import threading
from pathlib import Path
from typing import Any

from tests.integration.socketintake.conftest import Db, IntakeThread, wait

PEERS = Path(__file__).parent / "peers"
SHORT = "请明早空腹来院抽血"
LONG = "出院随访：" + "请于出院后第七天到心内科门诊复查血常规和心电图，并带好出院小结。" * 2


def test_npm_smpp_esme_submits_and_gets_receipts_and_mo(
    node_modules: Path, sqlite_url: str
) -> None:
    served = IntakeThread(sqlite_url, smpp={})
    db = Db(sqlite_url)
    proc = subprocess.Popen(
        ["node", str(PEERS / "esme.js"), str(served.port("smpp")), "lis", "s3cret", SHORT, LONG],
        env={"NODE_PATH": str(node_modules), "PATH": "/usr/bin:/bin:/usr/local/bin"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines: list[dict[str, Any]] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(map(json.loads, proc.stdout)))  # type: ignore[arg-type]
    reader.start()
    try:
        wait(lambda: sum("resp" in line for line in lines) == 3, "three submit_sm_resp")
        resps = [line["resp"] for line in lines if "resp" in line]
        assert [r["status"] for r in resps] == [0, 0, 0]
        rows = dict(db.query("SELECT content, id FROM sms_outbox"))
        assert sorted(int(r["id"]) for r in resps) == sorted([rows[SHORT], rows[LONG], rows[LONG]])
        for outbox_id in rows.values():
            db.deliver(outbox_id)
        db.reply("13800138000", "确认")
        wait(lambda: db.acked() == 3, "two receipts and a reply answered")
        delivers = [line["deliver"] for line in lines if "deliver" in line]
        assert sorted(d["receipted"] for d in delivers if d["esm_class"] == 4) == sorted(
            str(i) for i in rows.values()
        )
        assert [d["text"] for d in delivers if d["esm_class"] != 4] == ["确认"]
    finally:
        assert proc.stdin is not None
        proc.stdin.close()  # unbind and exit
        proc.wait(timeout=10)
        reader.join(timeout=10)
        proc.stdout.close()
        served.close()
