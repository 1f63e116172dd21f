"""The schema inside the database: migrations applied in one transaction, the schema version, and the
business columns of the orders table (one per workbook header), checked and added on demand.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..common.errors import StoreError
from .migrations import load_migrations
from .timestamps import timestamp_text
from .transactions import StoreTransactions

MAX_COLUMN_NAME = 128
MAX_TABLE_COLUMNS = 1024  # SQL Server's limit per table; SQLite's (2,000) is held to it too
# The orders table's own columns; every other column holds a workbook header. A migration that adds a column
# the store keeps for itself lists it here too, or it would be read (and written) as a business column.
ORDER_SYSTEM_COLUMNS = (
    "record_uuid", "business_key", "row_hash", "sync_state", "monday_item_id", "monday_group_id",
    "sync_attempts", "sync_error", "last_synced_at", "next_attempt_at", "claim_id", "claimed_until",
    "source_file", "ingested_at", "updated_at",
)
_SYSTEM_NAMES = frozenset(name.casefold() for name in ORDER_SYSTEM_COLUMNS)
MAX_ORDER_COLUMNS = MAX_TABLE_COLUMNS - len(ORDER_SYSTEM_COLUMNS)  # business columns one table can hold


class IngestRefused(StoreError):
    """A file the store refuses as a whole (too many new columns, too many orders removed): nothing of it is
    applied, and the ingest reports the file as rejected with this message."""


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


class SchemaMixin(StoreTransactions):
    """Migrations and business columns of :class:`OrderStore`."""

    def migrate(self) -> list[str]:
        """Apply every migration the database lacks, all in one transaction; the names applied. A database
        already up to date is only read, so opening the store never waits for another writer's lock."""
        if self.run_in_transaction(self._up_to_date, write=False):
            return []
        return self.run_in_transaction(self._migrate)

    def _up_to_date(self) -> bool:
        if not self.table_columns(self.tables.migrations):
            return False
        applied = {version for version, _ in self._applied_versions()}
        return applied == {migration.version for migration in load_migrations(self._migrations_folder)}

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

    def stored_column(self, name: str) -> str | None:
        """The orders table's column holding business column ``name`` (compared without case, as both
        databases do), unquoted; None when no file ever had it."""
        return {column.casefold(): column for column in self.order_columns()}.get(name.casefold())

    def ensure_order_columns(self, names: Iterable[str]) -> dict[str, str]:
        """Add a nullable text column for each business column the orders table lacks, all in one short
        transaction of their own (the ingest runs it before its data transaction, so the ALTER TABLE never
        holds a schema lock for the length of an ingest). Every name is checked before any column is added,
        and a table that would pass :data:`MAX_TABLE_COLUMNS` gets none: :class:`IngestRefused`.

        Returns each given name -> the table's column holding it (the same name, or one differing only in
        case: both databases compare column names without case).
        """
        names = list(names)
        return self.run_in_transaction(lambda: self._ensure_order_columns(names))

    def _ensure_order_columns(self, names: list[str]) -> dict[str, str]:
        table = self.table_columns(self.tables.orders)
        existing = {name.casefold(): name for name in table if name.casefold() not in _SYSTEM_NAMES}
        given: dict[str, str] = {}
        for name in names:
            check_column_name(name)
            folded = name.casefold()
            if given.setdefault(folded, name) != name:
                raise StoreError(f"columns {given[folded]!r} and {name!r} differ only in upper/lower case; "
                                 f"the database cannot hold both")
        missing = [name for folded, name in given.items() if folded not in existing]
        if len(table) + len(missing) > MAX_TABLE_COLUMNS:
            raise IngestRefused(
                f"The file brings {len(missing):,} new column(s), but the orders table already has "
                f"{len(table):,} of the {MAX_TABLE_COLUMNS:,} columns a table may have (SQL Server's limit); "
                f"no column was added and nothing was stored. Remove unused columns from the file (the first "
                f"new ones: {', '.join(repr(name) for name in missing[:5])}).")
        for name in missing:
            self.execute(self.dialect.add_text_column_sql(self.tables.orders, name))
            existing[name.casefold()] = name
        return {name: existing[name.casefold()] for name in names}
