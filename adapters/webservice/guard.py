"""WSGI middleware in front of spyne: everything refused before an operation runs.

Order: source address, request size, XML well-formedness without DTDs or entities
(XXE, billion laughs), the WS-Security token, then a free slot for a SendBatch
(600,000 numbers hold about 110 MB). A refusal is a SOAP Fault with
a specific faultstring; nothing reaches the operations, so nothing is written.

The body is parsed as spyne will parse it after us (the Content-Type charset, libxml2's
default limits: depth 256, 10,000,000 characters per text node), so whatever spyne's
parser would refuse is refused here, with our fault and our log line.
"""

from __future__ import annotations

import contextlib
import functools
import io
import ipaddress
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from email.message import Message
from typing import Any, Protocol

from lxml import etree

from hisms.adapters.webservice.faults import SOAP_ENV, Refused, envelope
from hisms.adapters.webservice.logs import masked
from hisms.adapters.webservice.security import Authenticator, Caller, read_token

log = logging.getLogger(__name__)

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
CALLER = "hisms.caller"

# huge_tree stays off, as in spyne's own parser: both refuse the same documents.
PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


class Fast(Protocol):
    """A request read without spyne (``fastsms``, ``fastbatch``): its operation's name, its
    SOAP header, and its answer once the caller is known."""

    @property
    def operation(self) -> str: ...

    @property
    def header(self) -> etree._Element | None: ...

    def answer(self, caller: Caller) -> tuple[str, bytes]: ...


class Guard:
    def __init__(
        self,
        app: Wsgi,
        auth: Authenticator,
        allow_ips: Sequence[str],
        max_bytes: int,
        max_batches: int = 2,
        batch_wait: float = 0.0,
        fast: Callable[[bytes, str], Fast | None] | None = None,
        batch_semaphore: Semaphore | None = None,
    ) -> None:
        """``batch_semaphore``: the SendBatch slots when several processes share them."""
        self._app = app
        self._fast = fast
        self._auth = auth
        self._allow = [ipaddress.ip_network(a, strict=False) for a in allow_ips]
        self._max_bytes = max_bytes
        self._batches = Slots("SendBatch", max_batches, batch_wait, batch_semaphore)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        try:
            self._check_address(environ.get("REMOTE_ADDR", ""))
            if environ.get("REQUEST_METHOD") != "POST":
                return self._app(environ, start_response)  # the WSDL
            body = self._read(environ)
            content_type = environ.get("CONTENT_TYPE", "")
            fast = self._fast(body, content_type) if self._fast else None
            if fast is not None:
                del body  # the request now lives in its compact form only
                return self._answer_fast(fast, start_response)
            environ[CALLER], operation = self._check(body, content_type)
            slot = self._batches.take() if operation == "SendBatch" else contextlib.nullcontext()
        except Refused as refused:
            log.info("refused %s: %s", environ.get("REMOTE_ADDR", "?"), masked(refused.text))
            start_response(
                "500 Internal Server Error", [("Content-Type", "text/xml; charset=utf-8")]
            )
            return [envelope(refused.code, refused.text)]
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        with slot:  # spyne does all its work in this call; the answer is small
            return self._app(environ, start_response)

    def _answer_fast(self, fast: Fast, start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The guard's checks on a request already read by the fast path, then its answer."""
        caller = self._auth.verify(read_token(fast.header))
        batch = fast.operation == "SendBatch"
        with self._batches.take() if batch else contextlib.nullcontext():
            status, answer = fast.answer(caller)
        start_response(
            status,
            [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(answer)))],
        )
        return [answer]

    def _check(self, body: bytes, content_type: str) -> tuple[Caller, str]:
        """The caller and the operation's name (our parsed tree is freed before spyne's)."""
        root = parse(body, charset(content_type))
        caller = self._auth.verify(read_token(root.find(f"{{{SOAP_ENV}}}Header")))
        operation = root.find(f"{{{SOAP_ENV}}}Body/*")
        return caller, "" if operation is None else etree.QName(operation).localname

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


@functools.lru_cache(maxsize=64)  # clients send a handful of Content-Types; parsing one is slow
def charset(content_type: str) -> str | None:
    """The charset parameter of a Content-Type header, which spyne decodes the body with."""
    header = Message()
    header["Content-Type"] = content_type
    value = header.get_param("charset")
    return value if isinstance(value, str) and value else None


def parse(body: bytes, encoding: str | None = None) -> etree._Element:
    """The envelope, refusing what a hostile or broken client could send."""
    if not body.strip():
        raise Refused("Client.MalformedXml", "empty request body: expected a SOAP envelope")
    try:
        root = _parse(body, encoding)
    except etree.XMLSyntaxError as exc:
        if exc.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT:
            raise Refused("Client.TooLarge", f"XML beyond the parser's limits: {exc}") from exc
        raise Refused("Client.MalformedXml", f"malformed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise Refused(
            "Client.DoctypeForbidden",
            "XML with a DOCTYPE is refused (DTDs and external entities are not allowed)",
        )
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise Refused(
            "Client.MalformedXml", f"root element is {root.tag!s}, not a SOAP 1.1 Envelope"
        )
    if root.find(f"{{{SOAP_ENV}}}Body") is None:
        raise Refused("Client.MalformedXml", "the SOAP Envelope has no Body")
    return root


def _parse(body: bytes, encoding: str | None) -> etree._Element:
    """As spyne does: text decoded by the HTTP charset, unless the XML declares its own."""
    if not encoding:
        return etree.fromstring(body, PARSER)
    try:
        text = body.decode(encoding)
    except (LookupError, UnicodeDecodeError) as exc:
        raise Refused(
            "Client.MalformedXml", f"the body is not text in the Content-Type charset {encoding}"
        ) from exc
    try:
        return etree.fromstring(text, PARSER)
    except ValueError:  # lxml takes no declaration of an encoding in a str: bytes then
        return etree.fromstring(text.encode(encoding), PARSER)


class Semaphore(Protocol):
    """A threading or multiprocessing semaphore."""

    def acquire(self, block: bool = True, timeout: float | None = None) -> bool: ...

    def release(self) -> None: ...


class Slots:
    """At most ``limit`` requests of one operation at a time; one more waits up to ``wait``
    seconds for a slot (holding only its body), then is told to retry. ``semaphore``, when
    given, holds the ``limit`` slots (shared by the worker processes)."""

    def __init__(
        self, operation: str, limit: int, wait: float = 0.0, semaphore: Semaphore | None = None
    ) -> None:
        self._operation = operation
        self._limit = limit
        self._wait = wait
        self._free = semaphore or threading.BoundedSemaphore(limit)

    def take(self) -> contextlib.ExitStack:
        """A slot, given back when the returned context exits; Refused when none is free."""
        if not self._free.acquire(True, self._wait):
            raise Refused(
                "Server.Busy",
                f"busy: {self._limit} {self._operation} requests are running; retry shortly",
            )
        held = contextlib.ExitStack()
        held.callback(self._free.release)
        return held
