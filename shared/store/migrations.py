"""Migration files: the versioned schema under ``sql/sqlite`` and ``sql/tsql``, how the files are named, and
how their placeholders become an environment's table names (:class:`Tables`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..common.errors import StoreError
from ..config import Environment
from .dialect import Dialect

SQL_ROOT = Path(__file__).resolve().parents[2] / "sql"
_MIGRATION_FILE = re.compile(r"^(\d{3})_(\w+)\.sql$")
_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")


@dataclass(frozen=True)
class Tables:
    """Unquoted, config-checked table names; the store's own tables are named after the orders table."""

    orders: str
    lines: str
    ingest_log: str
    migrations: str
    groups: str  # monday groups found or created per board (migration 002)
    sync_state: str  # what a run learns and the next one needs, by name (migration 003)
    ingest_rows: str  # the rejected and warned rows of each ingest
    runs: str  # one row per sync, reconcile and plan tick

    @classmethod
    def of(cls, environment: Environment) -> Tables:
        orders = environment.orders_table
        return cls(orders, environment.lines_table, f"{orders}_INGEST_LOG", f"{orders}_MIGRATIONS",
                   f"{orders}_GROUPS", f"{orders}_SYNC_STATE", f"{orders}_INGEST_ROWS", f"{orders}_RUNS")

    def placeholders(self) -> dict[str, str]:
        """``{orders_table}``, ``{lines_table}``, ``{groups_table}`` ... as a migration file names them."""
        return {f"{name}_table": getattr(self, name) for name in self.__dataclass_fields__
                if name != "migrations"}


@dataclass(frozen=True)
class Migration:
    version: str  # "001"
    name: str  # "001_initial"
    path: Path

    def statements(self, dialect: Dialect, tables: Tables) -> list[str]:
        return render_migration(self.path.read_text(encoding="utf-8"), dialect, tables)


def load_migrations(folder: Path) -> list[Migration]:
    migrations = []
    for path in sorted(folder.glob("*.sql")):
        match = _MIGRATION_FILE.match(path.name)
        if not match:
            raise StoreError(f"migration file {path.name!r} is not named NNN_name.sql")
        migrations.append(Migration(match[1], path.stem, path))
    if not migrations:
        raise StoreError(f"no migration files in {folder}")
    return migrations


def render_migration(text: str, dialect: Dialect, tables: Tables) -> list[str]:
    """A migration file's statements, placeholders filled in (statements end with ``;``, ``--`` lines are
    notes)."""
    names = tables.placeholders()

    def fill(match: re.Match) -> str:
        if match[1] not in names:
            raise StoreError(f"unknown placeholder {match[0]} in a migration (known: {', '.join(names)})")
        table = names[match[1]]
        return dialect.index_name(table, match[2]) if match[2] else dialect.quote(table)

    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [statement.strip() for statement in _PLACEHOLDER.sub(fill, body).split(";") if statement.strip()]
