"""The store's side of an exact mirror: REMOVED orders planned and archived, a failed archive retried and
parked, `retry` making failed records due again, and reconcile's reads and marks. SQLite files always, SQL
Server when ORDERSYNC_TEST_MSSQL names one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.common.records import LineState, OrderState
from shared.config import load_config

from ..conftest import DEFAULT_CONFIG
from .test_store import lines_by_size, make_batch, make_order, order_fields, set_line, set_order

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def pending_keys(store, now=NOW, **options) -> list[str]:
    keys = {order.record_uuid: key for key, order in store.orders_by_key(["K1", "K2", "K3", "K4"]).items()}
    settings = load_config(DEFAULT_CONFIG).sync
    assert settings.max_attempts == store.max_attempts
    return sorted(keys[record_uuid] for record_uuid, _ in store.pending_orders(settings, now, **options))


def ingest_four(store) -> None:
    store.apply_ingest(make_batch(*(make_order(f"K{n}") for n in range(1, 5))))
    for n in range(1, 5):
        set_order(store, f"K{n}", sync_state=OrderState.SYNCED, monday_item_id=f"10{n}", monday_group_id="g1")
        set_line(store, f"K{n}", "S", sync_state=LineState.SYNCED, monday_subitem_id=f"20{n}")
        set_line(store, f"K{n}", "M", sync_state=LineState.SYNCED, monday_subitem_id=f"30{n}")


def test_removed_orders_are_pending_until_archived_and_a_failed_archive_backs_off_then_parks(store):
    ingest_four(store)
    set_order(store, "K1", sync_state=OrderState.REMOVED)
    set_order(store, "K2", sync_state=OrderState.ARCHIVED)
    assert pending_keys(store) == ["K1"]
    set_order(store, "K1", claim_id="worker")  # the write-back is the claim holder's
    assert (store.status()["pending"], store.status()["to_archive"]) == (0, 1)

    store.order_archive_failed(store.orders_by_key(["K1"])["K1"].record_uuid, "monday said no", 1,
                               NOW + timedelta(minutes=1), NOW, claim_id="worker")
    store.release_claim("worker")
    assert order_fields(store, "K1", "sync_state", "sync_attempts", "sync_error") == ("REMOVED", 1,
                                                                                        "monday said no")
    assert pending_keys(store) == [] and pending_keys(store, NOW + timedelta(minutes=2)) == ["K1"]
    set_order(store, "K1", claim_id="worker")
    store.order_archive_failed(store.orders_by_key(["K1"])["K1"].record_uuid, "still no", store.max_attempts,
                               None, NOW, claim_id="worker")
    store.release_claim("worker")
    assert pending_keys(store, NOW + timedelta(days=1)) == []  # parked
    status = store.status()
    assert status["orders"]["REMOVED"] == status["orders"]["ARCHIVED"] == 1
    assert (status["pending"], status["to_archive"], status["parked"]) == (0, 0, 1)
    assert [(o["business_key"], o["parked"]) for o in status["failed_orders"]] == [("K1", True)]


def test_an_archived_order_keeps_its_item_id_and_drops_sizes_waiting_for_removal(store):
    ingest_four(store)
    set_order(store, "K1", sync_state=OrderState.REMOVED, claim_id="worker")
    set_line(store, "K1", "M", sync_state=LineState.REMOVED)
    store.order_archived(store.orders_by_key(["K1"])["K1"].record_uuid, NOW, claim_id="worker")
    assert order_fields(store, "K1", "sync_state", "monday_item_id", "sync_attempts") == (
        "ARCHIVED", "101", 0)
    assert {size: line.sync_state for size, line in lines_by_size(store, "K1").items()} == {"S": "SYNCED"}

    # K2 came back (an ingest made it CHANGED) while its item was being archived: monday cannot unarchive,
    # so its ids are forgotten and the next sync gives it a new item and new subitems.
    set_order(store, "K2", sync_state=OrderState.CHANGED, claim_id="worker")
    store.order_archived(store.orders_by_key(["K2"])["K2"].record_uuid, NOW, claim_id="worker")
    assert order_fields(store, "K2", "sync_state", "monday_item_id", "monday_group_id") == ("NEW", None, None)
    assert {line.monday_subitem_id for line in lines_by_size(store, "K2").values()} == {None}


def test_retry_makes_failed_and_parked_records_due_now_by_order_customer_or_all(store):
    ingest_four(store)
    parked = store.max_attempts
    set_order(store, "K1", sync_state=OrderState.FAILED, sync_attempts=parked, sync_error="unknown label")
    set_order(store, "K2", next_attempt_at="2031-01-01T00:00:00.000000+00:00")
    set_line(store, "K2", "M", sync_state=LineState.FAILED, sync_attempts=parked, sync_error="bad qty")
    set_order(store, "K3", sync_state=OrderState.REMOVED, sync_attempts=2,
              next_attempt_at="2031-01-01T00:00:00.000000+00:00")
    set_line(store, "K4", "S", sync_state=LineState.REMOVED, sync_attempts=1)  # a failed subitem delete
    set_order(store, "K4", next_attempt_at="2031-01-01T00:00:00.000000+00:00")
    assert pending_keys(store) == []

    counts = store.retry_failed(NOW, business_key="K1")
    assert (counts.orders, counts.lines) == (1, 0) and pending_keys(store) == ["K1"]
    assert order_fields(store, "K1", "sync_state", "sync_attempts") == ("FAILED", 0)
    assert store.retry_failed(NOW, customer="NOBODY") == type(counts)(0, 0)
    counts = store.retry_failed(NOW, customer="GREYSON")
    assert (counts.orders, counts.lines) == (4, 2)  # K1 again, K2 and its line, K3, K4 and its line
    assert pending_keys(store) == ["K1", "K2", "K3", "K4"]
    assert lines_by_size(store, "K2")["M"].sync_attempts == 0
    assert lines_by_size(store, "K2")["S"].sync_state == "SYNCED"
    assert store.retry_failed(NOW, business_key="K1").orders == 1  # still FAILED until a sync takes it


def test_reconcile_reads_everything_and_marks_what_differs_on_the_board(store):
    ingest_four(store)
    record = {key: order.record_uuid for key, order in store.orders_by_key(["K1", "K2", "K3", "K4"]).items()}
    store.claim_orders([record["K4"]], "worker", NOW, NOW + timedelta(minutes=15))
    rows = store.mirror_rows(NOW)
    assert sorted(o.business_key for o in rows.orders) == ["K1", "K2", "K3", "K4"] and len(rows.lines) == 8
    assert rows.held == {record["K4"]}
    assert rows.orders[0].monday_group_id == "g1" and rows.orders[0].values["CUSTOMER NAME"] == "GREYSON"

    set_order(store, "K3", sync_state=OrderState.FAILED)
    groups = {record["K1"]: "g2", record["K2"]: None, record["K3"]: "g9"}
    assert store.orders_changed_on_board(groups, NOW) == 2
    assert order_fields(store, "K1", "sync_state", "monday_group_id") == ("CHANGED", "g2")
    assert order_fields(store, "K2", "sync_state", "monday_group_id") == ("CHANGED", "g1")
    assert order_fields(store, "K3", "sync_state", "monday_group_id") == ("FAILED", "g1")  # not SYNCED: left

    line = lines_by_size(store, "K4")["S"]
    assert store.lines_changed_on_board([line.line_uuid, lines_by_size(store, "K4")["M"].line_uuid], NOW) == 2
    assert lines_by_size(store, "K4")["S"].sync_state == "CHANGED"

    store.order_item_adopted(record["K2"], "999", "g3", NOW)
    assert order_fields(store, "K2", "sync_state", "monday_item_id", "monday_group_id") == ("CHANGED", "999",
                                                                                          "g3")
    assert {(line.sync_state, line.monday_subitem_id) for line in lines_by_size(store, "K2").values()} == {
        ("NEW", None)}
    assert store.customer_names() == ["GREYSON"]
