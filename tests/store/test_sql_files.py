"""Every schema version exists in both flavours; T-SQL parses, SQLite runs on a fresh database."""

from __future__ import annotations

import sqlite3

import pytest
import sqlglot

from shared.common.errors import StoreError
from shared.config import load_config
from shared.store.dialect import SQLITE, TSQL
from shared.store.migrations import SQL_ROOT, Tables, load_migrations, render_migration

from ..conftest import DEFAULT_CONFIG

TABLES = Tables.of(load_config(DEFAULT_CONFIG).environment)  # ORDER_LIST_V2, ORDER_LIST_LINES, ...
SQLITE_FILES = sorted((SQL_ROOT / "sqlite").glob("*.sql"))
TSQL_FILES = sorted((SQL_ROOT / "tsql").glob("*.sql"))


def test_every_version_exists_in_both_flavours():
    sqlite_versions = [migration.name for migration in load_migrations(SQL_ROOT / "sqlite")]
    tsql_versions = [migration.name for migration in load_migrations(SQL_ROOT / "tsql")]
    assert sqlite_versions == tsql_versions
    assert sqlite_versions[0] == "001_initial"
    # Numbers rise and never repeat; one may be missing on a branch while another engineer's version holds it.
    numbers = [int(name[:3]) for name in sqlite_versions]
    assert numbers == sorted(set(numbers))


@pytest.mark.parametrize("path", TSQL_FILES, ids=lambda path: path.name)
def test_tsql_files_parse(path):
    statements = render_migration(path.read_text(encoding="utf-8"), TSQL, TABLES)
    assert statements and not any("{" in statement for statement in statements), "a placeholder was left"
    parsed = sqlglot.parse(";\n".join(statements), read="tsql")
    assert len(parsed) == len(statements) and all(tree is not None for tree in parsed)


def test_sqlite_files_run_in_order_on_a_fresh_database():
    connection = sqlite3.connect(":memory:")
    connection.execute("PRAGMA foreign_keys = ON")
    for path in SQLITE_FILES:
        for statement in render_migration(path.read_text(encoding="utf-8"), SQLITE, TABLES):
            connection.execute(statement)
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {TABLES.orders, TABLES.lines, TABLES.ingest_log} <= tables
    # the accepted-content index is partial: a rejected file may come back with the same content
    log = SQLITE.quote(TABLES.ingest_log)
    insert = f"INSERT INTO {log} (file_name, content_hash, ingested_at, outcome) VALUES (?, ?, ?, ?)"
    for outcome in ("rejected", "rejected", "accepted"):
        connection.execute(insert, ("a.xlsx", "h1", "2026-01-01T00:00:00.000000+00:00", outcome))
    with pytest.raises(sqlite3.IntegrityError):
        connection.execute(insert, ("b.xlsx", "h1", "2026-01-02T00:00:00.000000+00:00", "accepted"))


def test_placeholders_become_quoted_names_per_dialect():
    text = "CREATE INDEX {orders_table:ix_state} ON {orders_table} (sync_state);\n-- note; with a semicolon\n"
    assert render_migration(text, SQLITE, TABLES) == [
        'CREATE INDEX "ORDER_LIST_V2_ix_state" ON "ORDER_LIST_V2" (sync_state)']
    assert render_migration(text, TSQL, TABLES) == ["CREATE INDEX [ix_state] ON [ORDER_LIST_V2] (sync_state)"]
    with pytest.raises(StoreError, match="unknown placeholder {customers_table}"):
        render_migration("CREATE TABLE {customers_table} (x INT);", SQLITE, TABLES)


def test_identifiers_are_quoted_with_doubling():
    assert SQLITE.quote('A "B" ]C') == '"A ""B"" ]C"'
    assert TSQL.quote('A "B" ]C[') == '[A "B" ]]C[]'
