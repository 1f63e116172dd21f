"""The order store: orders, their size lines and the ingest log, in SQLite (default) or Azure SQL.

One class, :class:`OrderStore`, over two small backends. Every statement goes through ``execute``,
``executemany``, ``query`` or ``select_in``; every public operation runs in ``run_in_transaction``, the only
place database errors become :class:`StoreError` and where a transient Azure SQL error re-runs the whole
transaction. The schema lives in versioned files under ``sql/sqlite`` and ``sql/tsql``; business columns (one
per workbook header) are added on demand.

Timestamps are UTC ISO-8601 text with microseconds (:func:`timestamp_text`) on both databases, so comparing
the text compares the times.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from ..common.errors import StoreError
from ..common.records import (
    CUSTOMER_COLUMN,
    IngestBatch,
    IngestCounts,
    LineRow,
    LineState,
    OrderRow,
    OrderState,
)
from ..config import Config, SyncSettings, name_key
from .dialect import Dialect
from .migrations import SQL_ROOT, Tables, load_migrations
from .sqlite import SqliteBackend, sqlite_path
from .timestamps import timestamp_text

T = TypeVar("T")

IN_LIST_CHUNK = 500  # SQL Server allows 2,100 parameters per statement
MAX_COLUMN_NAME = 128
MAX_BUSINESS_KEY = 450  # NVARCHAR(450): the longest key SQL Server can index
MAX_SIZE_CODE = 100
ACCEPTED, REJECTED, DUPLICATE = "accepted", "rejected", "duplicate"
ORDER_STATES = (OrderState.NEW, OrderState.CHANGED, OrderState.CLAIMED, OrderState.SYNCED, OrderState.FAILED)
LINE_STATES = (LineState.NEW, LineState.CHANGED, LineState.REMOVED, LineState.SYNCED, LineState.FAILED)
# The orders table's own columns; every other column holds a workbook header. A migration that adds a column
# the store keeps for itself lists it here too, or it would be read (and written) as a business column.
ORDER_SYSTEM_COLUMNS = (
    "record_uuid", "business_key", "row_hash", "sync_state", "monday_item_id", "monday_group_id",
    "sync_attempts", "sync_error", "last_synced_at", "next_attempt_at", "claim_id", "claimed_until",
    "source_file", "ingested_at", "updated_at",
)
_SYSTEM_NAMES = frozenset(name.casefold() for name in ORDER_SYSTEM_COLUMNS)


class DuplicateIngest(StoreError):
    """This file content was already applied; applying it again would count every order twice."""



def check_column_name(name: str) -> None:
    """A business column name (a workbook header) the store can hold, else StoreError saying why."""
    if not isinstance(name, str) or not name.strip():
        raise StoreError(f"column name {name!r} is blank")
    if not name.isprintable():
        raise StoreError(f"column name {name!r} holds a control or other unprintable character")
    if len(name) > MAX_COLUMN_NAME:
        raise StoreError(f"column name {name[:40]!r}... is {len(name)} characters long; at most "
                         f"{MAX_COLUMN_NAME} fit a database column name")
    if name.casefold() in _SYSTEM_NAMES:
        raise StoreError(f"column name {name!r} is the name of a column the store keeps for itself "
                         f"({', '.join(ORDER_SYSTEM_COLUMNS)})")


# -- the ingest log ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IngestLogEntry:
    file_name: str
    content_hash: str
    ingested_at: str
    outcome: str  # ACCEPTED, REJECTED or DUPLICATE
    message: str = ""
    rows_total: int = 0
    orders_new: int = 0
    orders_changed: int = 0
    orders_unchanged: int = 0
    rows_rejected: int = 0
    lines_new: int = 0
    lines_changed: int = 0
    lines_removed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


_LOG_COLUMNS = tuple(column.name for column in fields(IngestLogEntry))  # the log table's columns, same order


def open_store(config: Config, *, auto_migrate: bool = True, migrations_root: Path = SQL_ROOT) -> OrderStore:
    """The store ``[environments.*].database`` names. A SQLite file is created on first use and, with
    ``auto_migrate``, brought to the current schema; SQL Server changes only through ``migrate()``."""
    database = config.environment.database
    path = sqlite_path(database)
    if path is not None:
        store = OrderStore(SqliteBackend(path), Tables.of(config.environment), config.sync.max_attempts,
                           migrations_root)
        if auto_migrate:
            try:
                store.migrate()
            except BaseException:
                store.close()
                raise
        return store
    from .mssql import ConnectionSettings, MssqlBackend

    backend = MssqlBackend(ConnectionSettings.from_config(database))
    return OrderStore(backend, Tables.of(config.environment), config.sync.max_attempts, migrations_root)


# -- the store ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _KnownOrder:
    record_uuid: str
    row_hash: str
    sync_state: str
    monday_item_id: str | None
    claim_id: str | None
    claimed_until: str | None

    def in_flight(self, now: str) -> bool:
        """A worker holds the order right now (a claim that has not expired)."""
        return self.claim_id is not None and self.claimed_until is not None and self.claimed_until > now


class OrderStore:
    """Orders, lines and the ingest log of one environment.

    Methods that read or write define their work as a function of no arguments and hand it to
    :meth:`run_in_transaction`; inside it they use :meth:`execute`, :meth:`query`, :meth:`executemany`
    (bulk) and :meth:`select_in` (IN-lists in chunks), with ``?`` parameters and table names from
    ``orders_table`` / ``lines_table`` / ``ingest_log_table`` (already quoted) and :attr:`dialect`.
    """

    def __init__(self, backend, tables: Tables, max_attempts: int, migrations_root: Path = SQL_ROOT):
        self._backend = backend
        self.dialect: Dialect = backend.dialect
        self.tables = tables
        self.max_attempts = max_attempts
        self._migrations_folder = migrations_root / self.dialect.sql_folder
        self._depth = 0  # transactions nest: only the outermost begins and commits
        quote = self.dialect.quote
        self.orders_table, self.lines_table = quote(tables.orders), quote(tables.lines)
        self.ingest_log_table, self.migrations_table = quote(tables.ingest_log), quote(tables.migrations)

    @property
    def kind(self) -> str:
        return self._backend.kind

    def __repr__(self) -> str:
        return f"OrderStore({self.kind}: {self._backend.describe()}, orders table {self.tables.orders})"

    def close(self) -> None:
        self._backend.close()

    def __enter__(self) -> OrderStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- running statements --------------------------------------------------------------------------------
    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[OrderStore]:
        """All statements inside commit together or not at all; an inner transaction joins the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._backend.begin(write)
        self._depth = 1
        try:
            yield self
            self._backend.commit()
        except BaseException:
            with suppress(*self._backend.errors):  # a broken connection cannot roll back; the server will
                self._backend.rollback()
            raise
        finally:
            self._depth = 0

    def run_in_transaction(self, work: Callable[[], T], write: bool = True) -> T:
        """``work()`` in one transaction, re-run on a transient Azure SQL error; errors become StoreError."""
        if self._depth:
            return work()

        def attempt() -> T:
            with self.transaction(write):
                return work()

        try:
            return self._backend.retrying(attempt)
        except self._backend.errors as exc:
            raise StoreError(f"{self.kind} database error: {self._backend.describe_error(exc)}") from None

    def execute(self, sql: str, params: Sequence[Any] = ()):
        return self._backend.execute(sql, params)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple]:
        return [tuple(row) for row in self._backend.execute(sql, params).fetchall()]

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """One statement for many rows (fast_executemany on pyodbc)."""
        self._backend.executemany(sql, rows)

    def select_in(self, build: Callable[[str], str], values: Sequence[Any], params: Sequence[Any] = ()
                  ) -> list[tuple]:
        """Rows of ``build(marks)`` (an SQL text with ``IN (marks)``), run per chunk of at most 500 values;
        ``params`` come before the chunk's values."""
        rows: list[tuple] = []
        for start in range(0, len(values), IN_LIST_CHUNK):
            chunk = values[start:start + IN_LIST_CHUNK]
            rows.extend(self.query(build(", ".join("?" * len(chunk))), (*params, *chunk)))
        return rows

    def table_columns(self, table: str) -> list[str]:
        """Column names of an (unquoted) table, in table order; [] when it does not exist."""
        return [row[0] for row in self.query(self.dialect.table_columns_sql(), (table,))]

    # -- schema --------------------------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply every migration the database lacks, all in one transaction; the names applied."""
        return self.run_in_transaction(self._migrate)

    def _migrate(self) -> list[str]:
        if not self.table_columns(self.tables.migrations):
            self.execute(self.dialect.migrations_table_sql(self.tables.migrations))
        applied = {version for version, _ in self._applied_versions()}
        available = load_migrations(self._migrations_folder)
        newer = sorted(applied - {migration.version for migration in available})
        if newer:
            raise StoreError(f"the database has schema version {newer[-1]}, newer than this code knows "
                             f"({available[-1].name}); update ordersync")
        done = []
        for migration in available:
            if migration.version in applied:
                continue
            for statement in migration.statements(self.dialect, self.tables):
                self.execute(statement)
            self.execute(f"INSERT INTO {self.migrations_table} (version, name, applied_at) VALUES (?, ?, ?)",
                         (migration.version, migration.name, timestamp_text()))
            done.append(migration.name)
        return done

    def _applied_versions(self) -> list[tuple[str, str]]:
        return sorted(self.query(f"SELECT version, name FROM {self.migrations_table}"))

    def schema_version(self) -> str | None:
        """Name of the newest applied migration (e.g. ``001_initial``), None before the first migrate."""

        def read() -> str | None:
            if not self.table_columns(self.tables.migrations):
                return None
            versions = self._applied_versions()
            return versions[-1][1] if versions else None

        return self.run_in_transaction(read, write=False)

    def order_columns(self) -> list[str]:
        """The business columns of the orders table, in table order."""
        columns = self.table_columns(self.tables.orders)
        return [name for name in columns if name.casefold() not in _SYSTEM_NAMES]

    def ensure_order_columns(self, names: Iterable[str]) -> dict[str, str]:
        """Add a nullable text column for each business column the orders table lacks.

        Returns each given name -> the table's column holding it (the same name, or one differing only in
        case: both databases compare column names without case).
        """
        return self.run_in_transaction(lambda: self._ensure_order_columns(names))

    def _ensure_order_columns(self, names: Iterable[str]) -> dict[str, str]:
        existing = {name.casefold(): name for name in self.order_columns()}
        given: dict[str, str] = {}
        result = {}
        for name in names:
            check_column_name(name)
            folded = name.casefold()
            if given.setdefault(folded, name) != name:
                raise StoreError(f"columns {given[folded]!r} and {name!r} differ only in upper/lower case; "
                                 f"the database cannot hold both")
            if folded not in existing:
                self.execute(self.dialect.add_text_column_sql(self.tables.orders, name))
                existing[folded] = name
            result[name] = existing[folded]
        return result

    # -- ingest --------------------------------------------------------------------------------------------
    def find_ingest(self, content_hash: str) -> IngestLogEntry | None:
        """The accepted ingest of this file content, if any (a rejected one does not count)."""
        return self.run_in_transaction(lambda: self._find_accepted(content_hash), write=False)

    def _find_accepted(self, content_hash: str) -> IngestLogEntry | None:
        sql, params = self.dialect.select_first(
            1, ", ".join(_LOG_COLUMNS),
            f"FROM {self.ingest_log_table} WHERE content_hash = ? AND outcome = ? ORDER BY ingest_id DESC",
            (content_hash, ACCEPTED))
        rows = self.query(sql, params)
        return IngestLogEntry(*rows[0]) if rows else None

    def record_ingest(self, *, file_name: str, content_hash: str, outcome: str, message: str = "",
                      rows_total: int = 0, rows_rejected: int = 0) -> None:
        """Log a file that changed nothing: rejected, or a duplicate of content already applied."""
        if outcome not in (REJECTED, DUPLICATE):
            raise StoreError(f"record_ingest logs {REJECTED!r} or {DUPLICATE!r} files, not {outcome!r} "
                             f"(accepted files are logged by apply_ingest)")
        entry = IngestLogEntry(file_name, content_hash, timestamp_text(), outcome, message, rows_total,
                               rows_rejected=rows_rejected)
        self.run_in_transaction(lambda: self._log_ingest(entry))

    def _log_ingest(self, entry: IngestLogEntry) -> None:
        marks = ", ".join("?" * len(_LOG_COLUMNS))
        self.execute(f"INSERT INTO {self.ingest_log_table} ({', '.join(_LOG_COLUMNS)}) VALUES ({marks})",
                     tuple(getattr(entry, name) for name in _LOG_COLUMNS))

    def apply_ingest(self, batch: IngestBatch) -> IngestCounts:
        """Insert new orders, update changed ones, leave the rest alone, log the file: one transaction."""
        _check_batch(batch)
        return self.run_in_transaction(lambda: _IngestWriter(self, batch).apply())

    # -- reading -------------------------------------------------------------------------------------------
    def orders_by_key(self, business_keys: Sequence[str]) -> dict[str, OrderRow]:
        orders = self.run_in_transaction(lambda: self._select_orders("business_key", business_keys),
                                         write=False)
        return {order.business_key: order for order in orders}

    def _select_orders(self, column: str, values: Sequence[str]) -> list[OrderRow]:
        business = self.order_columns()
        quoted = ", ".join(self.dialect.quote(name) for name in business)
        head = "record_uuid, business_key, row_hash, sync_state, monday_item_id, sync_attempts"
        rows = self.select_in(lambda marks: f"SELECT {head}{', ' + quoted if quoted else ''} FROM "
                                            f"{self.orders_table} WHERE {column} IN ({marks})", values)
        return [OrderRow(record_uuid=row[0], business_key=row[1], row_hash=row[2], sync_state=row[3],
                         monday_item_id=row[4], sync_attempts=row[5],
                         values=dict(zip(business, row[6:], strict=True)))
                for row in rows]

    def lines_of(self, record_uuids: Sequence[str]) -> list[LineRow]:
        """The lines of these orders, every state included."""
        def read() -> list[tuple]:
            return self.select_in(
                lambda marks: f"SELECT line_uuid, record_uuid, size_code, qty, sync_state, "
                              f"monday_subitem_id, sync_attempts FROM {self.lines_table} "
                              f"WHERE record_uuid IN ({marks}) ORDER BY record_uuid, size_code", record_uuids)

        return [LineRow(line_uuid, record_uuid, size_code, str(qty), state, subitem_id, attempts)
                for line_uuid, record_uuid, size_code, qty, state, subitem_id, attempts
                in self.run_in_transaction(read, write=False)]

    def status(self, failed_limit: int = 50, ingest_limit: int = 10) -> dict:
        """Counts per state, the failed orders and the last ingests, as JSON-able data."""
        return self.run_in_transaction(lambda: self._status(failed_limit, ingest_limit), write=False)

    def _status(self, failed_limit: int, ingest_limit: int) -> dict:
        versions = self._applied_versions() if self.table_columns(self.tables.migrations) else []
        if not versions:
            raise StoreError("the database has no ordersync schema yet: run `python -m shared db migrate`")
        has_customer = CUSTOMER_COLUMN.casefold() in {name.casefold() for name in self.order_columns()}
        customer = self.dialect.quote(CUSTOMER_COLUMN) if has_customer else "NULL"
        sql, params = self.dialect.select_first(
            failed_limit, f"business_key, {customer}, sync_attempts, sync_error, next_attempt_at",
            f"FROM {self.orders_table} WHERE sync_state = ? ORDER BY updated_at DESC, business_key",
            (OrderState.FAILED,))
        failed = [{"business_key": key, "customer": name, "attempts": attempts, "last_error": error,
                   "next_attempt_at": next_attempt, "parked": attempts >= self.max_attempts}
                  for key, name, attempts, error, next_attempt in self.query(sql, params)]
        sql, params = self.dialect.select_first(
            ingest_limit, ", ".join(_LOG_COLUMNS), f"FROM {self.ingest_log_table} ORDER BY ingest_id DESC")
        return {
            "database": self.kind,
            "schema_version": versions[-1][1],
            "orders": self._state_counts(self.orders_table, ORDER_STATES),
            "lines": self._state_counts(self.lines_table, LINE_STATES),
            "failed_orders": failed,
            "ingests": [IngestLogEntry(*row).to_dict() for row in self.query(sql, params)],
        }

    def _state_counts(self, table: str, states: Sequence[str]) -> dict[str, int]:
        counts = dict.fromkeys(states, 0)
        counts.update(self.query(f"SELECT sync_state, COUNT(*) FROM {table} GROUP BY sync_state"))
        return counts


    # -- sync: claims, batch reads, write-back, group title locks (the sync area's) -----------------------
    @property
    def groups_table(self) -> str:
        """The monday groups registry (migration 002), quoted."""
        return self.dialect.quote(self.tables.groups)

    def pending_orders(self, settings: SyncSettings, now: datetime, *, customer: str | None = None,
                       limit: int | None = None) -> list[tuple[str, str]]:
        """(record_uuid, customer) of the unclaimed orders that need monday work now, customer by customer.

        NEW and CHANGED orders; FAILED ones not yet parked whose next attempt is due; SYNCED ones with a
        NEW/CHANGED line, or a FAILED/REMOVED line not yet parked when the order's next attempt is due (a
        REMOVED line that never got a subitem is always due: it only needs dropping).
        """
        def read() -> list[tuple[str, str]]:
            columns = {name.casefold(): name for name in self.order_columns()}
            if CUSTOMER_COLUMN.casefold() not in columns:
                return []  # nothing was ever ingested
            customer_column = self.dialect.quote(columns[CUSTOMER_COLUMN.casefold()])
            moment = timestamp_text(now)
            due = "(o.next_attempt_at IS NULL OR o.next_attempt_at <= ?)"
            where = (
                f"FROM {self.orders_table} o WHERE (o.claim_id IS NULL OR o.claimed_until < ?) AND ("
                f"o.sync_state IN (?, ?) "
                f"OR (o.sync_state = ? AND o.sync_attempts < ? AND {due}) "
                f"OR (o.sync_state = ? AND EXISTS (SELECT 1 FROM {self.lines_table} l "
                f"WHERE l.record_uuid = o.record_uuid AND (l.sync_state IN (?, ?) "
                f"OR (l.sync_state = ? AND l.monday_subitem_id IS NULL) "
                f"OR (l.sync_state IN (?, ?) AND l.sync_attempts < ? AND {due})))))")
            params: list = [moment, OrderState.NEW, OrderState.CHANGED, OrderState.FAILED,
                            settings.max_attempts, moment, OrderState.SYNCED, LineState.NEW,
                            LineState.CHANGED, LineState.REMOVED, LineState.FAILED, LineState.REMOVED,
                            settings.max_attempts, moment]
            if customer is not None:
                where += f" AND o.{customer_column} = ?"
                params.append(customer)
            where += f" ORDER BY o.{customer_column}, o.ingested_at, o.business_key"
            columns_sql = f"o.record_uuid, o.{customer_column}"
            if limit is None:
                return self.query(f"SELECT {columns_sql} {where}", params)
            sql, all_params = self.dialect.select_first(limit, columns_sql, where, tuple(params))
            return self.query(sql, all_params)

        return [(record_uuid, name or "") for record_uuid, name in self.run_in_transaction(read, write=False)]

    def claim_orders(self, record_uuids: Sequence[str], claim_id: str, now: datetime, claimed_until: datetime,
                     *, from_claim: str | None = None) -> list[str]:
        """Claim those of these orders that are free (no claim, an expired one, or ``from_claim``); returns
        the ones this claim now holds. Concurrent claimers never both win an order: the UPDATE is
        conditional and the winners are re-read."""
        def claim() -> list[str]:
            condition = "claim_id IS NULL OR claimed_until < ?" + (" OR claim_id = ?" if from_claim else "")
            head = (claim_id, timestamp_text(claimed_until), timestamp_text(now),
                    *((from_claim,) if from_claim else ()))
            for start in range(0, len(record_uuids), IN_LIST_CHUNK):
                chunk = record_uuids[start:start + IN_LIST_CHUNK]
                self.execute(f"UPDATE {self.orders_table} SET claim_id = ?, claimed_until = ? "
                             f"WHERE ({condition}) AND record_uuid IN ({', '.join('?' * len(chunk))})",
                             (*head, *chunk))
            taken = {row[0] for row in self.select_in(
                lambda marks: f"SELECT record_uuid FROM {self.orders_table} WHERE claim_id = ? "
                              f"AND record_uuid IN ({marks})", list(record_uuids), (claim_id,))}
            return [record_uuid for record_uuid in record_uuids if record_uuid in taken]

        return self.run_in_transaction(claim)

    def release_claim(self, claim_id: str) -> None:
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.orders_table} SET claim_id = NULL, claimed_until = NULL WHERE claim_id = ?",
            (claim_id,)))

    def load_batch(self, record_uuids: Sequence[str], *, claim_id: str | None = None
                   ) -> tuple[list[OrderRow], list[LineRow]]:
        """The current rows of these orders (only those ``claim_id`` holds, when given), their lines."""
        def read() -> tuple[list[OrderRow], list[LineRow]]:
            orders = self._select_orders("record_uuid", list(record_uuids))
            if claim_id is not None:
                held = {row[0] for row in self.select_in(
                    lambda marks: f"SELECT record_uuid FROM {self.orders_table} WHERE claim_id = ? "
                                  f"AND record_uuid IN ({marks})", list(record_uuids), (claim_id,))}
                orders = [order for order in orders if order.record_uuid in held]
            position = {record_uuid: index for index, record_uuid in enumerate(record_uuids)}
            orders.sort(key=lambda order: position[order.record_uuid])
            return orders, self.lines_of([order.record_uuid for order in orders])

        return self.run_in_transaction(read, write=False)

    def order_synced(self, record_uuid: str, item_id: str, group_id: str | None, row_hash: str,
                     now: datetime) -> None:
        """monday holds this version of the order: ids kept; SYNCED unless the row changed meanwhile."""
        moment = timestamp_text(now)
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.orders_table} SET monday_item_id = ?, "
            f"monday_group_id = COALESCE(?, monday_group_id), "
            f"sync_state = CASE WHEN row_hash = ? THEN ? ELSE sync_state END, "
            f"sync_attempts = CASE WHEN row_hash = ? THEN 0 ELSE sync_attempts END, "
            f"sync_error = NULL, next_attempt_at = NULL, last_synced_at = ?, updated_at = ? "
            f"WHERE record_uuid = ?",
            (item_id, group_id, row_hash, OrderState.SYNCED, row_hash, moment, moment, record_uuid)))

    def order_failed(self, record_uuid: str, row_hash: str, error: str, attempts: int,
                     next_attempt_at: datetime | None, now: datetime) -> None:
        """monday refused this version: FAILED (unless the row changed meanwhile), attempts, error, retry."""
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.orders_table} SET sync_state = CASE WHEN row_hash = ? THEN ? ELSE sync_state END, "
            f"sync_attempts = ?, sync_error = ?, next_attempt_at = ?, updated_at = ? WHERE record_uuid = ?",
            (row_hash, OrderState.FAILED, attempts, error[:4000],
             timestamp_text(next_attempt_at) if next_attempt_at else None, timestamp_text(now), record_uuid)))

    def order_item_gone(self, record_uuid: str, now: datetime) -> None:
        """The order's item was deleted on monday, and its subitems with it: forget their ids so the next
        sync creates them again (sizes waiting for removal have nothing left to remove)."""
        moment = timestamp_text(now)

        def write() -> None:
            self.execute(
                f"UPDATE {self.orders_table} SET monday_item_id = NULL, monday_group_id = NULL, "
                f"sync_state = ?, sync_attempts = 0, sync_error = NULL, next_attempt_at = NULL, "
                f"updated_at = ? WHERE record_uuid = ?", (OrderState.NEW, moment, record_uuid))
            self.execute(f"DELETE FROM {self.lines_table} WHERE record_uuid = ? AND sync_state = ?",
                         (record_uuid, LineState.REMOVED))
            self._forget_subitems("record_uuid", record_uuid, moment)

        self.run_in_transaction(write)

    def line_subitem_gone(self, line_uuid: str, now: datetime) -> None:
        """The line's subitem was deleted on monday: forget its id so the next sync creates it again."""
        self.run_in_transaction(lambda: self._forget_subitems("line_uuid", line_uuid, timestamp_text(now)))

    def _forget_subitems(self, key_column: str, key: str, moment: str) -> None:
        if key_column not in ("record_uuid", "line_uuid"):  # a fixed name, never data
            raise ValueError(f"not a line key: {key_column!r}")
        self.execute(
            f"UPDATE {self.lines_table} SET monday_subitem_id = NULL, parent_item_id = NULL, sync_state = ?, "
            f"sync_attempts = 0, sync_error = NULL, updated_at = ? WHERE {key_column} = ?",
            (LineState.NEW, moment, key))

    def line_synced(self, line_uuid: str, subitem_id: str, parent_item_id: str, qty: str,
                    now: datetime) -> bool:
        """monday holds this quantity: ids kept; SYNCED unless the line changed or was removed meanwhile.
        False when the line row is gone (an ingest dropped it while its subitem was being created)."""
        moment = timestamp_text(now)
        current = "sync_state <> ? AND qty = ?"
        return 1 == self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.lines_table} SET monday_subitem_id = ?, parent_item_id = ?, "
            f"sync_state = CASE WHEN {current} THEN ? ELSE sync_state END, "
            f"sync_attempts = CASE WHEN {current} THEN 0 ELSE sync_attempts END, "
            f"sync_error = NULL, last_synced_at = ?, updated_at = ? WHERE line_uuid = ?",
            (subitem_id, parent_item_id, LineState.REMOVED, int(qty), LineState.SYNCED, LineState.REMOVED,
             int(qty), moment, moment, line_uuid)).rowcount)

    def line_failed(self, line_uuid: str, qty: str, error: str, attempts: int,
                    next_attempt_at: datetime | None, now: datetime) -> None:
        """monday refused this line's write: FAILED (a failed delete stays REMOVED; a line changed meanwhile
        keeps its state), attempts, message; its order's next attempt is moved to the line's retry time."""
        moment = timestamp_text(now)

        def write() -> None:
            self.execute(
                f"UPDATE {self.lines_table} SET sync_state = CASE WHEN sync_state = ? THEN sync_state "
                f"WHEN qty = ? THEN ? ELSE sync_state END, sync_attempts = ?, sync_error = ?, updated_at = ? "
                f"WHERE line_uuid = ?",
                (LineState.REMOVED, int(qty), LineState.FAILED, attempts, error[:4000], moment, line_uuid))
            if next_attempt_at is not None:
                self.execute(
                    f"UPDATE {self.orders_table} SET next_attempt_at = ? WHERE record_uuid = "
                    f"(SELECT record_uuid FROM {self.lines_table} WHERE line_uuid = ?)",
                    (timestamp_text(next_attempt_at), line_uuid))

        self.run_in_transaction(write)

    def line_deleted(self, line_uuid: str) -> None:
        """Its subitem is gone: the line row goes too. A size that came back meanwhile keeps its row, without
        the subitem id, so the next run creates the subitem again."""
        def write() -> None:
            gone = self.execute(f"DELETE FROM {self.lines_table} WHERE line_uuid = ? AND sync_state = ?",
                                (line_uuid, LineState.REMOVED)).rowcount
            if not gone:
                self.execute(f"UPDATE {self.lines_table} SET monday_subitem_id = NULL, parent_item_id = NULL "
                             f"WHERE line_uuid = ?", (line_uuid,))

        self.run_in_transaction(write)

    def forget_lines(self, line_uuids: Sequence[str]) -> None:
        """Drop REMOVED lines that never got a subitem."""
        def write() -> None:
            for start in range(0, len(line_uuids), IN_LIST_CHUNK):
                chunk = line_uuids[start:start + IN_LIST_CHUNK]
                marks = ", ".join("?" * len(chunk))
                self.execute(f"DELETE FROM {self.lines_table} WHERE sync_state = ? "
                             f"AND monday_subitem_id IS NULL AND line_uuid IN ({marks})",
                             (LineState.REMOVED, *chunk))

        self.run_in_transaction(write)

    def lock_group(self, board_id: str, title: str, token: str, now: datetime, locked_until: datetime
                   ) -> tuple[bool, str | None]:
        """Try to take the lock on a group title of a board: (taken?, the group id recorded for it, if any).

        The row per (board, title) is unique, so workers in different processes serialise on it.
        """
        key = name_key(title)
        try:
            self.run_in_transaction(lambda: self.execute(
                f"INSERT INTO {self.groups_table} (board_id, title_key, title) SELECT ?, ?, ? "
                f"WHERE NOT EXISTS (SELECT 1 FROM {self.groups_table} WHERE board_id = ? AND title_key = ?)",
                (board_id, key, title, board_id, key)))
        except StoreError:
            pass  # another worker inserted the same title first (the unique key said so); the take decides

        def take() -> tuple[bool, str | None]:
            taken = self.execute(
                f"UPDATE {self.groups_table} SET lock_token = ?, locked_until = ? WHERE board_id = ? "
                f"AND title_key = ? AND (lock_token IS NULL OR locked_until < ?)",
                (token, timestamp_text(locked_until), board_id, key, timestamp_text(now))).rowcount
            rows = self.query(f"SELECT group_id FROM {self.groups_table} WHERE board_id = ? "
                              f"AND title_key = ?", (board_id, key))
            return taken == 1, rows[0][0] if rows else None

        return self.run_in_transaction(take)

    def record_group(self, board_id: str, title: str, group_id: str) -> None:
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.groups_table} SET group_id = ?, title = ? WHERE board_id = ? AND title_key = ?",
            (group_id, title, board_id, name_key(title))))

    def unlock_group(self, board_id: str, title: str, token: str) -> None:
        self.run_in_transaction(lambda: self.execute(
            f"UPDATE {self.groups_table} SET lock_token = NULL, locked_until = NULL WHERE board_id = ? "
            f"AND title_key = ? AND lock_token = ?", (board_id, name_key(title), token)))

def _check_batch(batch: IngestBatch) -> None:
    seen: dict[str, int] = {}
    for order in batch.orders:
        if not order.business_key or len(order.business_key) > MAX_BUSINESS_KEY:
            raise StoreError(f"row {order.source_row}: the business key must be 1 to {MAX_BUSINESS_KEY} "
                             f"characters long (it is {len(order.business_key)})")
        if order.business_key in seen:
            raise StoreError(f"rows {seen[order.business_key]} and {order.source_row} share the business key "
                             f"{order.business_key!r}")
        seen[order.business_key] = order.source_row
        for size_code in order.sizes:
            if not size_code or len(size_code) > MAX_SIZE_CODE:
                raise StoreError(f"row {order.source_row}: size {size_code!r} must be 1 to {MAX_SIZE_CODE} "
                                 f"characters long")


class _IngestWriter:
    """The writes of one :meth:`OrderStore.apply_ingest`, run inside its transaction."""

    def __init__(self, store: OrderStore, batch: IngestBatch):
        self.store = store
        self.batch = batch
        self.now = timestamp_text()
        self.counts = IngestCounts()

    def apply(self) -> IngestCounts:
        store, batch = self.store, self.batch
        earlier = store._find_accepted(batch.content_hash)
        if earlier is not None:
            raise DuplicateIngest(f"{batch.file_name}: the same content was already applied "
                                  f"({earlier.file_name}, {earlier.ingested_at})")
        columns = store._ensure_order_columns(batch.columns)
        known = self.known_orders()
        new, changed = [], []
        for order in batch.orders:
            existing = known.get(order.business_key)
            if existing is None:
                new.append(order)
            elif existing.row_hash != order.row_hash:
                changed.append((order, existing))
        self.counts.unchanged = len(batch.orders) - len(new) - len(changed)
        self.insert_orders(new, columns)
        self.update_orders(changed, columns)
        self.update_lines(changed)
        counts = self.counts
        try:
            store._log_ingest(IngestLogEntry(
                batch.file_name, batch.content_hash, self.now, ACCEPTED, "", batch.rows_total, counts.new,
                counts.changed, counts.unchanged, batch.rows_rejected, counts.lines_new, counts.lines_changed,
                counts.lines_removed))
        except store._backend.integrity_errors:
            # Another transaction applied the same content after our check (possible on SQL Server; SQLite's
            # write lock serialises ingests). The accepted-content index refuses the second: roll it back.
            raise DuplicateIngest(f"{batch.file_name}: the same content was applied meanwhile") from None
        return self.counts

    def known_orders(self) -> dict[str, _KnownOrder]:
        keys = [order.business_key for order in self.batch.orders]
        rows = self.store.select_in(
            lambda marks: f"SELECT business_key, record_uuid, row_hash, sync_state, monday_item_id, "
                          f"claim_id, claimed_until FROM {self.store.orders_table} "
                          f"WHERE business_key IN ({marks})", keys)
        return {row[0]: _KnownOrder(*row[1:]) for row in rows}

    def insert_orders(self, orders: list, columns: Mapping[str, str]) -> None:
        store = self.store
        names = list(columns)
        head = ["record_uuid", "business_key", "row_hash", "sync_state", "source_file", "ingested_at",
                "updated_at"]
        quoted = ", ".join([*head, *(store.dialect.quote(columns[name]) for name in names)])
        marks = ", ".join("?" * (len(head) + len(names)))
        rows, lines = [], []
        for order in orders:
            record_uuid = str(uuid.uuid4())
            values = (order.values.get(name) for name in names)
            rows.append((record_uuid, order.business_key, order.row_hash, OrderState.NEW,
                         self.batch.file_name, self.now, self.now, *values))
            lines.extend((str(uuid.uuid4()), record_uuid, size, qty, LineState.NEW, self.now)
                         for size, qty in order.sizes.items() if qty)
        store.executemany(f"INSERT INTO {store.orders_table} ({quoted}) VALUES ({marks})", rows)
        self.insert_lines(lines)
        self.counts.new = len(orders)
        self.counts.new_keys = [order.business_key for order in orders]

    def insert_lines(self, lines: list[tuple]) -> None:
        self.store.executemany(f"INSERT INTO {self.store.lines_table} (line_uuid, record_uuid, size_code, "
                               f"qty, sync_state, updated_at) VALUES (?, ?, ?, ?, ?, ?)", lines)
        self.counts.lines_new += len(lines)

    def update_orders(self, changed: list, columns: Mapping[str, str]) -> None:
        """Every column of the file, the new hash; state NEW without an item, else CHANGED; failures forgiven
        (attempts, error and retry time reset: a person fixed the data).

        A claim that has expired is cleared. A live claim is kept: a worker is sending the order right now,
        its write-back sees the row hash moved and leaves the order for the next run, and no second worker is
        planned onto it meanwhile.
        """
        store = self.store
        names = list(columns)
        assignments = ", ".join(f"{store.dialect.quote(columns[name])} = ?" for name in names)
        rows = []
        for order, known in changed:
            state = OrderState.NEW if known.monday_item_id is None else OrderState.CHANGED
            claim = (known.claim_id, known.claimed_until) if known.in_flight(self.now) else (None, None)
            rows.append((*(order.values.get(name) for name in names), order.row_hash, self.batch.file_name,
                         self.now, state, *claim, known.record_uuid))
        store.executemany(
            f"UPDATE {store.orders_table} SET {assignments}{', ' if assignments else ''}row_hash = ?, "
            f"source_file = ?, updated_at = ?, sync_state = ?, sync_attempts = 0, sync_error = NULL, "
            f"next_attempt_at = NULL, claim_id = ?, claimed_until = ? WHERE record_uuid = ?", rows)
        self.counts.changed = len(changed)
        self.counts.changed_keys = [order.business_key for order, _ in changed]

    def update_lines(self, changed: list) -> None:
        """Diff the sizes of changed orders with their stored lines."""
        store = self.store
        by_order = {known.record_uuid: (order, known) for order, known in changed}
        stored: dict[str, dict[str, tuple]] = {}
        for line in store.select_in(
                lambda marks: f"SELECT record_uuid, size_code, line_uuid, qty, sync_state, monday_subitem_id "
                              f"FROM {store.lines_table} WHERE record_uuid IN ({marks})", list(by_order)):
            stored.setdefault(line[0], {})[line[1]] = line[2:]
        inserts, updates, deletes = [], [], []
        for record_uuid, (order, known) in by_order.items():
            lines = stored.get(record_uuid, {})
            sizes = {size: qty for size, qty in order.sizes.items() if qty}
            for size, qty in sizes.items():
                if size not in lines:
                    inserts.append((str(uuid.uuid4()), record_uuid, size, qty, LineState.NEW, self.now))
                    continue
                line_uuid, old_qty, state, subitem_id = lines[size]
                if state == LineState.REMOVED or old_qty != qty:
                    updates.append((qty, LineState.NEW if subitem_id is None else LineState.CHANGED, self.now,
                                    line_uuid))
            for size, (line_uuid, old_qty, state, subitem_id) in lines.items():
                if size in sizes or state == LineState.REMOVED:
                    continue
                if subitem_id is None and not known.in_flight(self.now):
                    deletes.append((line_uuid,))  # never reached monday: nothing to remove there
                else:
                    updates.append((old_qty, LineState.REMOVED, self.now, line_uuid))
                self.counts.lines_removed += 1
        self.insert_lines(inserts)
        store.executemany(f"UPDATE {store.lines_table} SET qty = ?, sync_state = ?, sync_attempts = 0, "
                          f"sync_error = NULL, updated_at = ? WHERE line_uuid = ?", updates)
        store.executemany(f"DELETE FROM {store.lines_table} WHERE line_uuid = ?", deletes)
        self.counts.lines_changed = sum(state != LineState.REMOVED for _, state, _, _ in updates)
