"""The SQLite backend (the default): an embedded file named by ``sqlite:///path``, opened with WAL and a busy
timeout.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from ..common.errors import StoreError
from .dialect import SQLITE

T = TypeVar("T")

SQLITE_PREFIX = "sqlite:///"


class SqliteBackend:
    """An embedded file; WAL and a busy timeout let a CLI and a function host share it."""

    kind = "sqlite"
    dialect = SQLITE
    errors: tuple[type[BaseException], ...] = (sqlite3.Error,)
    integrity_errors: tuple[type[BaseException], ...] = (sqlite3.IntegrityError,)
    BUSY_TIMEOUT_SECONDS = 30

    def __init__(self, path: Path):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: the store opens every transaction itself (DDL included).
            # check_same_thread=False: async code runs the store's calls on the store's own thread
            # (off_loop.py); the store lets one thread at a time in (StoreTransactions' lock).
            self._connection = sqlite3.connect(path, timeout=self.BUSY_TIMEOUT_SECONDS, isolation_level=None,
                                               check_same_thread=False)
            self._connection.execute("PRAGMA journal_mode = WAL")
            self._connection.execute("PRAGMA synchronous = NORMAL")
            self._connection.execute("PRAGMA foreign_keys = ON")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the SQLite database {path}: {exc}") from None

    def describe(self) -> str:
        return str(self.path)

    def describe_error(self, exc: BaseException) -> str:
        return str(exc)

    def retrying(self, operation: Callable[[], T]) -> T:
        return operation()  # waiting for a lock is the busy timeout's job

    def begin(self, write: bool) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue instead of failing on upgrade.
        self._connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")

    def commit(self) -> None:
        self._connection.execute("COMMIT")

    def rollback(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("ROLLBACK")

    def execute(self, sql: str, params: Sequence[Any] = ()):
        return self._connection.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._connection.executemany(sql, rows)

    def close(self) -> None:
        self._connection.close()


def sqlite_path(database: str) -> Path | None:
    """The file named by ``sqlite:///path`` (relative to the working directory), or None for ODBC strings."""
    if not database.startswith("sqlite:"):
        return None
    if not database.startswith(SQLITE_PREFIX) or len(database) == len(SQLITE_PREFIX):
        raise StoreError(f"SQLite database {database!r} must look like sqlite:///relative/path.db or "
                         f"sqlite:////absolute/path.db")
    return Path.cwd() / database[len(SQLITE_PREFIX):]
