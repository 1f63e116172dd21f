"""Acceptance 3: a corpus of bad files and bad rows, each with its documented outcome and message, the valid
rows beside the bad ones stored. The table below is the one in docs/excel-format.md."""

import datetime
import sqlite3

import pytest

from shared.config import load_config
from shared.excel import ingest_file
from shared.store import open_store

from ..conftest import DEFAULT_CONFIG
from ..corpus import (
    HEADER,
    ErrorCell,
    Formula,
    csv_text,
    fake_legacy_xls,
    fake_password_protected,
    order,
    png,
    xlsx,
    xlsx_uncalculated,
)

LONG_TEXT = "Long note. " * 60  # 660 characters
LONG_COLOUR = "DEEP OCEAN BLUE " * 20  # makes the item name longer than monday's 255


def key(number: int) -> str:
    return f"AAG-{number}|SEA|ST-{number}"


def around(bad_row: dict) -> list[dict]:
    """A bad row between two good ones."""
    return [order(1), bad_row, order(3)]


CORPUS = [
    # (case, file builder, outcome, message fragment, business keys stored)
    ("csv renamed .xlsx", csv_text, "rejected", "it looks like plain text, such as CSV", []),
    ("png renamed .xlsx", png, "rejected", "it looks like a PNG image", []),
    ("empty file", lambda: b"", "rejected", "The file is empty (0 bytes).", []),
    ("corrupt zip", lambda: xlsx([order(1)])[:2500], "rejected", "damaged workbook", []),
    ("password-protected", fake_password_protected, "rejected", "password-protected; save it without", []),
    ("old .xls", fake_legacy_xls, "rejected", "old-style .xls workbook; save it as .xlsx", []),
    ("no header", lambda: xlsx([{"X": 1}], header=["X", "Y"]), "rejected",
     "Sheet 'MASTER' has no header row: none of its first 20 rows holds the required columns", []),
    ("missing required column", lambda: xlsx([order(1)], header=[n for n in HEADER if n != "CUSTOMER NAME"]),
     "rejected", "Required column 'CUSTOMER NAME' is missing: the header row (sheet 'MASTER', row 1) lacks "
                 "it.",
     []),
    ("duplicate header", lambda: xlsx([order(1)], header=[*HEADER, "notes"]), "rejected",
     "Column name 'notes' appears twice in the header (as 'NOTES')", []),
    ("missing size marker", lambda: xlsx([order(1)], header=[n for n in HEADER if n != "UNIT OF MEASURE"]),
     "rejected", "Column 'UNIT OF MEASURE' is missing; it marks where the size columns start", []),
    ("key column absent", lambda: xlsx([order(1)], header=[n for n in HEADER if n != "CUSTOMER STYLE"]),
     "rejected", "Key column 'CUSTOMER STYLE' is missing from the header", []),
    ("text in a size column", lambda: xlsx(around(order(2, M="two dozen"))), "accepted",
     "I3: 'two dozen' is not a quantity (a whole number of 0 or more).", [key(1), key(3)]),
    ("negative quantity", lambda: xlsx(around(order(2, S=-4))), "accepted",
     "H3: -4 is negative; quantities must be 0 or more.", [key(1), key(3)]),
    ("fractional quantity", lambda: xlsx(around(order(2, L=1.5))), "accepted",
     "J3: 1.5 is not a whole number.", [key(1), key(3)]),
    ("bad date", lambda: xlsx(around(order(2, **{"ETA CUSTOMER WAREHOUSE DATE": "13/45/2026"}))), "accepted",
     "F3: '13/45/2026' is not a real date.", [key(1), key(3)]),
    ("duplicate keys", lambda: xlsx([order(1), order(2), order(1, M=5), order(3), order(2, S=1)]), "accepted",
     "Rows 2, 4 share the business key 'AAG-1|SEA|ST-1'", [key(3)]),
    ("blank key", lambda: xlsx(around(order(2, **{"CUSTOMER STYLE": "   "}))), "accepted",
     "Key column 'CUSTOMER STYLE' is blank.", [key(1), key(3)]),
    ("apostrophe customer",
     lambda: xlsx([order(1, customer="Brotherhood Apparel"), order(2, customer="B'HOOD")]),
     "accepted", None, [key(1), key(2)]),
    ("255+ character values",
     lambda: xlsx([order(1, NOTES=LONG_TEXT, **{"CUSTOMER COLOUR DESCRIPTION": LONG_COLOUR})]),
     "accepted", "Row 2: the item name is", [key(1)]),
    ("formulas with cached values", lambda: xlsx([order(1, **{"TOTAL QTY": Formula("=H2+I2+J2", 30),
                                                               "NOTES": Formula('="N"&"1"', "N1")})]),
     "accepted", None, [key(1)]),
    ("uncalculated formula", lambda: xlsx_uncalculated(around(order(2, **{"TOTAL QTY": "=H3+I3+J3"}))),
     "accepted", "K3: the formula =H3+I3+J3 was saved without a calculated value", [key(1), key(3)]),
    ("error cell", lambda: xlsx(around(order(2, NOTES=ErrorCell("#REF!")))), "accepted",
     "L3: the cell holds the Excel error #REF!.", [key(1), key(3)]),
    ("#N/A in a size", lambda: xlsx(around(order(2, S=ErrorCell("#N/A")))), "accepted",
     "H3: the cell holds the Excel error #N/A.", [key(1), key(3)]),
]


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"sqlite:///{tmp_path / 'orders.db'}")
    return load_config(DEFAULT_CONFIG)


@pytest.fixture
def store(config):
    with open_store(config) as store:
        yield store


def stored_orders(config, tmp_path) -> dict[str, dict]:
    with sqlite3.connect(tmp_path / "orders.db") as connection:
        connection.row_factory = sqlite3.Row
        return {row["business_key"]: dict(row)
                for row in connection.execute(f"SELECT * FROM {config.environment.orders_table}")}


@pytest.mark.parametrize(("builder", "outcome", "fragment", "stored"),
                         [case[1:] for case in CORPUS], ids=[case[0] for case in CORPUS])
def test_corpus(config, store, tmp_path, builder, outcome, fragment, stored):
    report = ingest_file(config, store, builder(), "case.xlsx")
    assert report.outcome == outcome, report.message
    messages = [report.message, *(row.message for row in report.rejected_rows),
                *(warning.message for warning in report.warnings)]
    if fragment is None:
        assert messages == [""] and report.rejected == 0
    else:
        assert any(fragment in message for message in messages), messages
    if outcome == "rejected":
        assert report.rejected_rows == [] and report.message.endswith(".")
        assert store.status()["ingests"][0]["outcome"] == "rejected"
    assert sorted(stored_orders(config, tmp_path)) == sorted(stored)
    assert report.new == len(stored)


def test_a_row_with_an_error_is_reported_with_row_column_and_value(config, store):
    report = ingest_file(config, store, xlsx(around(order(2, NOTES=ErrorCell("#REF!")))), "case.xlsx")
    (rejected,) = report.rejected_rows
    assert (rejected.row, rejected.column, rejected.value) == (3, "NOTES", "#REF!")
    assert (report.rows, report.new, report.rejected) == (3, 2, 1)


def test_apostrophe_customer_round_trips(config, store, tmp_path):
    data = xlsx([order(1, customer="Brotherhood Apparel"), order(2, customer="B'HOOD"),
                 order(3, customer=" b'hood ")])
    assert ingest_file(config, store, data, "bhood.xlsx").new == 3
    with sqlite3.connect(tmp_path / "orders.db") as connection:
        names = connection.execute(f'SELECT DISTINCT "CUSTOMER NAME" FROM {config.environment.orders_table} '
                                   f'WHERE "CUSTOMER NAME" = ?', ("B'HOOD",)).fetchall()
    assert names == [("B'HOOD",)]
    again = ingest_file(config, store, xlsx([order(1, customer="B'HOOD", M=21)]), "bhood2.xlsx")
    assert (again.changed, again.new) == (1, 0)


def test_long_values_are_stored_in_full(config, store, tmp_path):
    report = ingest_file(config, store, CORPUS_BY_NAME["255+ character values"](), "long.xlsx")
    row = stored_orders(config, tmp_path)[key(1)]
    assert row["NOTES"] == LONG_TEXT.strip() and len(row["NOTES"]) == 659
    assert row["CUSTOMER COLOUR DESCRIPTION"] == LONG_COLOUR.strip()
    length = len(f"ST-1 {LONG_COLOUR.strip()} AAG-1")
    assert [warning.message for warning in report.warnings] == [
        f"Row 2: the item name is {length} characters long; monday accepts 1 to 255 characters, so this "
        f"order will fail to sync."]


def test_formula_cached_values_are_stored(config, store, tmp_path):
    ingest_file(config, store, CORPUS_BY_NAME["formulas with cached values"](), "formulas.xlsx")
    row = stored_orders(config, tmp_path)[key(1)]
    assert (row["TOTAL QTY"], row["NOTES"]) == ("30", "N1")


def test_the_same_bad_file_sent_again_is_rejected_again(config, store):
    first = ingest_file(config, store, b"", "empty.xlsx")
    second = ingest_file(config, store, b"", "empty.xlsx")
    assert (first.outcome, second.outcome) == ("rejected", "rejected")


def test_dates_and_numbers_are_stored_normalised(config, store, tmp_path):
    data = xlsx([order(1, **{"ETA CUSTOMER WAREHOUSE DATE": "9/1/26", "CUSTOMER PRICE": 12.0}),
                 order(2, **{"ETA CUSTOMER WAREHOUSE DATE": datetime.datetime(2026, 9, 1, 8, 0)})])
    ingest_file(config, store, data, "dates.xlsx")
    rows = stored_orders(config, tmp_path)
    etas = {rows[key(n)]["ETA CUSTOMER WAREHOUSE DATE"] for n in (1, 2)}
    assert etas == {"2026-09-01"}
    assert rows[key(1)]["CUSTOMER PRICE"] == "12"


CORPUS_BY_NAME = {case[0]: case[1] for case in CORPUS}
