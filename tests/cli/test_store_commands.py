"""``python -m shared db migrate`` and ``status`` against a real SQLite file."""

from __future__ import annotations

import json
import shutil

import pytest

from shared.cli import main
from shared.common.records import IncomingOrder, IngestBatch
from shared.config import load_config
from shared.store.migrations import SQL_ROOT, load_migrations
from shared.store.order_store import open_store

from ..conftest import DEFAULT_CONFIG

MIGRATIONS = [migration.name for migration in load_migrations(SQL_ROOT / "sqlite")]


@pytest.fixture
def config_path(tmp_path, monkeypatch):
    path = tmp_path / "sync_order_list.toml"
    shutil.copy(DEFAULT_CONFIG, path)
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"sqlite:///{tmp_path}/data/orders.db")
    return path


def test_db_migrate_applies_then_reports_up_to_date(config_path, tmp_path, capsys):
    assert main(["--config", str(config_path), "db", "migrate"]) == 0
    assert capsys.readouterr().out == "".join(f"applied {name} (sqlite)\n" for name in MIGRATIONS)
    assert (tmp_path / "data" / "orders.db").is_file()
    assert main(["--config", str(config_path), "db", "migrate"]) == 0
    assert capsys.readouterr().out == f"schema is up to date (version {MIGRATIONS[-1]})\n"


def test_status_json_and_table(config_path, tmp_path, capsys):
    with open_store(load_config(config_path)) as store:
        values = {"AAG ORDER NUMBER": "A1", "CUSTOMER NAME": "GREYSON"}
        order = IncomingOrder("A1|AIR|S1", "GREYSON", values, {"S": 2, "M": 1}, "h" * 64, 2)
        store.apply_ingest(IngestBatch("week 1.xlsx", "c" * 64, tuple(values), (order,), 1, 0))
        store.record_ingest(file_name="broken.xlsx", content_hash="d" * 64, outcome="rejected",
                            message="no MASTER sheet with a header row")
    assert main(["--config", str(config_path), "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["database"] == "sqlite" and status["schema_version"] == MIGRATIONS[-1]
    assert status["orders"]["NEW"] == 1 and status["lines"]["NEW"] == 2
    assert [(entry["file_name"], entry["outcome"]) for entry in status["ingests"]] == [
        ("broken.xlsx", "rejected"), ("week 1.xlsx", "accepted")]
    # where it works, never a credential: the SQLite file here, server/database on SQL Server
    assert status["environment"] == "development" and status["board_id"] == "9609317401"
    assert status["database_location"] == str(tmp_path / "data" / "orders.db")
    assert status["runs"] == []

    assert main(["--config", str(config_path), "status"]) == 0
    text = capsys.readouterr().out
    assert f"environment: development ({config_path})" in text
    assert f"database: sqlite {tmp_path / 'data' / 'orders.db'}, schema {MIGRATIONS[-1]}" in text
    assert "board: 9609317401\n" in text and "last runs: none" in text
    assert "orders: NEW 1  CHANGED 0  SYNCED 0  FAILED 0  REMOVED 0  ARCHIVED 0  (1 in all)" in text
    assert "pending: 1 orders to sync, 0 to archive, 0 parked" in text
    assert "failed orders: none" in text
    assert "broken.xlsx" in text and "no MASTER sheet with a header row" in text


def test_unreachable_database_is_a_problem_not_a_traceback(config_path, monkeypatch, capsys):
    # No ODBC driver exists here: connecting fails, and the CLI says so without showing the password.
    monkeypatch.setenv("ORDERSYNC_DATABASE", "Server=tcp:db.example.net;Database=orders;UID=u;PWD=hunter2")
    assert main(["--config", str(config_path), "status"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("error: cannot connect to SQL Server tcp:db.example.net/orders")
    assert "hunter2" not in error
