from hisms.carrier.base import DeliveryReport, MoMessage
from hisms.carrier.session.acks import answer_when_stored


def test_the_answer_waits_for_every_event_and_goes_once() -> None:
    answers: list[str] = []
    report = DeliveryReport("cm", "M1", "DELIVRD")
    reply = MoMessage("cm", "13800138000", "1069", "1")
    first, second = answer_when_stored([report, reply], lambda: answers.append("resp"))
    assert (first, second) == (report, reply), "the events are unchanged but for the ack"
    assert first.ack is not None and second.ack is not None
    first.ack()
    first.ack()
    assert answers == [], "one event is still unstored"
    second.ack()
    second.ack()
    assert answers == ["resp"]
