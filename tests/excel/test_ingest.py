"""Validation and normalisation of order rows, the business key and the row hash (no store involved)."""

import datetime
import hashlib
import random
import tomllib

import pytest

from shared.common.errors import RejectedFile
from shared.config import load_config
from shared.excel.cell_values import canonical_number
from shared.excel.order_list import parse_order_list
from shared.excel.order_row import RowValues, business_key, row_hash

from ..conftest import DEFAULT_CONFIG
from ..corpus import HEADER, order, xlsx


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT_CONFIG)


def parse(config, rows, **options):
    return parse_order_list(config, xlsx(rows, **options), "orders.xlsx")


def only_order(config, row, **options):
    parsed = parse(config, [row], **options)
    assert parsed.rejected_rows == []
    (incoming,) = parsed.batch.orders
    return incoming


def rejection(config, row):
    parsed = parse(config, [order(1), row])
    assert [o.source_row for o in parsed.batch.orders] == [2]
    (rejected,) = parsed.rejected_rows
    assert rejected.row == 3
    return rejected


# -- row hash --------------------------------------------------------------------------------------
def test_row_hash_ignores_cosmetic_differences(config):
    plain = only_order(config, order(1, S=12, NOTES="Rush", **{"CUSTOMER PRICE": 12}))
    for cosmetic in (
        order(1, S=12.0, NOTES="Rush   ", **{"CUSTOMER PRICE": 12.0}),
        order(1, S="12", NOTES="  Rush", **{"CUSTOMER PRICE": "12"}),
        order(1, S=" 12 ", L="", NOTES="Rush",
              **{"CUSTOMER PRICE": " 12 ", "CUSTOMER NAME": "greyson  clothiers"}),
        order(1, S="12.0", L=None, NOTES="Rush\t", **{"CUSTOMER PRICE": 12}),
    ):
        incoming = only_order(config, cosmetic)
        assert (incoming.business_key, incoming.row_hash) == (plain.business_key, plain.row_hash), cosmetic
        assert dict(incoming.values) == dict(plain.values)


def test_row_hash_ignores_column_order_and_blank_versus_absent_columns(config):
    row = order(1, NOTES=None)
    reference = only_order(config, row)
    shuffled = HEADER.copy()
    before_sizes, sizes, after_sizes = shuffled[:6], shuffled[7:10], shuffled[11:]
    for part in (before_sizes, sizes, after_sizes):
        random.Random(7).shuffle(part)
    reordered = [*after_sizes, *before_sizes, "UNIT OF MEASURE", *sizes, "TOTAL QTY"]
    assert only_order(config, row, header=reordered).row_hash == reference.row_hash
    without_notes = [name for name in HEADER if name != "NOTES"]
    assert only_order(config, row, header=without_notes).row_hash == reference.row_hash


# Every column: the corpus row's, and those an environment maps to monday that the corpus lacks; another
# value for each.
EVERY_COLUMN = {**order(1), "PO NUMBER": "PO-1", "CUSTOMER SEASON": "SS27", "ORDER TYPE": "ACTIVE",
                "EX FACTORY DATE": datetime.date(2026, 8, 1), "AAG SEASON": "2027SS"}
ANOTHER_VALUE = {"AAG ORDER NUMBER": "AAG-2", "CUSTOMER NAME": "TITLE NINE", "CUSTOMER STYLE": "ST-2",
                 "CUSTOMER COLOUR DESCRIPTION": "navy", "PLANNED DELIVERY METHOD": "AIR",
                 "ETA CUSTOMER WAREHOUSE DATE": datetime.date(2026, 9, 2), "UNIT OF MEASURE": "PK", "S": 11,
                 "M": 0, "L": 1, "TOTAL QTY": 31, "NOTES": "Rush", "CUSTOMER PRICE": 12.51,
                 "PO NUMBER": "PO-2", "CUSTOMER SEASON": "FW27", "ORDER TYPE": "CANCELLED",
                 "EX FACTORY DATE": datetime.date(2026, 8, 2), "AAG SEASON": "2027FW"}
EVERY_HEADER = [*HEADER, *(name for name in EVERY_COLUMN if name not in HEADER)]


def test_the_row_hash_cases_cover_every_mapped_column():
    environments = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))["environments"]
    for name in environments:
        assert set(load_config(DEFAULT_CONFIG, name).environment.item_columns) <= set(EVERY_COLUMN), name
    assert set(ANOTHER_VALUE) == set(EVERY_COLUMN)


@pytest.mark.parametrize("column", sorted(EVERY_COLUMN))
def test_row_hash_changes_with_a_change_in_any_column(config, column):
    changed = {**EVERY_COLUMN, column: ANOTHER_VALUE[column]}
    before = only_order(config, EVERY_COLUMN, header=EVERY_HEADER)
    assert only_order(config, changed, header=EVERY_HEADER).row_hash != before.row_hash


def test_row_hash_definition_is_what_the_docs_say():
    values = {"B": "2", "A": "x", "C": None}
    expected = hashlib.sha256(b'["ordersync-row-v1",[["A","x"],["B","2"]],[["M",3],["S",1]]]').hexdigest()
    assert row_hash(values, {"S": 1, "M": 3, "L": 0}) == expected


# -- business key ----------------------------------------------------------------------------------
def test_business_key_is_readable_and_collision_free():
    assert business_key(["AAG-1", "SEA", "ST-1"]) == "AAG-1|SEA|ST-1"
    assert business_key(["A|B", "C"]) == "A\\|B|C"
    assert business_key(["A|B", "C"]) != business_key(["A", "B|C"])
    assert business_key(["A\\", "|B"]) != business_key(["A\\|", "B"])


def test_key_uses_the_customers_own_key_columns(config):
    greyson = only_order(config, order(1))
    johnnie = only_order(config, order(2, customer="JOHNNIE O"))
    assert greyson.business_key == "AAG-1|SEA|ST-1"
    assert johnnie.business_key == "AAG-2|ST-2|NAVY"
    assert johnnie.customer == "JOHNNIE-O"


def test_key_values_are_normalised(config):
    incoming = only_order(config, order(1, **{"AAG ORDER NUMBER": 12345.0, "CUSTOMER STYLE": " ST-1  "}))
    assert incoming.business_key == "12345|SEA|ST-1"


# -- values ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", [
    datetime.date(2026, 9, 1), datetime.datetime(2026, 9, 1, 14, 30), "2026-09-01", " 2026-09-01 ",
    "2026-09-01 00:00:00", "9/1/2026", "09/01/2026", "9/1/26",
])
def test_date_forms(config, cell):
    incoming = only_order(config, order(1, **{"ETA CUSTOMER WAREHOUSE DATE": cell}))
    assert incoming.values["ETA CUSTOMER WAREHOUSE DATE"] == "2026-09-01"


@pytest.mark.parametrize(("cell", "message"), [
    ("31/12/2026", "'31/12/2026' is not a real date."),
    ("2026-02-30", "'2026-02-30' is not a real date."),
    ("next week", "'next week' is not a date (use an Excel date, YYYY-MM-DD or M/D/YYYY)."),
    ("1.9.2026", "'1.9.2026' is not a date (use an Excel date, YYYY-MM-DD or M/D/YYYY)."),
    (46266, "46266 is a plain number, not a date; format the cell as a date."),
])
def test_bad_dates_reject_the_row(config, cell, message):
    rejected = rejection(config, order(2, **{"ETA CUSTOMER WAREHOUSE DATE": cell}))
    assert rejected.column == "ETA CUSTOMER WAREHOUSE DATE"
    assert rejected.value == str(cell)
    assert rejected.message == f"F3: {message}"


def test_blank_date_is_blank(config):
    incoming = only_order(config, order(1, **{"ETA CUSTOMER WAREHOUSE DATE": "  "}))
    assert incoming.values["ETA CUSTOMER WAREHOUSE DATE"] is None


@pytest.mark.parametrize(("cell", "quantity"), [
    (12, 12), (12.0, 12), ("12", 12), (" 12 ", 12), ("12.0", 12), ("", None), (None, None), (0, None),
])
def test_quantity_forms(config, cell, quantity):
    incoming = only_order(config, order(1, M=cell))
    assert incoming.sizes.get("M") == quantity


@pytest.mark.parametrize(("cell", "shown", "message"), [
    ("abc", "abc", "'abc' is not a quantity (a whole number of 0 or more)."),
    (-3, "-3", "-3 is negative; quantities must be 0 or more."),
    (-3.0, "-3", "-3 is negative; quantities must be 0 or more."),
    ("-3", "-3", "'-3' is not a quantity (a whole number of 0 or more)."),
    (2.5, "2.5", "2.5 is not a whole number."),
    ("2.5", "2.5", "'2.5' is not a quantity (a whole number of 0 or more)."),
    (True, "TRUE", "TRUE is not a quantity (a whole number of 0 or more)."),
    (datetime.date(2026, 1, 2), "2026-01-02", "2026-01-02 is not a quantity (a whole number of 0 or more)."),
    (3_000_000_000, "3000000000", "3000000000 is too large for a quantity."),
])
def test_bad_quantities_reject_the_row(config, cell, shown, message):
    rejected = rejection(config, order(2, M=cell))
    assert (rejected.column, rejected.value, rejected.message) == ("M", shown, f"I3: {message}")


def test_total_qty_is_a_quantity_too(config):
    rejected = rejection(config, order(2, **{"TOTAL QTY": "thirty"}))
    assert rejected.message == "K3: 'thirty' is not a quantity (a whole number of 0 or more)."
    for cell in ("30", 30.0, " 30 "):
        assert only_order(config, order(1, **{"TOTAL QTY": cell})).values["TOTAL QTY"] == "30"
    assert only_order(config, order(1, **{"TOTAL QTY": None})).values["TOTAL QTY"] is None


def test_text_normalisation(config):
    incoming = only_order(config, order(1, NOTES="  two  spaces\r\nkept  ", **{
        "CUSTOMER PRICE": 1234.5678, "CUSTOMER COLOUR DESCRIPTION": datetime.date(2026, 1, 2)}))
    assert incoming.values["NOTES"] == "two  spaces\nkept"
    assert incoming.values["CUSTOMER PRICE"] == "1234.5678"
    assert incoming.values["CUSTOMER COLOUR DESCRIPTION"] == "2026-01-02"


def test_canonical_numbers():
    assert [canonical_number(x) for x in (12.0, 12.5, -3.0, 1e-7, 1.5e20, 0.1)] == [
        "12", "12.5", "-3", "0.0000001", "150000000000000000000", "0.1"]


def test_long_values_are_kept_whole_and_a_long_item_name_is_warned(config):
    colour = "VERY LONG COLOUR " * 20
    parsed = parse(config, [order(1, **{"CUSTOMER COLOUR DESCRIPTION": colour, "NOTES": "n" * 5000})])
    (incoming,) = parsed.batch.orders
    assert incoming.values["NOTES"] == "n" * 5000
    assert incoming.values["CUSTOMER COLOUR DESCRIPTION"] == colour.strip()
    assert [warning.message for warning in parsed.warnings] == [
        f"Row 2: NOTES {'n' * 60 + '...'!r} cannot go into monday column 'long_text_notes' (long_text): "
        f"it is 5000 characters long; a long text column takes 2000; this order will fail to sync until it "
        f"is fixed.",
        "Row 2: the item name is 350 characters long; monday accepts 1 to 255 characters, so this order will "
        "fail to sync."]


# -- customers -------------------------------------------------------------------------------------
def test_customers_are_canonicalised_and_unknown_ones_warned_once(config):
    names = ["Brotherhood Apparel", "b'hood", "B'HOOD", "Acme  Outdoor ", "ACME OUTDOOR", "Acme Outdoor"]
    parsed = parse(config, [order(n, customer=name) for n, name in enumerate(names)])
    customers = [o.customer for o in parsed.batch.orders]
    assert customers == ["B'HOOD"] * 3 + ["Acme Outdoor", "ACME OUTDOOR", "Acme Outdoor"]
    assert [o.values["CUSTOMER NAME"] for o in parsed.batch.orders] == customers
    assert [warning.message for warning in parsed.warnings] == [
        "Customer 'Acme Outdoor' is not in the configuration; its 2 row(s) (first row 5) are stored under "
        "that name.",
        "Customer 'ACME OUTDOOR' is not in the configuration; its 1 row(s) (first row 6) are stored under "
        "that name."]


# -- rows and files --------------------------------------------------------------------------------
def test_blank_rows_are_skipped_and_not_counted(config):
    parsed = parse(config, [order(1), {"NOTES": "   "}, {}, order(4)])
    assert [o.source_row for o in parsed.batch.orders] == [2, 5]
    assert (parsed.batch.rows_total, parsed.batch.rows_rejected) == (2, 0)


def test_required_and_key_columns_must_not_be_blank(config):
    parsed = parse(config, [order(1, **{"CUSTOMER NAME": None}), order(2, **{"CUSTOMER STYLE": " "}),
                            order(3, **{"AAG ORDER NUMBER": None})])
    assert list(parsed.batch.orders) == []
    assert [(r.row, r.column, r.message) for r in parsed.rejected_rows] == [
        (2, "CUSTOMER NAME", "Required column 'CUSTOMER NAME' is blank."),
        (3, "CUSTOMER STYLE", "Key column 'CUSTOMER STYLE' is blank."),
        (4, "AAG ORDER NUMBER", "Required column 'AAG ORDER NUMBER' is blank."),
    ]
    assert parsed.batch.rows_rejected == 3


def test_every_row_sharing_a_key_is_rejected(config):
    parsed = parse(config, [order(1), order(2), order(1, M=5), order(3), order(1, NOTES="x")])
    assert [o.source_row for o in parsed.batch.orders] == [3, 5]
    assert [(r.row, r.value) for r in parsed.rejected_rows] == [(2, "AAG-1|SEA|ST-1")]  # one per key
    assert parsed.rejected_rows[0].message == (
        "Rows 2, 4, 6 share the business key 'AAG-1|SEA|ST-1'; all 3 of them are rejected until the key is "
        "unique.")
    assert parsed.batch.rows_rejected == 3


def test_a_row_with_several_problems_lists_each(config):
    parsed = parse(config, [order(1, S="x", M=-1, **{"ETA CUSTOMER WAREHOUSE DATE": "soon"})])
    assert [(r.row, r.column) for r in parsed.rejected_rows] == [
        (2, "ETA CUSTOMER WAREHOUSE DATE"), (2, "S"), (2, "M")]
    assert parsed.batch.rows_rejected == 1


def test_batch_columns_are_the_non_size_columns_in_file_order(config):
    parsed = parse(config, [order(1)])
    assert parsed.batch.columns == tuple(name for name in HEADER if name not in ("S", "M", "L"))
    (incoming,) = parsed.batch.orders
    assert list(incoming.sizes.items()) == [("S", 10), ("M", 20)]


@pytest.mark.parametrize(("header", "message"), [
    ([*HEADER, "NOTES"], "Column name 'NOTES' appears twice in the header (row 1, columns L and N); rename "
                         "one of them."),
    ([*HEADER, " CUSTOMER   STYLE "], "Column name 'CUSTOMER STYLE' appears twice"),
    ([n for n in HEADER if n != "UNIT OF MEASURE"],
     "Column 'UNIT OF MEASURE' is missing; it marks where the size columns start ([excel].sizes_after)"),
    ([n for n in HEADER if n != "TOTAL QTY"],
     "Column 'TOTAL QTY' is missing; it marks where the size columns end ([excel].sizes_before)"),
    (["TOTAL QTY", *[n for n in HEADER if n != "TOTAL QTY"]],
     "Column 'TOTAL QTY' comes before 'UNIT OF MEASURE'"),
    ([n for n in HEADER if n != "PLANNED DELIVERY METHOD"],
     "Key column 'PLANNED DELIVERY METHOD' is missing from the header; it is part of the business key of "
     "customer 'GREYSON' (first seen on row 2)."),
])
def test_header_problems_reject_the_file(config, header, message):
    with pytest.raises(RejectedFile) as caught:
        parse(config, [order(1)], header=header)
    assert message in str(caught.value)


def test_a_missing_key_column_only_matters_for_customers_whose_key_uses_it(config):
    header = [n for n in HEADER if n != "CUSTOMER COLOUR DESCRIPTION"]
    assert len(parse(config, [order(1)], header=header).batch.orders) == 1
    with pytest.raises(RejectedFile, match="'CUSTOMER COLOUR DESCRIPTION' is missing .* customer 'JOHNNIE-O' "
                                           r"\(first seen on row 3\)"):
        parse(config, [order(1), order(2, customer="johnnie-O LLC")], header=header)


def test_adjacent_size_markers_mean_no_sizes_and_a_warning(config):
    header = [n for n in HEADER if n not in ("S", "M", "L")]
    parsed = parse(config, [order(1)], header=header)
    assert parsed.batch.orders[0].sizes == {}
    assert [warning.message for warning in parsed.warnings] == [
        "No size columns between 'UNIT OF MEASURE' and 'TOTAL QTY'; the orders have no size lines."]


def test_columns_without_a_header_name_are_ignored(config):
    header = [*HEADER[:3], "", *HEADER[3:]]
    with_gap = parse(config, [{**order(1), "": "stray"}], header=header).batch.orders[0]
    assert with_gap.row_hash == only_order(config, order(1)).row_hash


def test_row_values_mapping():
    values = RowValues({"A": 0, "B": 1}, ("x", None))
    assert dict(values) == {"A": "x", "B": None}
    assert values.get("C", "d") == "d" and values["A"] == "x" and len(values) == 2
    with pytest.raises(KeyError):
        values["C"]


def test_a_key_too_long_for_the_database_rejects_the_row(config):
    parsed = parse(config, [order(1, **{"CUSTOMER STYLE": "S" * 460}), order(2)])
    assert [o.source_row for o in parsed.batch.orders] == [3]
    (rejected,) = parsed.rejected_rows
    assert rejected.message == "The business key is 470 characters long; at most 450 fit."


@pytest.mark.parametrize(("name", "problem"), [
    ("row_hash", "is the name of a column the store keeps for itself"),
    ("N" * 130, "at most 128 fit a database column name"),
])
def test_header_names_the_database_cannot_hold_reject_the_file(config, name, problem):
    with pytest.raises(RejectedFile) as caught:
        parse(config, [order(1)], header=[*HEADER, name])
    assert str(caught.value).startswith("Column N of the header (row 1) cannot be stored: ")
    assert problem in str(caught.value)
