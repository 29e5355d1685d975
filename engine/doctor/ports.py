"""The listening ports of the configuration are free to bind."""

from __future__ import annotations

import errno
import socket

from hisms.engine.config import Settings
from hisms.engine.doctor.findings import Finding, failed, passed


def listeners(settings: Settings) -> list[tuple[str, str, int]]:
    """(what, host, port) the engine will listen on, as configured."""
    found = []
    if settings.webservice.enabled:
        found.append(("webservice", settings.webservice.host, settings.webservice.port))
    if settings.monitoring.enabled and settings.monitoring.port:
        found.append(("metrics", settings.monitoring.host, settings.monitoring.port))
    for name, intake in (("cmpp", settings.intake.cmpp), ("smpp", settings.intake.smpp)):
        if intake.enabled and intake.port:
            found.append((f"intake.{name}", intake.host, intake.port))
    return found


def port_free(what: str, host: str, port: int) -> Finding:
    check = f"port {what}"
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return failed(
                    check,
                    f"{host}:{port} is in use (is hisms already running here?)",
                    f"stop what listens there (ss -ltnp 'sport = :{port}') or change [{what}] port",
                )
            return failed(check, f"{host}:{port}: {exc.strerror}", f"check [{what}] host")
    return passed(check, f"{host}:{port} is free")
