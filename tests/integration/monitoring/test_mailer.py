"""Alarm email over STARTTLS and SSL with a login, against aiosmtpd on a real socket."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr

from hisms.monitoring.notify import Mailer
from hisms.monitoring.settings import SmtpConfig
from tests.integration.monitoring.conftest import Mailbox, free_port
from tests.integration.webservice.test_tls import certificate  # noqa: F401  (the fixture)

USER, PASSWORD = "hisms", "s3cret"


def _login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


# With implicit TLS aiosmtpd does not know the link is encrypted and warns about AUTH.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_email_over_tls_with_a_login(security: str, certificate: tuple[str, str]) -> None:  # noqa: F811
    cert, key = certificate
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    box = Mailbox(free_port())
    controller = Controller(
        box, hostname="127.0.0.1", port=box.port, authenticator=_login, auth_required=True,
        tls_context=tls if security == "starttls" else None,
        require_starttls=security == "starttls", ssl_context=tls if security == "ssl" else None,
        auth_require_tls=security == "starttls",  # implicit TLS: aiosmtpd cannot tell
    )  # fmt: skip
    controller.start()
    try:
        smtp = SmtpConfig(host="127.0.0.1", port=box.port, security=security, username=USER,
                          password=PASSWORD, ca_file=cert)  # fmt: skip
        assert Mailer(smtp).send(["oncall@hospital.test"], "hisms ALARM x", "body") == (
            "email to oncall@hospital.test: sent"
        )
        # smtplib tries PLAIN (refused), then LOGIN, which aiosmtpd leaves unanswered
        wrong = smtp.model_copy(update={"password": SecretStr("nope"), "timeout_seconds": 1})
        assert "email to a@b.c: FAILED (SMTP" in Mailer(wrong).send(["a@b.c"], "s", "b")
    finally:
        controller.stop()
    assert box.subjects() == ["hisms ALARM x"]
