"""The resend policy: which failed delivery reports send their message again."""

from __future__ import annotations

from typing import Any

from hisms.engine.resend import ResendConfig, ResendPolicy, ResendRule

MOBILE, TELECOM = "13800138000", "18912345678"
PROTOCOLS = {"cm": "cmpp", "sg": "sgip"}


def failed(stat: str, phone: str = MOBILE, channel: str = "cm", resends: int = 0) -> dict[str, Any]:
    return {
        "id": 7,
        "phone": phone,
        "report_resends": resends,
        "failed_stat": stat,
        "failed_channel": channel,
    }


def test_defaults_resend_undeliverable_and_network_codes_and_void_blacklisted_numbers() -> None:
    assert ResendPolicy(ResendConfig(), PROTOCOLS)([failed("UNDELIV")]) == []  # off by default
    policy = ResendPolicy(ResendConfig(max_resends=1), PROTOCOLS)
    assert policy.resends("UNDELIV", MOBILE, "cm") and policy.resends("mk:0005", MOBILE, "cm")
    assert not policy.resends("DB:0141", MOBILE, "cm")  # blacklisted
    assert not policy.resends("MN:0001", MOBILE, "cm")  # empty number
    assert not policy.resends("REJECTD", MOBILE, "cm")
    assert not policy.resends("XX:9999", MOBILE, "cm")  # named by no rule: final


def test_operator_then_protocol_then_every_channel() -> None:
    config = ResendConfig(
        operators={"telecom": ResendRule(final=["UNDELIV"])},
        protocols={"sgip": ResendRule(resend=["SG:*"], final=["MK:0005"])},
    )
    policy = ResendPolicy(config, PROTOCOLS)
    assert not policy.resends("UNDELIV", TELECOM, "cm")
    assert policy.resends("UNDELIV", MOBILE, "cm")
    assert policy.resends("SG:0025", MOBILE, "sg") and not policy.resends("SG:0025", MOBILE, "cm")
    assert not policy.resends("MK:0005", MOBILE, "sg") and policy.resends("MK:0005", MOBILE, "cm")


def test_a_message_goes_again_at_most_max_resends_times() -> None:
    policy = ResendPolicy(ResendConfig(max_resends=1, delay_seconds=0), PROTOCOLS)
    (again,) = policy([failed("UNDELIV")])
    assert again["id"] == 7 and again["resend_from"] == "cm" and again["error_code"] == "UNDELIV"
    assert "sent again (1 of 1)" in again["error_text"]
    assert policy([failed("UNDELIV", resends=1)]) == []
    assert policy([failed("DB:0141")]) == []
