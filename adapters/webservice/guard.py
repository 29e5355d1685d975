"""WSGI middleware in front of spyne: everything refused before an operation runs.

Order: source address, request size, XML well-formedness without DTDs or entities
(XXE, billion laughs), then the WS-Security token. A refusal is a SOAP Fault with
a specific faultstring; nothing reaches the operations, so nothing is written.
"""

from __future__ import annotations

import io
import ipaddress
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from lxml import etree

from hisms.adapters.webservice.faults import SOAP_ENV, Refused, envelope
from hisms.adapters.webservice.security import Authenticator, read_token

log = logging.getLogger(__name__)

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CALLER = "hisms.caller"

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True, remove_comments=True
)


class Guard:
    def __init__(
        self, app: Wsgi, auth: Authenticator, allow_ips: Sequence[str], max_bytes: int
    ) -> None:
        self._app = app
        self._auth = auth
        self._allow = [ipaddress.ip_network(a, strict=False) for a in allow_ips]
        self._max_bytes = max_bytes

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        try:
            self._check_address(environ.get("REMOTE_ADDR", ""))
            if environ.get("REQUEST_METHOD") != "POST":
                return self._app(environ, start_response)  # the WSDL
            body = self._read(environ)
            environ[CALLER] = self._auth.verify(read_token(_header(parse(body))))
        except Refused as refused:
            log.info("refused %s: %s", environ.get("REMOTE_ADDR", "?"), refused.text)
            start_response(
                "500 Internal Server Error", [("Content-Type", "text/xml; charset=utf-8")]
            )
            return [envelope(refused.code, refused.text)]
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self._app(environ, start_response)

    def _check_address(self, remote: str) -> None:
        if not self._allow:
            return
        try:
            address = ipaddress.ip_address(remote)
        except ValueError:
            address = None
        if address is None or not any(address in net for net in self._allow):
            raise Refused("Client.Forbidden", f"client address {remote} is not in the allow-list")

    def _read(self, environ: dict[str, Any]) -> bytes:
        declared = environ.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise Refused("Client.TooLarge", self._too_large(int(declared)))
        stream = environ["wsgi.input"]
        body: bytes = (
            stream.read(int(declared)) if declared.isdigit() else stream.read(self._max_bytes + 1)
        )
        if len(body) > self._max_bytes:
            raise Refused("Client.TooLarge", self._too_large(len(body)))
        return body

    def _too_large(self, size: int) -> str:
        return f"request of {size} bytes is larger than the limit of {self._max_bytes} bytes"


def parse(body: bytes) -> etree._Element:
    """The envelope, refusing what a hostile or broken client could send."""
    if not body.strip():
        raise Refused("Client.MalformedXml", "empty request body: expected a SOAP envelope")
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise Refused("Client.MalformedXml", f"malformed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise Refused(
            "Client.DoctypeForbidden",
            "XML with a DOCTYPE is refused (DTDs and external entities are not allowed)",
        )
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise Refused("Client.MalformedXml", f"root element is {root.tag}, not a SOAP 1.1 Envelope")
    return root


def _header(root: etree._Element) -> etree._Element | None:
    return root.find(f"{{{SOAP_ENV}}}Header")
