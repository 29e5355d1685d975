"""The options both cloud SMS channels add to the HTTP carriers' own."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from hisms.carrier.httpapi.settings import HttpSettings
from hisms.carrier.session.options import Choice, Text

Scheme = Annotated[
    str, Choice({"https": "https", "http": "http"}, 'must be "https" or "http" (a simulator)')
]


class CloudSettings(HttpSettings):
    scheme: Scheme = Field("https", description='"http" only for a simulator')
    sign_name: Annotated[str, Text(64)] = Field(
        "", description="the approved sign name (签名) for texts that carry no 【signature】"
    )
    templates: dict[str, Any] = Field(
        default_factory=dict,
        description='our template code -> the provider\'s: "CODE" or { code, params = [...] }',
    )
    text_template: str = Field(
        "", description="the provider template (one variable) for texts without a template"
    )
    text_param: Annotated[str, Text(64)] = Field(
        "content", description="that template's variable name (Aliyun)"
    )
