"""The chaos run in two minutes (``hisms bench chaos --minutes 2``): two engines, CMPP and
SMPP simulators, 100 rows/s (the 10-minute run's 1,000/s does not fit a 2-core machine
shared with two other pytest workers) and a fault every 20 s; seed 1 draws a database
restart, lost answers, an engine killed, a gateway drop and duplicated reports."""

from __future__ import annotations

import pytest

from hisms.engine.bench import chaos, harness


@pytest.mark.slow
@pytest.mark.timeout(480)
def test_two_minutes_of_chaos_end_with_every_row_final_and_duplicates_in_bounds() -> None:
    if harness.pg_bindir() is None:
        pytest.skip("no initdb/pg_ctl here to run a PostgreSQL the run may restart")
    result = chaos.run(chaos.Options(minutes=2, rate=100, fault_every=20, seed=1))
    print("\n" + chaos.table(result))
    kinds = [f["fault"] for f in result["faults"]]
    assert kinds == [
        "restart_database", "lost_answers", "kill_engine", "drop_gateway", "duplicate_reports",
    ]  # fmt: skip
    assert result["all_final"] and result["rows"] == result["inserted"] >= 11000
    for fault in result["faults"]:
        assert fault["duplicates"] <= fault["bound_with_open_faults"], fault
        assert fault["recover_s"] is not None, fault
    assert result["engine_exits"] == [] and result["ok"]
