"""Refusals and the SOAP 1.1 Fault envelopes that carry them."""

from __future__ import annotations

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


class Refused(Exception):
    """A request we answer with a SOAP Fault; ``code`` goes after ``soap:`` in faultcode."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def envelope(code: str, text: str) -> bytes:
    """A SOAP 1.1 Fault as .NET, Java and zeep clients expect it (sent with HTTP 500)."""
    env = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    fault = etree.SubElement(etree.SubElement(env, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"soap:{code}"
    etree.SubElement(fault, "faultstring").text = text
    return bytes(etree.tostring(env, xml_declaration=True, encoding="utf-8"))
