"""`python -m shared ingest` end to end: samples into a fresh SQLite file, re-ingest, a modified copy.

Expected counts come from reading the workbooks with openpyxl here, not from the ingest code.
"""

import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from shared.cli import main
from shared.config import load_config, normalise_name

from ..conftest import DEFAULT_CONFIG, ROOT
from ..sample_files import load_make_samples

SAMPLES = sorted((ROOT / "samples").glob("*.xlsx"))
MODIFIED_SAMPLE = "greyson_title_nine.xlsx"


@pytest.fixture
def database(tmp_path, monkeypatch):
    path = tmp_path / "orders.db"
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"sqlite:///{path}")
    monkeypatch.setenv("ORDERSYNC_CONFIG", str(DEFAULT_CONFIG))
    return path


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT_CONFIG)


def new_database_warning(path: Path) -> str:
    """The one line on stderr when a command creates the SQLite file (a misspelt path would hide the data)."""
    return (f"warning: created a new, empty SQLite database {path} for environment development; if your "
            f"orders are elsewhere, check ORDERSYNC_DATABASE and --env\n")


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def read_with_openpyxl(path: Path, config) -> list[dict]:
    """Each order row of the workbook as {column: value}, sizes under their names, found independently."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    sheet = book["MASTER"] if "MASTER" in book.sheetnames else next(
        book[name] for name in book.sheetnames
        if any(normalise_name(cell or "") == "AAG ORDER NUMBER"
               for row in book[name].iter_rows(max_row=20, values_only=True) for cell in row))
    rows = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(rows)
                     if "CUSTOMER NAME" in [normalise_name(c or "") for c in row])
    header = [normalise_name(c or "") for c in rows[header_at]]
    orders = []
    for row in rows[header_at + 1:]:
        if any(value not in (None, "") for value in row):
            orders.append(dict(zip(header, row, strict=False)))
    book.close()
    return orders


def size_names(path: Path) -> list[str]:
    header = list(read_with_openpyxl(path, None)[0])
    return header[header.index("UNIT OF MEASURE") + 1:header.index("TOTAL QTY")]


def expected_totals(paths, config) -> tuple[int, int, dict[str, int]]:
    orders = lines = 0
    customers: dict[str, int] = {}
    for path in paths:
        sizes = size_names(path)
        for row in read_with_openpyxl(path, config):
            orders += 1
            lines += sum(1 for size in sizes if row.get(size) not in (None, "", 0))
            customer = config.canonical_customer(row["CUSTOMER NAME"])[0]
            customers[customer] = customers.get(customer, 0) + 1
    return orders, lines, customers


def table_contents(path: Path, config) -> tuple[dict, dict]:
    """Every orders row by business key and every line by (business key, size), all columns."""
    env = config.environment
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        orders = {row["business_key"]: dict(row)
                  for row in connection.execute(f"SELECT * FROM {env.orders_table}")}
        by_uuid = {row["record_uuid"]: key for key, row in orders.items()}
        lines = {(by_uuid[row["record_uuid"]], row["size_code"]): dict(row)
                 for row in connection.execute(f"SELECT * FROM {env.lines_table}")}
    return orders, lines


def test_acceptance_1_samples_ingest_then_status_then_duplicates(database, capsys, config):
    code, out, err = run(capsys, "ingest", *map(str, SAMPLES), "--json")
    assert (code, err) == (0, new_database_warning(database))
    report = json.loads(out)
    assert [f["outcome"] for f in report["files"]] == ["accepted"] * len(SAMPLES)

    orders, lines, customers = expected_totals(SAMPLES, config)
    code, out, _ = run(capsys, "status", "--json")
    status = json.loads(out)
    assert code == 0
    assert status["orders"]["NEW"] == orders == report["totals"]["new"] == report["totals"]["rows"]
    assert sum(status["orders"].values()) == orders
    assert status["lines"]["NEW"] == lines == sum(status["lines"].values())
    assert [entry["outcome"] for entry in status["ingests"]] == ["accepted"] * len(SAMPLES)

    stored, _ = table_contents(database, config)
    stored_customers: dict[str, int] = {}
    for row in stored.values():
        stored_customers[row["CUSTOMER NAME"]] = stored_customers.get(row["CUSTOMER NAME"], 0) + 1
    assert stored_customers == customers
    assert stored_customers["B'HOOD"] > 0 and "Brotherhood Apparel" not in stored_customers

    before = table_contents(database, config)
    code, out, _ = run(capsys, "ingest", *map(str, SAMPLES), "--json")
    again = json.loads(out)
    assert code == 0
    assert [f["outcome"] for f in again["files"]] == ["duplicate"] * len(SAMPLES)
    assert all("already ingested" in f["message"] for f in again["files"])
    assert again["totals"]["new"] == again["totals"]["changed"] == 0
    assert table_contents(database, config) == before


def test_acceptance_2_modified_copy_changes_exactly_what_changed(database, capsys, config, tmp_path):
    assert run(capsys, "ingest", *map(str, SAMPLES))[0] == 0
    env = config.environment
    with sqlite3.connect(database) as connection:  # what a completed sync leaves behind
        connection.execute(f"UPDATE {env.orders_table} SET sync_state = 'SYNCED', "
                           f"monday_item_id = 'item-' || record_uuid")
        connection.execute(f"UPDATE {env.lines_table} SET sync_state = 'SYNCED', "
                           f"monday_subitem_id = 'sub-' || line_uuid")
    orders_before, lines_before = table_contents(database, config)

    modified = tmp_path / "greyson_title_nine_v2.xlsx"
    change = load_make_samples().write_modified_copy(MODIFIED_SAMPLE, modified)
    rows = read_with_openpyxl(modified, config)
    first_data_row = 2  # the sample's header is on row 1

    def key_of(row_number: int) -> str:
        row = rows[row_number - first_data_row]
        customer = config.canonical_customer(row["CUSTOMER NAME"])[0]
        return "|".join(str(row[name]).strip() for name in config.key_columns(customer))

    quantity_key, zeroed_key = key_of(change.quantity_changed[0]), key_of(change.size_zeroed[0])
    eta_key, new_key = key_of(change.eta_moved[0]), key_of(change.new_order_row)
    new_sizes = [s for s in size_names(modified) if rows[change.new_order_row - first_data_row].get(s)]

    code, out, _ = run(capsys, "ingest", str(modified), "--json")
    (report,) = json.loads(out)["files"]
    assert code == 0
    assert (report["outcome"], report["new"], report["changed"], report["unchanged"], report["rejected"]) == (
        "accepted", 1, 3, len(rows) - 4, 0)
    assert (report["lines_new"], report["lines_changed"], report["lines_removed"]) == (len(new_sizes), 1, 1)

    orders_after, lines_after = table_contents(database, config)
    touched = {quantity_key, zeroed_key, eta_key}
    assert set(orders_after) == set(orders_before) | {new_key}
    for key, before in orders_before.items():
        if key not in touched:
            assert orders_after[key] == before, key
    for key in touched:
        after = orders_after[key]
        assert after["sync_state"] == "CHANGED"
        assert after["monday_item_id"] == orders_before[key]["monday_item_id"]
        assert after["row_hash"] != orders_before[key]["row_hash"]
    assert orders_after[eta_key]["ETA CUSTOMER WAREHOUSE DATE"] == change.eta_moved[2].isoformat()
    assert orders_after[new_key]["sync_state"] == "NEW"

    _, size, old_qty, new_qty = change.quantity_changed
    _, zeroed_size = change.size_zeroed
    assert lines_after[(quantity_key, size)]["qty"] == new_qty != old_qty
    assert lines_after[(quantity_key, size)]["sync_state"] == "CHANGED"
    assert lines_after[(zeroed_key, zeroed_size)]["sync_state"] == "REMOVED"
    assert sorted(size for key, size in lines_after if key == new_key) == sorted(new_sizes)
    assert all(lines_after[(new_key, size)]["sync_state"] == "NEW" for size in new_sizes)
    changed_lines = {(quantity_key, size), (zeroed_key, zeroed_size)}
    for line, before in lines_before.items():
        if line not in changed_lines:
            assert lines_after[line] == before, line
    assert set(lines_after) == set(lines_before) | {(new_key, size) for size in new_sizes}


def test_exit_codes_and_human_output(database, capsys, tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    code, out, err = run(capsys, "ingest", str(SAMPLES[0]), str(empty))
    assert code == 1 and err == new_database_warning(database)
    assert f"{SAMPLES[0].name}: accepted" in out
    assert "empty.xlsx: rejected\n  The file is empty (0 bytes).\n" in out
    assert "total: 2 file(s): 1 accepted, 1 rejected, 0 duplicate" in out

    code, out, err = run(capsys, "ingest", str(SAMPLES[0]))
    assert code == 0 and f"{SAMPLES[0].name}: duplicate" in out

    code, out, err = run(capsys, "ingest", str(tmp_path / "missing.xlsx"), str(SAMPLES[0]))
    assert (code, out) == (2, "")
    assert "no such file" in err and "missing.xlsx" in err


def test_rejected_and_duplicate_files_are_logged(database, capsys, tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("just text")
    run(capsys, "ingest", str(bad), str(SAMPLES[0]), str(SAMPLES[0]))
    code, out, _ = run(capsys, "status", "--json")
    ingests = json.loads(out)["ingests"]
    assert [(entry["file_name"], entry["outcome"]) for entry in reversed(ingests)] == [
        ("notes.xlsx", "rejected"), (SAMPLES[0].name, "accepted"), (SAMPLES[0].name, "duplicate")]
    assert "plain text" in ingests[-1]["message"]


def test_rows_rejected_in_json_and_text(database, capsys, tmp_path):
    from ..corpus import order, xlsx

    path = tmp_path / "some_bad_rows.xlsx"
    path.write_bytes(xlsx([order(1), order(2, M="lots"), order(3, customer="Nobody Ltd")]))
    code, out, _ = run(capsys, "ingest", str(path), "--json")
    (report,) = json.loads(out)["files"]
    assert code == 0
    assert (report["rows"], report["new"], report["rejected"]) == (3, 2, 1)
    assert report["rejected_rows"] == [{
        "row": 3, "column": "M", "value": "lots",
        "message": "I3: 'lots' is not a quantity (a whole number of 0 or more)."}]
    assert report["warnings"] == [{
        "row": 4, "column": "CUSTOMER NAME", "value": "Nobody Ltd",
        "message": "Customer 'Nobody Ltd' is not in the configuration; its 1 row(s) (first row 4) are stored "
                   "under that name."}]
    path.write_bytes(xlsx([order(5, L="x")]))
    code, out, _ = run(capsys, "ingest", str(path))
    assert "    row 2, L = 'x': J2: 'x' is not a quantity" in out
