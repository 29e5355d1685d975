from datetime import UTC, datetime

import pytest

from hisms.adapters.his import Profiles, SourceProfile
from hisms.carrier.base import Outcome, SubmitResult
from hisms.engine import process
from hisms.engine.config import ChannelConfig
from hisms.engine.health import NOT_HERE, Standing, State
from hisms.engine.policy.blacklist import Blacklist, Entry
from hisms.engine.policy.check import Policy
from hisms.engine.retry import RetryPolicy
from hisms.engine.router import Router
from hisms.engine.routing.seed import RoutingConfig, seed_table
from hisms.engine.status import Status
from hisms.engine.store.base import Accepted, Claimed, WriteBack
from hisms.engine.validate import Rules

RULES = Rules(1000, False, "")
UP = Standing(State.UP, "", True)
TABLE = seed_table(
    RoutingConfig(), [ChannelConfig(name="cm", protocol="loopback", operators=["mobile"])]
)
ROUTER = Router(TABLE, lambda channel: UP if channel == "cm" else NOT_HERE)
DOWN_ROUTER = Router(TABLE, lambda channel: Standing(State.DOWN, "link down", False))
NO_PROFILES = Policy(Profiles({}))
POLICY = RetryPolicy(max_attempts=3, base_seconds=1, max_seconds=60)


def never_blocked(channel: str) -> str | None:
    return None


def row(
    id: int = 1,
    phone: str = "13800138000",
    content: str = "hello",
    attempt: int = 1,
    expired: bool = False,
    source: str = "HIS",
) -> Claimed:
    return Claimed(id, attempt, source, None, None, phone, content, None, 5, expired)


def test_plan_settles_invalid_expired_and_unroutable_rows_at_once() -> None:
    rows = [row(1, phone="123"), row(2, expired=True), row(3, phone="18612345678"), row(4)]
    outgoing, done = process.plan(rows, RULES, ROUTER, NO_PROFILES, POLICY)
    assert [m.row.id for m in outgoing] == [4]
    finals = {f["id"]: (f["status"], f["error_code"]) for f in done.finals}
    assert finals == {
        1: (Status.REJECTED, "PHONE_LENGTH"),
        2: (Status.EXPIRED, "EXPIRED"),
        3: (Status.FAILED, "NO_CHANNEL"),
    }
    assert all(f["error_text"] for f in done.finals)


def test_plan_splits_long_messages_and_carries_the_source_extension() -> None:
    profiles = Policy(Profiles({"HIS": SourceProfile(ext="01")}))
    (message,), _ = process.plan([row(content="字" * 150)], RULES, ROUTER, profiles, POLICY)
    assert [p.key.seq for p in message.parts] == [1, 2, 3]
    assert {p.total for p in message.parts} == {3}
    assert {p.src_ext for p in message.parts} == {"01"}


def settle(rows: list[Claimed], outcome_for) -> WriteBack:  # type: ignore[no-untyped-def]
    outgoing, into = process.plan(rows, RULES, ROUTER, NO_PROFILES, POLICY)
    results = {}
    for message in outgoing:
        for part in message.parts:
            results[part.key] = outcome_for(part)
    process.settle(outgoing, results, POLICY, into, never_blocked)
    return into


def test_all_parts_accepted_is_submitted_with_every_segment() -> None:
    into = settle(
        [row(content="字" * 100)], lambda p: SubmitResult(p.key, Outcome.ACCEPTED, f"M{p.seq}")
    )
    assert [(s["id"], s["carrier_msg_id"], s["segments"]) for s in into.submitted] == [(1, "M1", 2)]
    assert [s["carrier_msg_id"] for s in into.segments] == ["M1", "M2"]


def test_a_refused_part_fails_the_message_with_the_carrier_code() -> None:
    def outcome(p):  # type: ignore[no-untyped-def]
        if p.seq == 2:
            return SubmitResult(p.key, Outcome.FAILED, error_code="13", error_text="bad dest")
        return SubmitResult(p.key, Outcome.ACCEPTED, "M1")

    into = settle([row(content="字" * 100)], outcome)
    assert into.finals == [
        {
            "id": 1,
            "attempt": 1,
            "status": 4,
            "channel": "cm",
            "error_code": "13",
            "error_text": "bad dest",
        }
    ]
    assert [s["carrier_msg_id"] for s in into.segments] == ["M1"]  # the accepted part may arrive


def throttled(p):  # type: ignore[no-untyped-def]
    return SubmitResult(p.key, Outcome.RETRY, error_code="8", error_text="flow control")


@pytest.mark.parametrize("attempt", [1, POLICY.max_attempts - 1])
def test_transient_failure_is_retried_while_attempts_remain(attempt: int) -> None:
    into = settle([row(attempt=attempt)], throttled)
    (retry,) = into.retries
    assert retry["attempt"] == attempt and not into.finals
    assert retry["error_code"] == "8" and retry["next_attempt_at"] is not None


def test_transient_failure_on_the_last_attempt_is_final() -> None:
    into = settle([row(attempt=POLICY.max_attempts)], throttled)
    assert not into.retries and into.finals[0]["status"] == Status.FAILED
    assert "gave up after 3 attempts" in into.finals[0]["error_text"]


def test_a_missing_result_counts_as_transient() -> None:
    outgoing, into = process.plan([row()], RULES, ROUTER, NO_PROFILES, POLICY)
    process.settle(outgoing, {}, POLICY, into, never_blocked)
    assert into.retries[0]["error_code"] == "NO_RESULT"


def test_retry_delays_grow_and_are_capped() -> None:
    policy = RetryPolicy(max_attempts=10, base_seconds=1, max_seconds=30)
    delays = [policy.delay(n) for n in range(1, 9)]
    assert delays[0] < 3 and delays[3] >= 8
    assert max(delays) <= 30


def test_a_retried_long_message_submits_only_the_parts_not_yet_accepted() -> None:
    before = {1: [Accepted(1, "cm", "id-1"), Accepted(3, "cm", "id-3")]}
    (message,), into = process.plan(
        [row(content="字" * 150, attempt=2)], RULES, ROUTER, NO_PROFILES, POLICY, accepted=before
    )
    assert [p.key.seq for p in message.parts] == [2]
    assert {p.total for p in message.parts} == {3}
    (part,) = message.parts
    accepted = SubmitResult(part.key, Outcome.ACCEPTED, carrier_msg_id="id-2")
    process.settle([message], {part.key: accepted}, POLICY, into, never_blocked)
    (submitted,) = into.submitted
    assert submitted["segments"] == 3 and submitted["carrier_msg_id"] == "id-1"
    assert [(s["seq"], s["total"]) for s in into.segments] == [(2, 3)]


def two_channels(states: dict[str, Standing]) -> Router:
    """A group of cm (weighted) and backup, as the channels' operators seed it."""
    channels = [
        ChannelConfig(name=name, protocol="loopback", operators=["mobile"])
        for name in ("cm", "backup")
    ]
    return Router(seed_table(RoutingConfig(), channels), lambda channel: states[channel])


def test_a_resent_message_avoids_the_channel_whose_report_failed() -> None:
    router = two_channels({"cm": UP, "backup": UP})
    resent = Claimed(1, 2, "HIS", None, None, "13800138000", "hi", None, 5, False, resend_from="cm")
    outgoing, _ = process.plan([resent, row(2)], RULES, router, NO_PROFILES, POLICY)
    assert [m.channel for m in outgoing] == ["backup", "cm"]
    (alone,), _ = process.plan([resent], RULES, ROUTER, NO_PROFILES, POLICY)
    assert alone.channel == "cm"  # the only channel of its group: the same one


def test_a_long_message_moving_to_another_channel_goes_out_whole() -> None:
    """A handset joins the parts of one sender only."""
    states = {"cm": UP, "backup": UP}
    router = two_channels(states)
    before = {1: [Accepted(1, "cm", "id-1"), Accepted(3, "cm", "id-3")]}
    long = row(content="字" * 150, attempt=2)
    (message,), _ = process.plan([long], RULES, router, NO_PROFILES, POLICY, accepted=before)
    assert message.channel == "cm" and [p.seq for p in message.parts] == [2]
    states["cm"] = Standing(State.DOWN, "link down", False)
    assert message.fail_over(router).channel == "backup"
    assert [p.seq for p in message.parts] == [1, 2, 3]
    (message,), into = process.plan([long], RULES, router, NO_PROFILES, POLICY, accepted=before)
    assert message.channel == "backup" and [p.seq for p in message.parts] == [1, 2, 3]
    results = {
        p.key: SubmitResult(p.key, Outcome.ACCEPTED, carrier_msg_id=f"b-{p.seq}")
        for p in message.parts
    }
    process.settle([message], results, POLICY, into, never_blocked)
    (submitted,) = into.submitted
    assert (submitted["channel"], submitted["carrier_msg_id"]) == ("backup", "b-1")
    assert {(s["seq"], s["channel"], s["total"]) for s in into.segments} == {
        (1, "backup", 3),
        (2, "backup", 3),
        (3, "backup", 3),
    }


def test_a_row_whose_every_channel_is_down_waits_without_spending_its_attempt() -> None:
    outgoing, into = process.plan([row(attempt=3)], RULES, DOWN_ROUTER, NO_PROFILES, POLICY)
    assert outgoing == [] and into.finals == [] and into.retries == []
    (wait,) = into.waits
    assert wait["error_code"] == "WAITING_CHANNEL" and "cm DOWN (link down)" in wait["error_text"]


def test_a_part_handed_back_by_a_channel_now_down_waits_even_with_no_attempts_left() -> None:
    outgoing, into = process.plan([row(attempt=3)], RULES, ROUTER, NO_PROFILES, POLICY)
    results = {
        p.key: SubmitResult(p.key, Outcome.RETRY, error_text="handed back")
        for p in outgoing[0].parts
    }
    process.settle(outgoing, results, POLICY, into, lambda c: f"{c} DOWN (link down)")
    assert into.finals == [] and into.retries == []
    assert "waiting for a channel: cm DOWN" in into.waits[0]["error_text"]


def test_parts_handed_back_by_a_stopping_engine_are_due_at_once() -> None:
    """SIGTERM: not after channel_wait_seconds, for whichever engine claims next."""
    outgoing, into = process.plan([row(attempt=2)], RULES, ROUTER, NO_PROFILES, POLICY)
    results = {p.key: SubmitResult(p.key, Outcome.RETRY) for p in outgoing[0].parts}
    now = datetime.now(UTC)
    process.settle(outgoing, results, POLICY, into, lambda c: "engine stopping", now)
    (wait,) = into.waits
    assert wait["next_attempt_at"] == now and wait["attempt"] == 2
    assert "engine stopping" in wait["error_text"]


def test_a_message_failing_over_to_a_channel_of_another_coding_is_split_again() -> None:
    """Planned for a default-alphabet channel (2 parts of <= 153), handed to a UCS2 one."""
    channels = [ChannelConfig(name=n, protocol="loopback", operators=["mobile"]) for n in "ab"]
    router = Router(seed_table(RoutingConfig(), channels), lambda channel: UP)
    codings = {"a": 0, "b": 8}  # as an SMPP channel with data_coding 0, and a CMPP one

    def coding(channel: str, text: str) -> int:
        return codings[channel]

    text = "Please come at 9. " * 9 + "Bring your ID."
    (message,), _ = process.plan([row(content=text)], RULES, router, NO_PROFILES, POLICY, coding)
    assert message.channel == "a" and [p.coding for p in message.parts] == [0, 0]
    assert message.fail_over(router, coding).channel == "b"
    assert [p.coding for p in message.parts] == [8, 8, 8]
    assert "".join(p.text for p in message.parts) == text
    assert message.parts[0].body == message.parts[0].text.encode("utf-16-be")


def test_an_entry_scoped_by_service_number_blocks_the_message_sent_from_it() -> None:
    """The sender is the routed channel's service number followed by the source's ext;
    a fail-over to a channel sending from a barred number settles the message REJECTED."""
    barred = Entry(4, "13800138000", False, None, None, "complaint", None, "106901230104")
    content = Policy(Profiles({"APPT": SourceProfile(ext="04")}), blacklist=Blacklist([barred]))
    numbers = {"cm": "1069012301", "backup": "1069012300"}
    states = {"cm": UP, "backup": UP}
    router = two_channels(states)
    senders = numbers.__getitem__
    rows = [row(1, source="APPT"), row(2, source="HIS"), row(3, "13900139000", source="APPT")]
    outgoing, into = process.plan(rows, RULES, router, content, POLICY, senders=senders)
    assert [m.row.id for m in outgoing] == [2, 3]  # HIS sends from 1069012301, no ext
    (refused,) = into.finals
    assert (refused["id"], refused["status"], refused["error_code"]) == (
        1,
        Status.REJECTED,
        "BLACKLISTED",
    )
    assert refused["error_text"] == "blacklist entry 4 (service number 106901230104): complaint"
    # Sent from another number (backup: 106901230004), then failing over to cm's.
    numbers.update(cm="1069012300", backup="1069012301")
    (message,), into = process.plan([rows[0]], RULES, router, content, POLICY, senders=senders)
    assert message.channel == "cm"
    states["cm"] = Standing(State.DOWN, "link down", False)
    assert message.fail_over(router).channel is None
    results = {p.key: SubmitResult(p.key, Outcome.RETRY) for p in message.parts}
    process.settle([message], results, POLICY, into, lambda c: "cm DOWN")
    assert [(f["error_code"], f["status"]) for f in into.finals] == [
        ("BLACKLISTED", Status.REJECTED)
    ]
    assert into.waits == [] and into.retries == []
