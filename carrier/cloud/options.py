"""The options both cloud SMS channels add to the HTTP carriers' own."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from hisms.carrier.cloud.templates import table
from hisms.carrier.httpapi.settings import HttpSettings
from hisms.carrier.session.options import Check, Choice, Text, problem


class ProviderTemplates(Check):
    """Our template codes to the provider's (:mod:`hisms.carrier.cloud.templates`)."""

    def __call__(self, value: Any) -> Any:
        try:
            table(value)
        except ValueError as exc:
            raise problem(str(exc)) from None
        return value

    def describe(self) -> str:
        return 'a table: CODE = "provider code" or { code = "...", params = [...] }'


Scheme = Annotated[
    str, Choice({"https": "https", "http": "http"}, 'must be "https" or "http" (a simulator)')
]


class CloudSettings(HttpSettings):
    scheme: Scheme = Field("https", description='"http" only for a simulator')
    sign_name: Annotated[str, Text(64)] = Field(
        "", description="the approved sign name (签名) for texts that carry no 【signature】"
    )
    templates: Annotated[dict[str, Any], ProviderTemplates()] = Field(
        default_factory=dict,
        description="our template codes to the provider's ([cloud-sms.md](cloud-sms.md))",
    )
    text_template: Annotated[str, Text(64)] = Field(
        "", description="the provider template (one variable) for texts without a template"
    )
    text_param: Annotated[str, Text(64)] = Field(
        "content", description="that template's variable name (Aliyun)"
    )


def require_credentials(name: str, settings: CloudSettings) -> None:
    """ValueError unless the channel has its key and secret (the SDKs refuse empty ones)."""
    if not settings.key or not settings.secret.get_secret_value():
        raise ValueError(
            f"channel {name!r}: key and secret are required "
            f"(the secret from HISMS_CHANNELS__{name.upper()}__SECRET)"
        )
