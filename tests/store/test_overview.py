"""What the status page and board provision read from the store, on real databases: SQLite always, SQL
Server when ORDERSYNC_TEST_MSSQL names one."""

from __future__ import annotations

import pytest

from .test_store import make_batch, make_order, set_line, set_order, store, store_config  # noqa: F401


@pytest.fixture
def book(store):  # noqa: F811
    """Four orders of two customers: synced, failed, parked (5 attempts) and new; one failed size."""
    orders = [make_order("A1", {"CUSTOMER NAME": "GREYSON", "ORDER TYPE": "ACTIVE"}),
              make_order("A2", {"CUSTOMER NAME": "GREYSON", "ORDER TYPE": "REPEAT"}),
              make_order("A3", {"CUSTOMER NAME": "TITLE NINE", "ORDER TYPE": "ACTIVE"}),
              make_order("A4", {"CUSTOMER NAME": "TITLE NINE"}, sizes={"XS": 4})]
    store.apply_ingest(make_batch(*orders))
    set_order(store, "A1", sync_state="SYNCED")
    set_order(store, "A2", sync_state="FAILED", sync_attempts=1, sync_error="column 'x': value 'v' is bad",
              next_attempt_at="2030-01-01T00:00:00.000000+00:00")
    set_order(store, "A3", sync_state="FAILED", sync_attempts=5, sync_error="parked error")
    set_line(store, "A1", "M", sync_state="FAILED", sync_attempts=2, sync_error="size error")
    return store


def test_customer_states_count_parked_apart(book):
    assert sorted(book.customer_states()) == [
        ("GREYSON", "FAILED", False, 1), ("GREYSON", "SYNCED", False, 1), ("TITLE NINE", "FAILED", True, 1),
        ("TITLE NINE", "NEW", False, 1)]


def test_orders_waiting_failed_first_then_pending(book):
    waiting = book.orders_waiting()
    # failed first, the latest failure first (the same time here: then by key), then pending oldest first
    assert [(w["business_key"], w["state"], w["parked"]) for w in waiting] == [
        ("A2", "FAILED", False), ("A3", "FAILED", True), ("A4", "NEW", False)]
    assert {w["business_key"]: w["error"] for w in waiting}["A2"] == "column 'x': value 'v' is bad"
    assert [w["business_key"] for w in book.orders_waiting(limit=1)] == ["A2"]
    (line,) = book.lines_failed()
    assert (line["business_key"], line["size_code"], line["attempts"], line["customer"]) == (
        "A1", "M", 2, "GREYSON")


def test_distinct_values_for_provisioned_labels(book):
    assert book.distinct_order_values("order type") == ["ACTIVE", "REPEAT"]  # header case does not matter
    assert book.distinct_order_values("NOT A COLUMN") == []
    assert book.distinct_line_values("size_code") == ["M", "S", "XS"]
    with pytest.raises(ValueError, match="line field 'colour'"):
        book.distinct_line_values("colour")
