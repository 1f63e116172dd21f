"""Azure SQL / SQL Server through pyodbc: the connection string, transient-error retries, bulk writes.

pyodbc is imported only when this backend is opened, so the SQLite default needs no ODBC driver manager.
The connection string may hold a password: it never reaches a log line, an exception message or a repr.
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import struct
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..common.errors import StoreError
from .dialect import TSQL
from .entra_token import entra_access_token

log = logging.getLogger(__name__)
T = TypeVar("T")

# Errors worth running the whole transaction again for, on a new connection: Microsoft's transient list for
# Azure SQL (SqlClient's retry logic; its catch-all 0 and 20 left out); lock conflicts (1205 deadlock
# victim, 1222 lock timeout, 1204 no lock memory), which end or spoil the transaction but not the data; and
# dropped connections (10053, 10054 reset, 10060 timed out, 64, 233). Found as the native number pyodbc
# appends to each message record, or as the record's SQLSTATE.
TRANSIENT_ERROR_NUMBERS = frozenset({
    1204, 1205, 1222,
    4060, 4221, 40143, 40197, 40501, 40540, 40613, 49918, 49919, 49920, 10928, 10929,
    64, 233, 10053, 10054, 10060,
})
TRANSIENT_SQLSTATES = frozenset({"08S01", "40001"})  # communication link failure; serialization (deadlock)
SQL_COPT_SS_ACCESS_TOKEN = 1256  # pre-connect attribute of the Microsoft ODBC driver
DEFAULT_DRIVER = "{ODBC Driver 18 for SQL Server}"
EXECUTEMANY_CHUNK_ROWS = 1000  # fast_executemany holds a whole parameter array in memory; keep it bounded
MAX_BOUND_TEXT = 4000  # the longest NVARCHAR(n) parameter; longer text is sent without fast_executemany
_CREDENTIAL_KEYS = frozenset({"uid", "pwd", "authentication", "trusted_connection"})
_SECRET_KEYS = frozenset({"pwd", "password"})
# pyodbc writes each diagnostic record as "[SQLSTATE] message (native number)", the first one followed by
# "(SQLFunctionName)", the others separated by "; ": only a number in that place is an error number.
_ERROR_NUMBER = re.compile(r"\((\d+)\)(?=\s*(?:\(SQL\w*\)|;|$))")
_SQLSTATE = re.compile(r"(?:^|; )\[([0-9A-Z]{5})\]")


# -- connection string -------------------------------------------------------------------------------------
def parse_connection_string(text: str) -> list[tuple[str, str]]:
    """ODBC ``key=value;`` pairs; a value in braces may hold ``;`` and writes ``}`` as ``}}``."""
    pairs, position = [], 0
    while position < len(text):
        if text[position] in "; ":
            position += 1
            continue
        equals = text.find("=", position)
        if equals < 0:
            raise StoreError("the SQL Server connection string is malformed (a part has no '=')")
        key = text[position:equals].strip()
        position = equals + 1
        if text.startswith("{", position):
            value, position = _braced_value(text, position)
        else:
            end = text.find(";", position)
            end = len(text) if end < 0 else end
            value, position = text[position:end].strip(), end
        pairs.append((key, value))
    return pairs


def _braced_value(text: str, start: int) -> tuple[str, int]:
    position, value = start + 1, []
    while position < len(text):
        if text[position] == "}":
            if text.startswith("}}", position):
                value.append("}")
                position += 2
                continue
            return "{" + "".join(value).replace("}", "}}") + "}", position + 1
        value.append(text[position])
        position += 1
    raise StoreError("the SQL Server connection string is malformed (a '{' is never closed)")


@dataclass(frozen=True, repr=False)
class ConnectionSettings:
    """What pyodbc gets, and what may be shown of it (server and database only)."""

    connection_string: str
    uses_token: bool  # no credentials in the string: sign in with an Entra ID token (entra_token.py)
    server: str
    database: str
    secrets: tuple[str, ...]  # the strings themselves and any password: blanked out of every message

    @classmethod
    def from_config(cls, text: str) -> ConnectionSettings:
        pairs = parse_connection_string(text)
        keys = {key.casefold(): value for key, value in pairs}
        if "driver" not in keys:
            pairs.insert(0, ("Driver", DEFAULT_DRIVER))
        if "encrypt" not in keys:
            pairs.append(("Encrypt", "yes"))
        connection_string = ";".join(f"{key}={value}" for key, value in pairs)
        passwords = [form for key, value in pairs if key.casefold() in _SECRET_KEYS and value
                     for form in (value, _unbraced(value))]
        return cls(
            connection_string=connection_string,
            uses_token=not _CREDENTIAL_KEYS & keys.keys(),
            server=_unbraced(keys.get("server") or keys.get("address") or keys.get("addr") or "?"),
            database=_unbraced(keys.get("database") or keys.get("initial catalog") or "(default)"),
            secrets=tuple(sorted({text, connection_string, *passwords}, key=len, reverse=True)),
        )

    def describe(self) -> str:
        return f"{self.server}/{self.database}"

    def redact(self, text: str) -> str:
        for secret in self.secrets:  # longest first, so a whole string goes before the password inside it
            text = text.replace(secret, "***")
        return text

    def __repr__(self) -> str:
        return f"ConnectionSettings({self.describe()!r})"


def _unbraced(value: str) -> str:
    return value[1:-1].replace("}}", "}") if value.startswith("{") and value.endswith("}") else value


def access_token_struct(token: str) -> bytes:
    """The ACCESSTOKEN struct the ODBC driver expects: 4-byte little-endian length, then UTF-16-LE bytes."""
    data = token.encode("utf-16-le")
    return struct.pack("<I", len(data)) + data


# -- transient errors --------------------------------------------------------------------------------------
def error_numbers(exc: BaseException) -> set[int]:
    """SQL Server error numbers in a pyodbc error: its message ends each record with ``(number)``."""
    return {int(number) for arg in exc.args if isinstance(arg, str) for number in _ERROR_NUMBER.findall(arg)}


def sqlstates(exc: BaseException) -> set[str]:
    """The SQLSTATEs of a pyodbc error: ``args[0]``, and the ``[SQLSTATE]`` opening each message record."""
    found = {exc.args[0]} if exc.args and isinstance(exc.args[0], str) and len(exc.args[0]) == 5 else set()
    return found | {state for arg in exc.args[1:] if isinstance(arg, str) for state in _SQLSTATE.findall(arg)}


def is_transient(exc: BaseException) -> bool:
    return bool(error_numbers(exc) & TRANSIENT_ERROR_NUMBERS or sqlstates(exc) & TRANSIENT_SQLSTATES)


def transient_reason(exc: BaseException) -> str:
    """What made an error transient, for the log: its numbers and SQLSTATEs (never the message text)."""
    return ", ".join([*map(str, sorted(error_numbers(exc) & TRANSIENT_ERROR_NUMBERS)),
                      *sorted(sqlstates(exc) & TRANSIENT_SQLSTATES)])


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries in all, the first included
    base_seconds: float = 1.0
    max_seconds: float = 30.0

    def delay(self, retry: int, jitter: float) -> float:
        """Wait before retry number ``retry`` (1-based): half fixed, half random, doubling up to the cap."""
        ceiling = min(self.max_seconds, self.base_seconds * 2 ** (retry - 1))
        return ceiling / 2 + ceiling / 2 * jitter


def call_with_retries(operation: Callable[[], T], policy: RetryPolicy, *,
                      sleep: Callable[[float], None] = time.sleep,
                      jitter: Callable[[], float] = random.random) -> T:
    """Run ``operation``; on a transient error wait and run it again, at most ``policy.attempts`` times."""
    attempt = 1
    while True:
        try:
            return operation()
        except Exception as exc:
            if attempt >= policy.attempts or not is_transient(exc):
                raise
            delay = policy.delay(attempt, jitter())
            log.warning("SQL Server error %s is transient; try %d of %d in %.1f s", transient_reason(exc),
                        attempt + 1, policy.attempts, delay)
            sleep(delay)
            attempt += 1


# -- bulk writes -------------------------------------------------------------------------------------------
def text_input_sizes(rows: Sequence[Sequence[Any]], text_type: int) -> list[tuple | None] | None:
    """Per parameter: ``(text_type, longest, 0)`` for text, None (pyodbc decides) for the rest; None in all
    when some text is longer than an ``NVARCHAR(4000)`` parameter holds. Lengths are UTF-16 code units."""
    longest: dict[int, int] = {}
    for row in rows:
        for position, value in enumerate(row):
            if isinstance(value, str):
                units = len(value) if value.isascii() else len(value.encode("utf-16-le")) // 2
                if units > MAX_BOUND_TEXT:
                    return None
                longest[position] = max(longest.get(position, 1), units)
    width = max((len(row) for row in rows), default=0)
    return [(text_type, longest[position], 0) if position in longest else None for position in range(width)]


# -- the backend -------------------------------------------------------------------------------------------
class MssqlBackend:
    """One pyodbc connection (autocommit off); reconnects when a transient error may have broken it."""

    kind = "mssql"
    dialect = TSQL

    def __init__(self, settings: ConnectionSettings, policy: RetryPolicy = RetryPolicy()):
        import pyodbc

        self._pyodbc = pyodbc
        self.errors: tuple[type[BaseException], ...] = (pyodbc.Error,)
        self.integrity_errors: tuple[type[BaseException], ...] = (pyodbc.IntegrityError,)
        self.settings = settings
        self.policy = policy
        self._connection = None
        try:
            self._connection = call_with_retries(self._connect, policy)
        except pyodbc.Error as exc:
            raise StoreError(f"cannot connect to SQL Server {settings.describe()}: "
                             f"{self.describe_error(exc)}") from None

    def _connect(self):
        attrs = {}
        if self.settings.uses_token:
            attrs[SQL_COPT_SS_ACCESS_TOKEN] = access_token_struct(entra_access_token())
        return self._pyodbc.connect(self.settings.connection_string, autocommit=False, attrs_before=attrs)

    def describe(self) -> str:
        return self.settings.describe()

    def describe_error(self, exc: BaseException) -> str:
        return self.settings.redact(" ".join(str(arg) for arg in exc.args))

    def retrying(self, operation: Callable[[], T]) -> T:
        def attempt() -> T:
            if self._connection is None:
                self._connection = self._connect()
            try:
                return operation()
            except self._pyodbc.Error as exc:
                if is_transient(exc):
                    self.close()
                raise

        return call_with_retries(attempt, self.policy)

    def begin(self, write: bool) -> None:
        """Nothing to do: with autocommit off the driver opens a transaction on the first statement."""

    def commit(self) -> None:
        self._connection.commit()

    def rollback(self) -> None:
        self._connection.rollback()

    def execute(self, sql: str, params: Sequence[Any] = ()):
        return self._connection.execute(sql, *params) if params else self._connection.execute(sql)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Many rows per round trip (fast_executemany), each text parameter bound with an explicit size.

        Without the sizes pyodbc binds text by what the server describes: for an ``NVARCHAR(MAX)`` column
        (every business column) that is a 0-length or 2 GB buffer per cell, which fast_executemany answers
        with memory errors or truncation. A chunk holding text too long for ``NVARCHAR(4000)`` goes row by
        row.
        """
        rows = list(rows)
        if not rows:
            return
        cursor = self._connection.cursor()
        try:
            for start in range(0, len(rows), EXECUTEMANY_CHUNK_ROWS):
                chunk = rows[start:start + EXECUTEMANY_CHUNK_ROWS]
                sizes = text_input_sizes(chunk, self._pyodbc.SQL_WVARCHAR)
                cursor.fast_executemany = sizes is not None
                cursor.setinputsizes(sizes)
                cursor.executemany(sql, chunk)
        finally:
            with contextlib.suppress(self._pyodbc.Error):  # a broken connection: the first error tells why
                cursor.close()

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except self._pyodbc.Error:
                pass  # the connection was already broken; nothing more to release
