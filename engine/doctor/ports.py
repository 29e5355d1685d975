"""The listening ports of the configuration are free to bind, or held by hisms itself."""

from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

from hisms.engine.config import Settings
from hisms.engine.doctor.findings import Finding, Verdict, failed, passed

PROC = Path("/proc")


def listeners(settings: Settings, console: bool = False) -> list[tuple[str, str, int]]:
    """(section, host, port) the engine will listen on, as configured; with ``console``,
    also the port of ``hisms console`` (hisms-console.service) on this host."""
    found = []
    if settings.webservice.enabled:
        found.append(("webservice", settings.webservice.host, settings.webservice.port))
    # One HTTP server serves /metrics, the console under /console and the API under /api/v1.
    mon = settings.monitoring
    if (mon.enabled or settings.console.enabled or settings.api.enabled) and mon.port:
        found.append(("monitoring", mon.host, mon.port))
    for name, intake in (("cmpp", settings.intake.cmpp), ("smpp", settings.intake.smpp)):
        if intake.enabled and intake.port:
            found.append((f"intake.{name}", intake.host, intake.port))
    if console and settings.console.port:
        found.append(("console", settings.console.host, settings.console.port))
    return found


def port_free(section: str, host: str, port: int) -> Finding:
    check = f"port {section}"
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                return failed(check, f"{host}:{port}: {exc.strerror}", f"check [{section}] host")
            holder = hisms_holding(port)
            if holder is not None:  # the running service: doctor on a live deployment
                pid, command = holder
                return Finding(
                    check,
                    Verdict.WARN,
                    f"{host}:{port} is held by hisms (pid {pid}: {command}), the running service",
                    f"nothing, if that is this deployment; another engine on this host needs "
                    f"its own [{section}] port",
                )
            return failed(
                check,
                f"{host}:{port} is in use by another program",
                f"stop what listens there (ss -ltnp 'sport = :{port}') or change [{section}] port",
            )
    return passed(check, f"{host}:{port} is free")


def hisms_holding(port: int) -> tuple[int, str] | None:
    """The hisms process (pid, command line) listening on ``port``, if this user can see it
    (a process of another user hides its sockets: then None, as for any other program)."""
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
            holds = any(os.readlink(fd) in inodes for fd in fds)
            if not holds:
                continue
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # gone, or another user's
            continue
        args = [a.decode("utf-8", "replace") for a in argv if a]
        if any(os.path.basename(a) == "hisms" for a in args[:3]):
            return int(entry.name), " ".join(args)
    return None


def _listening_inodes(port: int) -> set[str]:
    """``socket:[inode]`` of every TCP socket listening on ``port`` (IPv4 and IPv6)."""
    found = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                found.add(f"socket:[{inode}]")
    return found
