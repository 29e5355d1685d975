"""Dameng DM8 store: Oracle's statements (``sql.BORROWS``) through the dmPython driver.

DM8 accepts Oracle's MERGE, JSON_TABLE, FOR UPDATE SKIP LOCKED and RETURNING INTO, and
dmPython follows cx_Oracle's API (named binds, ``cursor.var``), so only the driver and
the DDL (``sql/dm/migrations``) differ from the Oracle store.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any, Self

from hisms.engine.store.base import StoreError
from hisms.engine.store.oracle import OracleStore

if TYPE_CHECKING:
    from sqlalchemy.engine import URL


class DmStore(OracleStore):
    dialect = "dm"
    name = "DM8"

    @classmethod
    def from_url(cls, url: URL, pool_size: int) -> Self:
        """``dm://user:pw@host:5236``."""
        return cls(
            pool_size,
            user=url.username or "SYSDBA",
            password=url.password or "",
            server=url.host or "127.0.0.1",
            port=url.port or 5236,
        )

    def load_driver(self) -> ModuleType:
        try:
            return importlib.import_module("dmPython")
        except ImportError as exc:
            raise StoreError(
                "Dameng DM8 needs the dmPython driver: pip install 'hisms[dm]' "
                "(it builds against the DM client libraries: set DM_HOME)"
            ) from exc

    def new_connection(self) -> Any:
        # dmPython commits every statement unless told otherwise.
        return self._driver.connect(**self._connect_args, autoCommit=False)
