"""``[webservice] workers`` above 1 needs SO_REUSEPORT, and says so at load."""

from __future__ import annotations

import socket

import pytest
from pydantic import ValidationError

from hisms.adapters.webservice.settings import WebServiceConfig


def test_several_workers_need_so_reuseport(monkeypatch: pytest.MonkeyPatch) -> None:
    assert WebServiceConfig(workers=2).workers == 2
    monkeypatch.delattr(socket, "SO_REUSEPORT")
    assert WebServiceConfig(workers=1).workers == 1
    with pytest.raises(ValidationError, match="SO_REUSEPORT"):
        WebServiceConfig(workers=2)
