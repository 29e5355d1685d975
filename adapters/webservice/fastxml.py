"""What the fast paths (``fastbatch``, ``fastsms``) share: the plain request shape they
take, and spyne's answers written byte for byte.

A fast path reads only requests of the plain shape: a UTF-8 body, a SOAP 1.1 Envelope with
an optional Header and a Body holding one operation, whose fields are plain text (no
attribute, no child, not empty), each given once. Anything else raises :class:`Unusual`
and goes the general way (the guard, then spyne), whose checks and faults are the contract.
"""

from __future__ import annotations

import re

from lxml import etree

from hisms.adapters.webservice.faults import SOAP_ENV
from hisms.adapters.webservice.guard import charset
from hisms.adapters.webservice.types import NS

ENVELOPE, HEADER, BODY = (f"{{{SOAP_ENV}}}{n}" for n in ("Envelope", "Header", "Body"))
DIGITS = re.compile(r"[0-9]{1,9}")  # an Integer spyne reads as we do (int() of it)
_DECLARED = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
TNS = "soap11env"  # spyne's prefix of the envelope's namespace in its answers
_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"


class Unusual(Exception):
    """Not the plain shape: the request goes the general way."""


def utf8(body: bytes, content_type: str) -> bool:
    """True when both the HTTP charset and the XML declaration (if any) say UTF-8."""
    if (charset(content_type) or "utf-8").lower() != "utf-8":
        return False
    declared = _DECLARED.match(body)
    return not declared or declared.group(1).lower() == b"utf-8"


def checked_root(root: etree._Element | None) -> etree._Element:
    """``root`` when it is an Envelope of a document without a DOCTYPE."""
    if root is None:
        raise Unusual
    docinfo = root.getroottree().docinfo
    if root.tag != ENVELOPE or docinfo.doctype or docinfo.internalDTD is not None:
        raise Unusual
    return root


def envelope_parts(root: etree._Element) -> tuple[etree._Element | None, etree._Element]:
    """The Header (or None) and the Body of an Envelope with nothing else in it."""
    header = body = None
    for child in root:
        if child.tag == HEADER and header is None and body is None:
            header = child
        elif child.tag == BODY and body is None:
            body = child
        else:
            raise Unusual
    if body is None:
        raise Unusual
    return header, body


def only_child(element: etree._Element) -> etree._Element:
    if len(element) != 1 or (element.text or "").strip() or element.attrib:
        raise Unusual
    return element[0]


def text(element: etree._Element) -> str:
    """A plain value: text only, no attribute, not empty (spyne's own cases are spyne's)."""
    if element.attrib or len(element) or not element.text:
        raise Unusual
    return str(element.text)


def fields(operation: etree._Element, names: dict[str, str]) -> dict[str, str]:
    """The operation's plain fields by name (``names``: element tag -> name), each once."""
    values: dict[str, str] = {}
    for child in operation:
        name = names.get(str(child.tag))
        if name is None or name in values:
            raise Unusual
        values[name] = text(child)
    if "Priority" in values and not DIGITS.fullmatch(values["Priority"]):
        raise Unusual
    return values


def result(operation: str, values: tuple[tuple[str, object], ...]) -> bytes:
    """spyne's ``<operation>Response`` carrying one ``<operation>Result``, byte for byte."""
    env = etree.Element(ENVELOPE, nsmap={TNS: SOAP_ENV, "tns": NS})
    body = etree.SubElement(env, BODY)
    answer = etree.SubElement(
        etree.SubElement(body, f"{{{NS}}}{operation}Response"), f"{{{NS}}}{operation}Result"
    )
    for name, value in values:
        etree.SubElement(answer, f"{{{NS}}}{name}").text = str(value)
    return _DECLARATION + etree.tostring(env)


def spyne_fault(code: str, text: str) -> bytes:
    """spyne's Fault envelope, byte for byte (``code`` as spyne qualifies it)."""
    env = etree.Element(ENVELOPE, nsmap={TNS: SOAP_ENV})
    fault = etree.SubElement(etree.SubElement(env, BODY), f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = code
    etree.SubElement(fault, "faultstring").text = text
    etree.SubElement(fault, "faultactor").text = ""
    return _DECLARATION + etree.tostring(env)
