"""The base every part of the order store builds on: its backend and table names, nested transactions with
retries (the only place database errors become StoreError), and the statements run inside them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Self, TypeVar

from ..common.errors import StoreError
from ..telemetry import sql_transaction
from .dialect import Dialect
from .migrations import SQL_ROOT, Tables

T = TypeVar("T")

IN_LIST_CHUNK = 500  # SQL Server allows 2,100 parameters per statement


class StoreTransactions:
    """One environment's tables behind one backend; :class:`OrderStore` adds one mixin per concern on top."""

    def __init__(self, backend, tables: Tables, max_attempts: int, migrations_root: Path = SQL_ROOT):
        self._backend = backend
        self.dialect: Dialect = backend.dialect
        self.tables = tables
        self.max_attempts = max_attempts
        self._migrations_folder = migrations_root / self.dialect.sql_folder
        self._depth = 0  # transactions nest: only the outermost begins and commits
        self._lock = threading.RLock()  # one thread at a time uses the connection (and sees _depth)
        self._thread: ThreadPoolExecutor | None = None  # the store's own thread, for async code (off_loop.py)
        quote = self.dialect.quote
        self.orders_table, self.lines_table = quote(tables.orders), quote(tables.lines)
        self.ingest_log_table, self.migrations_table = quote(tables.ingest_log), quote(tables.migrations)

    @property
    def kind(self) -> str:
        return self._backend.kind

    @property
    def location(self) -> str:
        """Where the data lives, without credentials: the SQLite file, or server/database."""
        return self._backend.describe()

    def __repr__(self) -> str:
        return f"OrderStore({self.kind}: {self._backend.describe()}, orders table {self.tables.orders})"

    def store_thread(self) -> ThreadPoolExecutor:
        """The one thread async code runs this store's calls on (made on first use; see off_loop.py)."""
        with self._lock:
            if self._thread is None:
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="ordersync-store")
            return self._thread

    def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.shutdown(wait=True)  # the calls already made run first
        self._backend.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- running statements --------------------------------------------------------------------------------
    @contextmanager
    def _transaction(self, write: bool) -> Iterator[Self]:
        """All statements inside commit together or not at all. Only run_in_transaction enters it, never
        inside another: work that nests calls run_in_transaction, which joins the outer transaction."""
        with self._lock:
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
        with self._lock:
            if self._depth:
                return work()

            def attempt() -> T:
                with self._transaction(write):
                    return work()

            with sql_transaction(self.kind, work):  # one dependency span per transaction, retries included
                try:
                    return self._backend.retrying(attempt)
                except self._backend.errors as exc:
                    raise StoreError(f"{self.kind} database error: "
                                     f"{self._backend.describe_error(exc)}") from None

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

    def execute_in(self, build: Callable[[str], str], values: Sequence[Any], params: Sequence[Any] = ()
                   ) -> int:
        """Run ``build(marks)`` (a statement with ``IN (marks)``) per chunk of at most 500 values, ``params``
        first; the rows it changed in all."""
        changed = 0
        for start in range(0, len(values), IN_LIST_CHUNK):
            chunk = values[start:start + IN_LIST_CHUNK]
            changed += self.execute(build(", ".join("?" * len(chunk))), (*params, *chunk)).rowcount
        return changed

    def table_columns(self, table: str) -> list[str]:
        """Column names of an (unquoted) table, in table order; [] when it does not exist."""
        return [row[0] for row in self.query(self.dialect.table_columns_sql(), (table,))]
