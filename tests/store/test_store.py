"""The order store on real databases: SQLite files always, SQL Server when ORDERSYNC_TEST_MSSQL names one."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import uuid

import pytest

from shared.common.errors import StoreError
from shared.common.records import IncomingOrder, IngestBatch, LineState, OrderState
from shared.config import load_config
from shared.store.ingest_writer import DuplicateIngest
from shared.store.migrations import SQL_ROOT, load_migrations
from shared.store.order_store import open_store

from ..conftest import DEFAULT_CONFIG

NEWEST_MIGRATION = load_migrations(SQL_ROOT / "sqlite")[-1].name

MSSQL_ENV = "ORDERSYNC_TEST_MSSQL"
AWKWARD_COLUMNS = ("CUSTOMER'S COLOUR CODE (CUSTOM FIELD) CUSTOMER PROVIDES THIS", "RANGE / COLLECTION",
                   "FINAL FOB (USD)", 'A "quoted" ]bracket[ name')


# -- fixtures ----------------------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("mssql", marks=pytest.mark.mssql)])
def store_config(request, tmp_path):
    """A config whose database is a fresh SQLite file, or SQL Server with a uniquely named pair of tables."""
    config = load_config(DEFAULT_CONFIG)
    if request.param == "sqlite":
        environment = dataclasses.replace(config.environment, database=f"sqlite:///{tmp_path}/db/orders.db")
        yield dataclasses.replace(config, environment=environment)
        return
    connection_string = os.environ.get(MSSQL_ENV)
    if not connection_string:
        pytest.skip(f"set {MSSQL_ENV} to an ODBC connection string to run the store suite on SQL Server")
    prefix = f"T{uuid.uuid4().hex[:12]}"
    environment = dataclasses.replace(config.environment, database=connection_string,
                                      orders_table=f"{prefix}_ORDERS", lines_table=f"{prefix}_LINES")
    config = dataclasses.replace(config, environment=environment)
    yield config
    with open_store(config) as store:
        tables = store.tables
        names = [field.name for field in dataclasses.fields(tables)]
        ordered = ["lines", *(n for n in names if n not in ("lines", "orders", "migrations")), "orders",
                   "migrations"]
        for table in (getattr(tables, name) for name in ordered):  # lines before the orders they reference
            if store.table_columns(table):
                drop = f"DROP TABLE {store.dialect.quote(table)}"
                store.run_in_transaction(lambda sql=drop: store.execute(sql))


@pytest.fixture
def store(store_config):
    with open_store(store_config) as opened:
        opened.migrate()  # SQLite migrated on open already; SQL Server needs it
        yield opened


def make_order(key: str, values: dict | None = None, sizes: dict | None = None, row: int = 2
               ) -> IncomingOrder:
    values = {"AAG ORDER NUMBER": key, "CUSTOMER NAME": "GREYSON", **(values or {})}
    sizes = {"S": 1, "M": 2} if sizes is None else sizes
    digest = hashlib.sha256(json.dumps([sorted(values.items()), sorted(sizes.items())]).encode()).hexdigest()
    return IncomingOrder(key, values["CUSTOMER NAME"], values, sizes, digest, row)


def make_batch(*orders: IncomingOrder, name: str = "orders.xlsx", columns: tuple[str, ...] | None = None
               ) -> IngestBatch:
    columns = columns or tuple(dict.fromkeys(column for order in orders for column in order.values))
    content = hashlib.sha256(repr((name, columns, orders)).encode()).hexdigest()
    return IngestBatch(name, content, columns, orders, len(orders), 0)


def set_order(store, key: str, **fields) -> None:
    """Stands in for the sync engine's write-back: put an order in a given sync state."""
    assignments = ", ".join(f"{name} = ?" for name in fields)
    store.run_in_transaction(lambda: store.execute(
        f"UPDATE {store.orders_table} SET {assignments} WHERE business_key = ?", (*fields.values(), key)))


def set_line(store, key: str, size: str, **fields) -> None:
    record_uuid = store.orders_by_key([key])[key].record_uuid
    assignments = ", ".join(f"{name} = ?" for name in fields)
    store.run_in_transaction(lambda: store.execute(
        f"UPDATE {store.lines_table} SET {assignments} WHERE record_uuid = ? AND size_code = ?",
        (*fields.values(), record_uuid, size)))


def order_fields(store, key: str, *names: str) -> tuple:
    rows = store.run_in_transaction(lambda: store.query(
        f"SELECT {', '.join(names)} FROM {store.orders_table} WHERE business_key = ?", (key,)))
    return rows[0]


def lines_by_size(store, key: str) -> dict:
    order = store.orders_by_key([key])[key]
    return {line.size_code: line for line in store.lines_of([order.record_uuid])}


# -- schema and migrations ---------------------------------------------------------------------------------
def test_sqlite_file_is_created_with_its_folders_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(DEFAULT_CONFIG)
    environment = dataclasses.replace(config.environment, database="sqlite:///nested/deeper/orders.db")
    with open_store(dataclasses.replace(config, environment=environment)) as store:
        assert store.schema_version() == NEWEST_MIGRATION
        assert store.status()["orders"] == {state: 0 for state in ("NEW", "CHANGED", "SYNCED", "FAILED",
                                                                     "REMOVED", "ARCHIVED")}
        journal = store.run_in_transaction(lambda: store.query("PRAGMA journal_mode"))
    assert (tmp_path / "nested" / "deeper" / "orders.db").is_file()
    assert journal == [("wal",)]


def test_malformed_sqlite_url_is_refused(tmp_path):
    config = load_config(DEFAULT_CONFIG)
    environment = dataclasses.replace(config.environment, database="sqlite://orders.db")
    with pytest.raises(StoreError, match="sqlite:///"):
        open_store(dataclasses.replace(config, environment=environment))


def test_migrate_is_idempotent(store):
    assert store.schema_version() == NEWEST_MIGRATION
    assert store.migrate() == []
    assert store.schema_version() == NEWEST_MIGRATION


def test_older_schema_is_migrated_to_the_next_versions(store_config, tmp_path):
    flavour = "sqlite" if store_config.environment.database.startswith("sqlite:") else "tsql"
    older, newer = tmp_path / "older" / flavour, tmp_path / "newer" / flavour
    current = load_migrations(SQL_ROOT / flavour)  # the ingest needs every current version
    for folder in (older, newer):
        folder.mkdir(parents=True)
        for migration in current:
            shutil.copy(migration.path, folder)
    note = f"{len(current) + 1:03d}_test_note"
    text_type = "NVARCHAR(200) NULL" if flavour == "tsql" else "TEXT"
    (newer / f"{note}.sql").write_text(
        f"-- a test-only migration\nALTER TABLE {{orders_table}} ADD test_note {text_type};\n"
        f"CREATE INDEX {{orders_table:ix_test_note}} ON {{orders_table}} (test_note);\n")
    with open_store(store_config, auto_migrate=False, migrations_root=older.parent) as store:
        assert store.schema_version() is None
        assert store.migrate() == [migration.name for migration in current]
        store.apply_ingest(make_batch(make_order("K1")))
    with open_store(store_config, auto_migrate=False, migrations_root=newer.parent) as store:
        assert store.migrate() == [note]
        assert store.migrate() == []
        assert store.schema_version() == note
        assert "test_note" in store.table_columns(store.tables.orders)
        assert store.orders_by_key(["K1"])["K1"].sync_state == OrderState.NEW  # the data survived
    with pytest.raises(StoreError, match="newer than this code knows"):
        open_store(store_config, migrations_root=older.parent).migrate()


# -- apply_ingest: orders ----------------------------------------------------------------------------------
def test_new_orders_are_inserted_new_with_one_line_per_size(store):
    batch = make_batch(make_order("K1", sizes={"S": 3, "M": 5}), make_order("K2", sizes={}))
    counts = store.apply_ingest(batch)
    assert (counts.new, counts.changed, counts.unchanged, counts.lines_new) == (2, 0, 0, 2)
    assert counts.new_keys == ["K1", "K2"]
    orders = store.orders_by_key(["K1", "K2"])
    assert {key: order.sync_state for key, order in orders.items()} == {"K1": "NEW", "K2": "NEW"}
    assert uuid.UUID(orders["K1"].record_uuid).version == 4
    assert orders["K1"].values["CUSTOMER NAME"] == "GREYSON"
    assert {size: (line.qty, line.sync_state) for size, line in lines_by_size(store, "K1").items()} == {
        "S": ("3", "NEW"), "M": ("5", "NEW")}
    assert lines_by_size(store, "K2") == {}


def test_unchanged_orders_are_not_written(store):
    store.apply_ingest(make_batch(make_order("K1"), name="first.xlsx"))
    before = order_fields(store, "K1", "updated_at", "source_file", "row_hash")
    counts = store.apply_ingest(make_batch(make_order("K1"), name="resaved.xlsx"))
    assert (counts.new, counts.changed, counts.unchanged) == (0, 0, 1)
    assert order_fields(store, "K1", "updated_at", "source_file", "row_hash") == before
    assert before[1] == "first.xlsx"


def test_changed_order_never_synced_stays_new(store):
    store.apply_ingest(make_batch(make_order("K1", {"NOTES": "a"})))
    counts = store.apply_ingest(make_batch(make_order("K1", {"NOTES": "b"}), name="second.xlsx"))
    assert (counts.changed, counts.changed_keys) == (1, ["K1"])
    order = store.orders_by_key(["K1"])["K1"]
    assert (order.sync_state, order.values["NOTES"]) == ("NEW", "b")
    assert order_fields(store, "K1", "source_file") == ("second.xlsx",)


def test_changed_synced_order_becomes_changed(store):
    store.apply_ingest(make_batch(make_order("K1", {"NOTES": "a"})))
    set_order(store, "K1", sync_state=OrderState.SYNCED, monday_item_id="111")
    store.apply_ingest(make_batch(make_order("K1", {"NOTES": "b"})))
    order = store.orders_by_key(["K1"])["K1"]
    assert (order.sync_state, order.monday_item_id, order.values["NOTES"]) == ("CHANGED", "111", "b")


def test_changed_failed_or_parked_order_is_forgiven(store):
    store.apply_ingest(make_batch(make_order("K1", {"NOTES": "a"}), make_order("K2", {"NOTES": "a"})))
    failure = dict(sync_state=OrderState.FAILED, sync_attempts=9, sync_error="monday said no",
                   next_attempt_at="2030-01-01T00:00:00.000000+00:00", claim_id="c1",
                   claimed_until="2020-01-01T00:00:00.000000+00:00")  # a dead worker's expired claim
    set_order(store, "K1", monday_item_id="111", **failure)
    set_order(store, "K2", **failure)  # failed before its item was ever created
    store.apply_ingest(make_batch(make_order("K1", {"NOTES": "b"}), make_order("K2", {"NOTES": "b"})))
    columns = ("sync_state", "sync_attempts", "sync_error", "next_attempt_at", "claim_id", "claimed_until")
    assert order_fields(store, "K1", *columns) == ("CHANGED", 0, None, None, None, None)
    assert order_fields(store, "K2", *columns) == ("NEW", 0, None, None, None, None)


def test_changed_order_in_flight_keeps_its_live_claim(store):
    store.apply_ingest(make_batch(make_order("K1", {"NOTES": "a"})))
    set_order(store, "K1", sync_state=OrderState.SYNCED, monday_item_id="111", claim_id="c1",
              claimed_until="2030-01-01T00:00:00.000000+00:00")
    store.apply_ingest(make_batch(make_order("K1", {"NOTES": "b"}, sizes={"S": 1})))
    assert order_fields(store, "K1", "sync_state", "claim_id") == ("CHANGED", "c1")
    # the worker may be creating the M subitem right now: the line is marked, not deleted
    assert lines_by_size(store, "K1")["M"].sync_state == LineState.REMOVED


# -- apply_ingest: lines -----------------------------------------------------------------------------------
def test_lines_of_a_changed_order_are_diffed(store):
    sizes = {"S": 1, "M": 2, "L": 3, "XL": 4, "XS": 5, "XXS": 6, "3XL": 7}
    store.apply_ingest(make_batch(make_order("K1", sizes=sizes)))
    set_order(store, "K1", sync_state=OrderState.SYNCED, monday_item_id="111")
    for size, subitem in (("S", "201"), ("M", "202"), ("XL", "204"), ("XS", "205")):
        set_line(store, "K1", size, sync_state=LineState.SYNCED, monday_subitem_id=subitem)
    set_line(store, "K1", "XS", sync_state=LineState.REMOVED)  # removed earlier, subitem not yet deleted
    set_line(store, "K1", "XXS", sync_state=LineState.REMOVED)  # removed earlier, never reached monday
    counts = store.apply_ingest(make_batch(make_order("K1", sizes={
        "S": 10,  # qty changed (synced) -> CHANGED
        "M": 2,  # same -> untouched
        "L": 30,  # qty changed, never synced -> stays NEW
        "XL": 0,  # zeroed, has a subitem -> REMOVED
        "XS": 5,  # back, has a subitem -> CHANGED
        "XXS": 6,  # back, no subitem -> NEW
        "XXL": 8,  # new size -> NEW
    })))  # 3XL disappeared and never reached monday -> deleted
    lines = lines_by_size(store, "K1")
    assert {size: (line.sync_state, line.qty) for size, line in lines.items()} == {
        "S": ("CHANGED", "10"), "M": ("SYNCED", "2"), "L": ("NEW", "30"), "XL": ("REMOVED", "4"),
        "XS": ("CHANGED", "5"), "XXS": ("NEW", "6"), "XXL": ("NEW", "8")}
    assert lines["XL"].monday_subitem_id == "204"
    assert (counts.lines_new, counts.lines_changed, counts.lines_removed) == (1, 4, 2)
    assert store.orders_by_key(["K1"])["K1"].sync_state == OrderState.CHANGED


def test_failed_line_that_changes_is_retried_from_zero(store):
    store.apply_ingest(make_batch(make_order("K1", sizes={"S": 1})))
    set_line(store, "K1", "S", sync_state=LineState.FAILED, monday_subitem_id="201", sync_attempts=5,
             sync_error="boom")
    store.apply_ingest(make_batch(make_order("K1", sizes={"S": 2})))
    line = lines_by_size(store, "K1")["S"]
    assert (line.sync_state, line.sync_attempts, line.qty) == ("CHANGED", 0, "2")


# -- apply_ingest: columns ---------------------------------------------------------------------------------
def test_awkward_column_names_and_values_round_trip(store):
    values = {name: f"it's \"{name[:5]}\" ]]; DROP TABLE x; --" for name in AWKWARD_COLUMNS}
    store.apply_ingest(make_batch(make_order("O'BRIEN|AIR|ST/1", values)))
    order = store.orders_by_key(["O'BRIEN|AIR|ST/1"])["O'BRIEN|AIR|ST/1"]
    assert {name: order.values[name] for name in AWKWARD_COLUMNS} == values
    assert set(AWKWARD_COLUMNS) <= set(store.order_columns())


def test_file_with_fewer_columns_leaves_the_others_alone(store):
    store.apply_ingest(make_batch(make_order("K1", {"NOTES": "a", "FREIGHT": "sea"})))
    narrow = make_order("K1", {"NOTES": "b"})
    store.apply_ingest(make_batch(narrow, columns=("AAG ORDER NUMBER", "CUSTOMER NAME", "NOTES")))
    values = store.orders_by_key(["K1"])["K1"].values
    assert (values["NOTES"], values["FREIGHT"]) == ("b", "sea")


def test_blank_values_are_stored_as_null(store):
    store.apply_ingest(make_batch(make_order("K1", {"NOTES": None})))
    assert order_fields(store, "K1", store.dialect.quote("NOTES")) == (None,)


def test_header_differing_only_in_case_uses_the_existing_column(store):
    store.apply_ingest(make_batch(make_order("K1", {"NOTES": "a"})))
    store.apply_ingest(make_batch(make_order("K2", {"Notes": "b"})))
    assert [name for name in store.order_columns() if name.casefold() == "notes"] == ["NOTES"]
    assert store.orders_by_key(["K2"])["K2"].values["NOTES"] == "b"


@pytest.mark.parametrize("header, problem", [
    ("row_hash", "keeps for itself"),
    ("SYNC_STATE", "keeps for itself"),
    ("Record_UUID", "keeps for itself"),
    ("BAD\tNAME", "unprintable"),
    ("BELL\x07", "unprintable"),
    ("X" * 129, "at most 128"),
    ("   ", "blank"),
])
def test_unacceptable_header_is_refused(store, header, problem):
    with pytest.raises(StoreError, match=problem):
        store.apply_ingest(make_batch(make_order("K1", {header: "v"})))
    assert store.status()["ingests"] == []


def test_two_headers_differing_only_in_case_are_refused(store):
    with pytest.raises(StoreError, match="differ only in upper/lower case"):
        store.apply_ingest(make_batch(make_order("K1", {"Notes": "a", "NOTES": "b"})))


def test_batch_sharing_a_key_or_with_an_overlong_key_is_refused(store):
    with pytest.raises(StoreError, match="rows 2 and 3 share the business key 'K1'"):
        store.apply_ingest(make_batch(make_order("K1"), make_order("K1", {"NOTES": "x"}, row=3)))
    with pytest.raises(StoreError, match="1 to 450 characters"):
        store.apply_ingest(make_batch(make_order("K" * 451)))


# -- one transaction ---------------------------------------------------------------------------------------
def test_bad_column_late_in_the_file_leaves_nothing_written(store):
    store.apply_ingest(make_batch(make_order("K1", {"NOTES": "a"})))
    bad = make_order("K1", {"NOTES": "b", "A NEW COLUMN": "x", "BAD\x00": "y"})
    with pytest.raises(StoreError, match="unprintable"):
        store.apply_ingest(make_batch(bad, make_order("K2")))
    assert "A NEW COLUMN" not in store.order_columns()  # the ALTER TABLE was rolled back too
    assert store.orders_by_key(["K1", "K2"]).keys() == {"K1"}
    assert store.orders_by_key(["K1"])["K1"].values["NOTES"] == "a"
    assert len(store.status()["ingests"]) == 1


def test_database_failure_midway_rolls_back_everything(store):
    # A real trigger makes the database refuse one line, after the orders were inserted in the transaction.
    if store.kind == "sqlite":
        trigger = (f"CREATE TRIGGER no_boom BEFORE INSERT ON {store.lines_table} WHEN NEW.size_code = 'BOOM' "
                   f"BEGIN SELECT RAISE(ABORT, 'no BOOM sizes'); END")
    else:
        trigger = (f"CREATE TRIGGER no_boom ON {store.lines_table} AFTER INSERT AS IF EXISTS (SELECT 1 FROM "
                   f"inserted WHERE size_code = 'BOOM') THROW 50000, 'no BOOM sizes', 1;")
    store.run_in_transaction(lambda: store.execute(trigger))
    batch = make_batch(make_order("K1", {"BRAND NEW": "x"}), make_order("K2", sizes={"S": 1, "BOOM": 1}))
    with pytest.raises(StoreError, match="no BOOM sizes"):
        store.apply_ingest(batch)
    status = store.status()
    assert sum(status["orders"].values()) == sum(status["lines"].values()) == 0
    assert status["ingests"] == [] and store.find_ingest(batch.content_hash) is None
    # The new column was added in its own short transaction before the data: it stays, unused and harmless.
    assert "BRAND NEW" in store.order_columns()
    fixed = make_batch(make_order("K1", {"BRAND NEW": "x"}), make_order("K2", sizes={"S": 1}))
    assert store.apply_ingest(fixed).new == 2


# -- ingest log --------------------------------------------------------------------------------------------
def test_find_ingest_knows_accepted_content_only(store):
    batch = make_batch(make_order("K1"), name="week1.xlsx")
    assert store.find_ingest(batch.content_hash) is None
    store.apply_ingest(batch)
    entry = store.find_ingest(batch.content_hash)
    assert (entry.file_name, entry.outcome, entry.orders_new) == ("week1.xlsx", "accepted", 1)
    with pytest.raises(DuplicateIngest, match="already applied"):
        store.apply_ingest(dataclasses.replace(batch, file_name="week1 copy.xlsx"))
    # the same rejected content may come again and is rejected again, never called a duplicate
    for _ in range(2):
        store.record_ingest(file_name="broken.xlsx", content_hash="f" * 64, outcome="rejected",
                            message="no header row")
    assert store.find_ingest("f" * 64) is None
    outcomes = [(entry["file_name"], entry["outcome"]) for entry in store.status()["ingests"]]
    assert outcomes == [("broken.xlsx", "rejected"), ("broken.xlsx", "rejected"), ("week1.xlsx", "accepted")]
    with pytest.raises(StoreError, match="accepted files are logged by apply_ingest"):
        store.record_ingest(file_name="x.xlsx", content_hash="e" * 64, outcome="accepted")


def test_content_applied_by_a_concurrent_ingest_is_refused_by_the_database(store, monkeypatch):
    batch = make_batch(make_order("K1", {"NOTES": "a"}))
    store.apply_ingest(batch)
    # Stands in for a second SQL Server transaction that checked before the first committed: the check says
    # "not applied yet", so only the accepted-content unique index stands between it and a double apply.
    monkeypatch.setattr(store, "_find_accepted", lambda content_hash: None)
    changed_same_content = dataclasses.replace(batch, orders=(make_order("K1", {"NOTES": "b"}),))
    with pytest.raises(DuplicateIngest, match="applied meanwhile"):
        store.apply_ingest(changed_same_content)
    assert store.orders_by_key(["K1"])["K1"].values["NOTES"] == "a"
    assert len(store.status()["ingests"]) == 1


def test_status_counts_states_and_lists_failed_orders(store):
    store.apply_ingest(make_batch(make_order("K1"), make_order("K2"), make_order("K3", sizes={"S": 1})))
    set_order(store, "K1", sync_state=OrderState.FAILED, sync_attempts=5, sync_error="bad label",
              updated_at="2030-01-02T00:00:00.000000+00:00")
    set_order(store, "K2", sync_state=OrderState.FAILED, sync_attempts=1, sync_error="timeout",
              next_attempt_at="2030-01-01T00:01:00.000000+00:00",
              updated_at="2030-01-01T00:00:00.000000+00:00")
    set_line(store, "K3", "S", sync_state=LineState.SYNCED)
    status = store.status(failed_limit=10)
    assert json.loads(json.dumps(status)) == status
    assert status["database"] == store.kind and status["schema_version"] == NEWEST_MIGRATION
    assert status["orders"] == {"NEW": 1, "CHANGED": 0, "SYNCED": 0, "FAILED": 2, "REMOVED": 0, "ARCHIVED": 0}
    assert (status["pending"], status["to_archive"], status["parked"]) == (2, 0, 1)
    assert status["lines"] == {"NEW": 4, "CHANGED": 0, "REMOVED": 0, "SYNCED": 1, "FAILED": 0}
    assert status["failed_orders"] == [
        {"business_key": "K1", "customer": "GREYSON", "attempts": 5, "last_error": "bad label",
         "next_attempt_at": None, "parked": True},
        {"business_key": "K2", "customer": "GREYSON", "attempts": 1, "last_error": "timeout",
         "next_attempt_at": "2030-01-01T00:01:00.000000+00:00", "parked": False}]
    assert [entry["orders_new"] for entry in status["ingests"]] == [3]
    assert len(store.status(failed_limit=1)["failed_orders"]) == 1


def test_sync_state_keeps_the_last_value_of_each_name(store):
    assert store.read_state("monday.unit_costs") is None
    store.write_state("monday.unit_costs", '{"create_item": 30000}')
    store.write_state("monday.unit_costs", '{"create_item": 31000}')
    store.write_state("monday.daily_limit_until", "2026-12-01T00:00:00+00:00")
    assert store.read_state("monday.unit_costs") == '{"create_item": 31000}'
    assert store.read_state("monday.daily_limit_until") == "2026-12-01T00:00:00+00:00"
    with pytest.raises(ValueError):
        store.write_state("", "x")
