"""The write-back on real databases: only a row still holding the version that was sent becomes SYNCED or
FAILED, and only under the claim the writer still holds."""

from __future__ import annotations

import inspect
from datetime import timedelta

from shared.common.records import LineState, OrderState
from shared.store.write_back import WRITE_BACK_METHODS, ClaimedStore, WriteBackMixin
from shared.sync.planner import utc_now

from . import test_store
from .test_store import lines_by_size, make_batch, make_order, order_fields, set_line, set_order

store_config, store = test_store.store_config, test_store.store  # the fixtures: SQLite, and SQL Server if set

CLAIM = timedelta(minutes=15)


def claim(store, keys, worker: str, now=None):
    """Claim the orders as the planner and the worker do; the record uuids."""
    now = now or utc_now()
    uuids = [order.record_uuid for order in store.orders_by_key(keys).values()]
    assert store.claim_orders(uuids, worker, now, now + CLAIM) == uuids
    return uuids


def state_of(store, key):
    return order_fields(store, key, "sync_state", "monday_item_id", "sync_attempts", "sync_error",
                        "claim_id")


# -- only if unchanged since sent ---------------------------------------------------------------------------
def test_an_order_edited_while_its_write_is_in_flight_stays_changed(store):
    store.apply_ingest(make_batch(make_order("A", {"NOTES": "first"}), make_order("B"), name="one.xlsx"))
    set_order(store, "A", sync_state=OrderState.SYNCED, monday_item_id="item-A")
    set_order(store, "B", sync_state=OrderState.CHANGED, monday_item_id="item-B")
    (a_uuid, b_uuid) = claim(store, ["A", "B"], "worker")
    sent = store.orders_by_key(["A", "B"])  # the versions the worker sends
    set_order(store, "A", sync_state=OrderState.CHANGED)
    # A person edits both orders while monday is writing them (the worker's live claim is kept).
    store.apply_ingest(make_batch(make_order("A", {"NOTES": "second"}), make_order("B", {"NOTES": "edited"}),
                                  name="two.xlsx"))
    worker, now = store.claimed_by("worker"), utc_now()

    worker.order_synced(a_uuid, "item-A", "group-1", sent["A"].row_hash, now)
    worker.order_failed(b_uuid, sent["B"].row_hash, "refused", 3, now + timedelta(minutes=4), now)

    assert state_of(store, "A") == ("CHANGED", "item-A", 0, None, "worker")
    assert state_of(store, "B") == ("CHANGED", "item-B", 0, None, "worker")
    assert order_fields(store, "B", "next_attempt_at") == (None,)
    # The current versions are recorded as usual.
    current = store.orders_by_key(["A", "B"])
    worker.order_synced(a_uuid, "item-A", "group-1", current["A"].row_hash, now)
    worker.order_failed(b_uuid, current["B"].row_hash, "refused", 1, now + timedelta(minutes=1), now)
    assert state_of(store, "A") == ("SYNCED", "item-A", 0, None, "worker")
    assert state_of(store, "B") == ("FAILED", "item-B", 1, "refused", "worker")


def test_a_size_edited_while_its_write_is_in_flight_stays_changed(store):
    store.apply_ingest(make_batch(make_order("A", sizes={"S": 1, "M": 2, "L": 3}), name="one.xlsx"))
    for size in ("S", "M", "L"):
        set_line(store, "A", size, sync_state=LineState.SYNCED, monday_subitem_id=f"sub-{size}")
    set_order(store, "A", sync_state=OrderState.SYNCED, monday_item_id="item-A")
    store.apply_ingest(make_batch(make_order("A", sizes={"S": 4, "M": 5, "L": 6}), name="two.xlsx"))
    claim(store, ["A"], "worker")
    sent = lines_by_size(store, "A")  # quantities 4, 5, 6 go out
    store.apply_ingest(make_batch(make_order("A", sizes={"S": 7, "M": 8, "L": 6}), name="three.xlsx"))
    worker, now = store.claimed_by("worker"), utc_now()

    assert worker.line_synced(sent["S"].line_uuid, "sub-S", "item-A", sent["S"].qty, now)
    worker.line_failed(sent["M"].line_uuid, sent["M"].qty, "refused", 2, now + timedelta(minutes=2), now)
    worker.line_failed(sent["L"].line_uuid, sent["L"].qty, "refused", 1, now + timedelta(minutes=1), now)

    lines = lines_by_size(store, "A")
    assert (lines["S"].sync_state, lines["S"].qty, lines["S"].sync_attempts) == ("CHANGED", "7", 0)
    assert (lines["M"].sync_state, lines["M"].qty, lines["M"].sync_attempts) == ("CHANGED", "8", 0)
    assert (lines["L"].sync_state, lines["L"].qty, lines["L"].sync_attempts) == ("FAILED", "6", 1)
    assert worker.line_synced(lines["S"].line_uuid, "sub-S", "item-A", "7", now)
    assert lines_by_size(store, "A")["S"].sync_state == "SYNCED"


# -- the claim ----------------------------------------------------------------------------------------------
def take_over(store, keys, first: str, second: str):
    """``first`` claims the orders; its claim expires; ``second`` plans and claims them again."""
    start = utc_now() - 2 * CLAIM
    uuids = claim(store, keys, first, now=start)
    assert claim(store, keys, second) == uuids
    return uuids


def test_a_worker_whose_claim_was_taken_over_keeps_only_the_item_id_the_row_lacks(store):
    store.apply_ingest(make_batch(make_order("A"), make_order("B"), make_order("C"), name="one.xlsx"))
    set_order(store, "B", monday_item_id="item-B-new")  # the new holder already made B's item
    a_uuid, b_uuid, c_uuid = take_over(store, ["A", "B", "C"], "late", "holder")
    hashes = {key: order.row_hash for key, order in store.orders_by_key(["A", "B", "C"]).items()}
    late, now = store.claimed_by("late"), utc_now()

    late.order_synced(a_uuid, "item-A", "group-1", hashes["A"], now)  # monday made A: its id is kept
    late.order_synced(b_uuid, "item-B-old", "group-1", hashes["B"], now)  # B has one: left alone
    late.order_failed(c_uuid, hashes["C"], "refused", 1, now, now)
    set_order(store, "C", monday_item_id="item-C")
    late.order_item_gone(c_uuid, now)

    assert state_of(store, "A") == ("NEW", "item-A", 0, None, "holder")
    assert order_fields(store, "A", "monday_group_id", "last_synced_at") == ("group-1", None)
    assert state_of(store, "B") == ("NEW", "item-B-new", 0, None, "holder")
    assert state_of(store, "C") == ("NEW", "item-C", 0, None, "holder")
    assert store.release_claim("late") == 0 and store.release_claim("holder") == 3


def test_a_worker_whose_claim_was_taken_over_leaves_the_lines_to_the_new_holder(store):
    sizes = {"S": 1, "M": 2, "L": 3, "XL": 4}
    store.apply_ingest(make_batch(make_order("A", sizes=sizes), name="one.xlsx"))
    set_order(store, "A", sync_state=OrderState.SYNCED, monday_item_id="item-A")
    set_line(store, "A", "M", monday_subitem_id="sub-M-new")
    set_line(store, "A", "L", sync_state=LineState.REMOVED, monday_subitem_id="sub-L")
    set_line(store, "A", "XL", monday_subitem_id="sub-XL")
    take_over(store, ["A"], "late", "holder")
    lines = lines_by_size(store, "A")
    late, now = store.claimed_by("late"), utc_now()

    assert late.line_synced(lines["S"].line_uuid, "sub-S", "item-A", "1", now)  # made: its id is kept
    assert not late.line_synced(lines["M"].line_uuid, "sub-M-old", "item-A", "2", now)  # a twin: delete it
    late.line_failed(lines["XL"].line_uuid, "4", "refused", 1, now + timedelta(hours=1), now)
    late.line_deleted(lines["L"].line_uuid)
    late.line_subitem_gone(lines["XL"].line_uuid, now)
    late.forget_lines([lines["L"].line_uuid])

    after = lines_by_size(store, "A")
    assert {size: (line.sync_state, line.monday_subitem_id, line.sync_attempts)
            for size, line in after.items()} == {"S": ("NEW", "sub-S", 0), "M": ("NEW", "sub-M-new", 0),
                                                 "L": ("REMOVED", "sub-L", 0), "XL": ("NEW", "sub-XL", 0)}
    assert order_fields(store, "A", "next_attempt_at", "claim_id") == (None, "holder")


def test_every_write_back_method_writes_under_the_workers_claim(store):
    public = {name for name, member in vars(WriteBackMixin).items()
              if inspect.isfunction(member) and not name.startswith("_")}
    assert WRITE_BACK_METHODS == public - {"claimed_by"}  # a new write-back method must take claim_id too
    worker = store.claimed_by("w-1")
    assert isinstance(worker, ClaimedStore) and worker.orders_table == store.orders_table
    assert worker.order_synced.keywords == {"claim_id": "w-1"} and worker.lock_group == store.lock_group


def test_a_batch_loads_only_the_orders_its_claim_holds_in_the_order_asked(store):
    store.apply_ingest(make_batch(make_order("A"), make_order("B"), make_order("C")))
    a_uuid, c_uuid = claim(store, ["A", "C"], "worker")
    (b_uuid,) = claim(store, ["B"], "other")

    orders, lines = store.load_batch([c_uuid, b_uuid, a_uuid], claim_id="worker")
    assert [order.business_key for order in orders] == ["C", "A"]
    assert {line.record_uuid for line in lines} == {a_uuid, c_uuid}
    orders, _ = store.load_batch([c_uuid, b_uuid, a_uuid])
    assert [order.business_key for order in orders] == ["C", "B", "A"]
