"""The database as the engine will see it: reachable, current, granted, on time, with room."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from hisms import sql
from hisms.engine.doctor.findings import Finding, Verdict, failed, passed
from hisms.engine.store.base import Store

SKEW_WARN, SKEW_FAIL = 1.0, 5.0  # seconds: leases, send_at and report times ride on the clocks
DISK_WARN, DISK_FAIL = 0.20, 0.10  # free fraction of the data directory's filesystem
NTP = "synchronise both hosts with NTP (chrony)"
ROOM = "free space or grow the volume; move old months out (docs/dba.md)"


def checks(store: Store, timezone: str) -> Iterator[Finding]:
    """Every database check after the connection succeeded (``reachable``)."""
    yield schema(store)
    if store.schema_version() == 0:
        return  # nothing else to read
    yield grants(store)
    yield clock(store)
    yield zone(store, timezone)
    yield disk(store)


def reachable(store: Store) -> Finding:
    version = store.schema_version()  # the first statement: raises StoreError if unreachable
    return passed("database", f"{store.dialect}, connected (schema version {version})")


def schema(store: Store) -> Finding:
    have = store.schema_version()
    want = max(version for version, _, _ in sql.migrations(store.dialect))
    if have == 0:
        return failed("schema", "no hisms schema in this database", "hisms db init")
    if pending := store.pending_migrations():
        names = ", ".join(f"{v:04d}_{name}" for v, name in pending)
        return failed(
            "schema",
            f"version {have}, this hisms also needs {names}",
            "hisms db upgrade --dry-run, then hisms db upgrade (docs/install.md#upgrades)",
        )
    if have > want:
        return failed(
            "schema",
            f"version {have} is newer than this hisms knows ({want})",
            "upgrade this host's hisms to the release that made the schema",
        )
    return passed("schema", f"version {have}, current")


def grants(store: Store) -> Finding:
    needed = sql.engine_grants(store.dialect)
    if not needed:
        return Finding("grants", Verdict.SKIP, f"{store.dialect} has no grants")
    missing = store.missing_grants()
    if missing:
        shown = ", ".join(f"{privilege} on {table}" for table, privilege in missing[:6])
        more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        return failed(
            "grants",
            f"the account lacks {shown}{more}",
            f"run sql/{store.dialect}/grants.sql as the schema owner (hisms db sql shows the DDL)",
        )
    return passed("grants", f"all {len(needed)} privileges the engine needs")


def clock(store: Store) -> Finding:
    skew = (store.database_clock() - datetime.now(UTC)).total_seconds()
    detail = f"database clock {skew:+.2f} s from this host's"
    return graded("clock", abs(skew) > SKEW_FAIL, abs(skew) > SKEW_WARN, detail, NTP)


def zone(store: Store, timezone: str) -> Finding:
    recorded = store.get_setting("timezone")
    if recorded != timezone:
        return failed(
            "timezone",
            f"the configuration says {timezone}, the database's views count days in {recorded}",
            "hisms db upgrade (it records the configured time zone)",
        )
    return passed("timezone", f"{timezone}, as the database's views count days")


def disk(store: Store) -> Finding:
    where = store.data_directory()
    if where is None:
        return Finding("disk", Verdict.SKIP, "the database does not say where its files are")
    path = Path(where)
    folder = path if path.is_dir() else path.parent
    if not folder.is_dir():
        return Finding("disk", Verdict.SKIP, f"{where} is on another host")
    usage = shutil.disk_usage(folder)
    free = usage.free / usage.total
    detail = f"{folder}: {usage.free / 2**30:.1f} GiB free ({free:.0%})"
    return graded("disk", free < DISK_FAIL, free < DISK_WARN, detail, ROOM)


def graded(check: str, bad: bool, poor: bool, detail: str, fix: str) -> Finding:
    """A measured check: failed when ``bad``, a warning when only ``poor``."""
    if bad:
        return failed(check, detail, fix)
    if poor:
        return Finding(check, Verdict.WARN, detail, fix)
    return passed(check, detail)
