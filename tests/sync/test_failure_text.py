"""Failure texts for people: the Excel column beside the monday id; and, beyond the operator's terminal, only
the kind of failure and its column — never a cell value."""

from __future__ import annotations

import json

import pytest

from shared.config import load_config
from shared.sync import failure_kind, redacted
from shared.sync.failure_text import OTHER, with_excel_column

from ..conftest import DEFAULT_CONFIG

CONFIG = load_config(DEFAULT_CONFIG, "development")
SECRET_VALUE = "Mrs Smith's 4th cousin"  # a cell value that must never leave the store redacted


@pytest.mark.parametrize("message, kind, column, source", [
    (f"record 1: column 'numbers_total_qty': value '{SECRET_VALUE}' is not a number (a numbers column takes "
     f"digits such as 12 or 4.5)", "not a number", "numbers_total_qty", 'Excel "TOTAL QTY"'),
    (f"record 2: column 'status_delivery': value '{SECRET_VALUE}' is not a label of this status column "
     f"(labels: 'SEA', 'AIR')", "unknown label", "status_delivery", 'Excel "PLANNED DELIVERY METHOD"'),
    (f"record 3: column 'date_eta': value '{SECRET_VALUE}' is not a date (expected YYYY-MM-DD)", "not a date",
     "date_eta", 'Excel "ETA CUSTOMER WAREHOUSE DATE"'),
    (f"record 4: column 'numbers_qty': value '{SECRET_VALUE}' is not a number", "not a number", "numbers_qty",
     "line field qty"),
    (f"record 5: column 'name': value '{SECRET_VALUE}' is 300 characters long; monday allows 255",
     "item name too long", "name", "the item name template"),
    (f"invalid value for numbers_price: {SECRET_VALUE}", "value refused by monday", "numbers_price",
     'Excel "CUSTOMER PRICE"'),
    ("not written: the run stopped before it was sent", "not written yet", None, None),
    (f"something new went wrong with {SECRET_VALUE}", OTHER, None, None),
])
def test_a_failure_is_reduced_to_its_kind_and_column(message, kind, column, source):
    found = failure_kind(CONFIG, message)
    assert (found.kind, found.column, found.source) == (kind, column, source)
    assert SECRET_VALUE not in json.dumps(found.to_dict()) and SECRET_VALUE not in str(found)


def test_the_excel_column_is_named_beside_the_monday_id_once():
    message = "record 1: column 'numbers_total_qty': value 'n/a' is not a number"
    named = with_excel_column(CONFIG, message)
    assert named == "record 1: column 'numbers_total_qty' (Excel \"TOTAL QTY\"): value 'n/a' is not a number"
    assert with_excel_column(CONFIG, named) == named
    assert with_excel_column(CONFIG, "column 'text_size': value '' is empty") == (
        "column 'text_size' (line field size_code): value '' is empty")
    assert with_excel_column(CONFIG, "column 'unmapped_x': bad") == "column 'unmapped_x': bad"


def test_a_redacted_report_carries_no_error_text():
    report = {
        "failed_orders": [{"business_key": "K1", "customer": "GREYSON", "attempts": 5, "parked": True,
                           "next_attempt_at": None,
                           "last_error": f"column 'numbers_total_qty': value '{SECRET_VALUE}' is not a "
                                         f"number"}],
        "runs": [{"kind": "sync", "error": f"StoreError: cannot write {SECRET_VALUE}", "failures": [
            {"business_key": "K1", "record": "item", "attempts": 5, "parked": True,
             "message": f"column 'text_style': value '{SECRET_VALUE}' is 3000 characters long"}]}],
        "ingests": [],
    }
    safe = redacted(CONFIG, report)
    assert SECRET_VALUE not in json.dumps(safe)
    assert safe["failed_orders"][0]["error"] == {"kind": "not a number", "column": "numbers_total_qty",
                                                 "source": 'Excel "TOTAL QTY"'}
    assert safe["runs"][0]["error"] == "StoreError"
    assert safe["runs"][0]["failures"][0]["error"]["kind"] == "text too long"
    assert report["failed_orders"][0]["last_error"].endswith("is not a number")  # the original is untouched
