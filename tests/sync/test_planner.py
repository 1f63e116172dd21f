"""The pure parts of planning: the plan of monday writes, batching, backoff, messages, the run summary."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from shared.common.records import LineRow, LineState, OrderRow, OrderState
from shared.config import load_config
from shared.config.templates import Template
from shared.sync.plan import plan_batch_work
from shared.sync.planner import BatchMessage, cut_batches, retry_delay
from shared.sync.summary import FailedRecord, RunSummary

from ..conftest import DEFAULT_CONFIG


@pytest.fixture(scope="module")
def config():
    return load_config(DEFAULT_CONFIG)


def order(uuid="o1", state=OrderState.NEW, item_id=None, attempts=0, **values):
    base = {"AAG ORDER NUMBER": "AAG-1", "CUSTOMER NAME": "GREYSON", "CUSTOMER SEASON": "SS26",
            "AAG SEASON": "2026", "CUSTOMER STYLE": "ST1", "CUSTOMER COLOUR DESCRIPTION": "NAVY",
            "PLANNED DELIVERY METHOD": "SEA", "TOTAL QTY": "30", "ETA CUSTOMER WAREHOUSE DATE": "2026-03-01",
            "NOTES": None}
    base.update(values)
    return OrderRow(uuid, f"key-{uuid}", base, f"hash-{uuid}", state, item_id, attempts)


def line(uuid, size, qty="10", state=LineState.NEW, subitem_id=None, order_uuid="o1", attempts=0):
    return LineRow(uuid, order_uuid, size, qty, state, subitem_id, attempts)


def test_new_order_creates_item_in_its_group_with_mapped_columns_and_key(config):
    plan = plan_batch_work(config, [order()], [line("l1", "S"), line("l2", "M", "20")])
    (write,) = plan.item_creates
    assert write.group_title == "GREYSON SS26"
    assert write.name == "ST1 NAVY AAG-1"
    assert write.item_id is None and write.row_hash == "hash-o1"
    assert write.business_key == "key-o1"
    assert write.columns["text_order_number"] == "AAG-1"
    assert write.columns["numbers_total_qty"] == "30"
    assert write.columns["date_eta"] == "2026-03-01"
    assert write.columns["long_text_notes"] is None  # blank travels as None: the column is cleared
    assert set(write.columns) == set(config.environment.item_columns.values())
    assert [(s.name, s.columns, s.subitem_id) for s in plan.subitem_creates] == [
        ("S", {"text_size": "S", "numbers_qty": "10"}, None),
        ("M", {"text_size": "M", "numbers_qty": "20"}, None)]
    assert plan.group_titles == ("GREYSON SS26",)
    assert not plan.item_updates and not plan.subitem_updates and not plan.subitem_deletes


def test_group_title_falls_back_to_second_alternative(config):
    plan = plan_batch_work(config, [order(**{"CUSTOMER SEASON": None})], [])
    assert plan.item_creates[0].group_title == "GREYSON 2026"


def test_changed_order_with_item_is_updated_and_lines_follow_their_state(config):
    rows = [order(state=OrderState.CHANGED, item_id="100")]
    lines = [line("l1", "S", state=LineState.SYNCED, subitem_id="201"),
             line("l2", "M", "25", state=LineState.CHANGED, subitem_id="202"),
             line("l3", "L", "0", state=LineState.REMOVED, subitem_id="203"),
             line("l4", "XL", state=LineState.NEW),
             line("l5", "XS", state=LineState.REMOVED)]
    plan = plan_batch_work(config, rows, lines)
    assert not plan.item_creates
    assert [(w.item_id, w.record_uuid) for w in plan.item_updates] == [("100", "o1")]
    assert [(w.line_uuid, w.subitem_id, w.columns["numbers_qty"]) for w in plan.subitem_updates] == [
        ("l2", "202", "25")]
    assert [(d.line_uuid, d.subitem_id) for d in plan.subitem_deletes] == [("l3", "203")]
    assert [w.line_uuid for w in plan.subitem_creates] == ["l4"]
    assert plan.lines_to_forget == ("l5",)  # never reached monday: nothing to delete there
    assert plan.group_titles == ("GREYSON SS26",)  # an update is moved when its group title changed
    assert plan.write_count == 4


def test_synced_order_with_pending_lines_writes_only_the_lines(config):
    plan = plan_batch_work(config, [order(state=OrderState.SYNCED, item_id="100")],
                           [line("l1", "S", state=LineState.CHANGED, subitem_id="201")])
    assert not plan.item_creates and not plan.item_updates
    assert len(plan.subitem_updates) == 1


def test_nothing_to_do_for_synced_rows(config):
    plan = plan_batch_work(config, [order(state=OrderState.SYNCED, item_id="100")],
                           [line("l1", "S", state=LineState.SYNCED, subitem_id="201")])
    assert plan.is_empty


def test_failed_records_are_retried_until_parked(config):
    settings_max = config.sync.max_attempts
    retry = plan_batch_work(config, [order(state=OrderState.FAILED, attempts=settings_max - 1)],
                            [line("l1", "S", state=LineState.FAILED, attempts=1)])
    assert len(retry.item_creates) == 1 and len(retry.subitem_creates) == 1 and not retry.parked
    parked = plan_batch_work(config, [order(state=OrderState.FAILED, attempts=settings_max)],
                             [line("l1", "S")])
    assert parked.is_empty and parked.parked == ("key-o1",)
    parked_line = plan_batch_work(config, [order(state=OrderState.SYNCED, item_id="100")],
                                  [line("l1", "S", state=LineState.FAILED, attempts=settings_max,
                                        subitem_id="9")])
    assert parked_line.is_empty
    # a failed subitem delete keeps its line REMOVED; it parks too, unless it never reached monday
    removed_lines = [line("l1", "S", state=LineState.REMOVED, attempts=settings_max, subitem_id="9"),
                     line("l2", "M", state=LineState.REMOVED, attempts=settings_max),
                     line("l3", "L", state=LineState.REMOVED, attempts=1, subitem_id="8")]
    removed = plan_batch_work(config, [order(state=OrderState.SYNCED, item_id="100")], removed_lines)
    assert [d.line_uuid for d in removed.subitem_deletes] == ["l3"] and removed.lines_to_forget == ("l2",)
    # a new version of a parked order (ingest marks it CHANGED) gets tried again
    again = plan_batch_work(config, [order(state=OrderState.CHANGED, attempts=settings_max)], [])
    assert len(again.item_creates) == 1


def test_removed_orders_are_archived_with_their_lines_and_park_after_failed_archives(config):
    rows = [order("o1", OrderState.REMOVED, item_id="100"), order("o2", OrderState.REMOVED),
            order("o3", OrderState.REMOVED, item_id="300", attempts=config.sync.max_attempts)]
    lines = [line("l1", "S", state=LineState.CHANGED, subitem_id="201", order_uuid="o1"),
             line("l2", "S", state=LineState.NEW, order_uuid="o2")]
    plan = plan_batch_work(config, rows, lines)
    assert [(a.record_uuid, a.item_id) for a in plan.item_archives] == [("o1", "100")]
    assert plan.orders_to_archive == ("o2",)  # never on monday: ARCHIVED without a call
    assert not plan.subitem_updates and not plan.subitem_creates and not plan.item_creates
    assert plan.parked == ("key-o3",) and plan.write_count == 1 and plan.group_titles == ()


def test_parked_records_are_reported_with_their_last_error(config):
    parked = config.sync.max_attempts
    plan = plan_batch_work(config, [
        replace(order("o1", OrderState.FAILED, attempts=parked), sync_error="unknown label 'BOAT'"),
        order("o2", OrderState.SYNCED, item_id="200")], [
        replace(line("l1", "M", state=LineState.FAILED, attempts=parked, subitem_id="9", order_uuid="o2"),
                sync_error="qty refused"),
        line("l2", "L", order_uuid="o2")])
    assert [(r.business_key, r.record, r.message, r.attempts, r.parked) for r in plan.parked_records] == [
        ("key-o1", "item", "unknown label 'BOAT'", parked, True),
        ("key-o2", "size M", "qty refused", parked, True)]
    assert [w.line_uuid for w in plan.subitem_creates] == ["l2"]


def test_an_order_without_an_item_gets_new_subitems_whatever_ids_its_lines_kept(config):
    # An order back from the archive: its item id is forgotten; the subitem ids its lines kept belong to the
    # archived item, so every size is created again under the new item (a size waiting for removal: dropped).
    lines = [line("l1", "S", state=LineState.SYNCED, subitem_id="201"),
             line("l2", "M", state=LineState.CHANGED, subitem_id="202"),
             line("l3", "L", state=LineState.REMOVED, subitem_id="203")]
    plan = plan_batch_work(config, [order(state=OrderState.NEW)], lines)
    assert len(plan.item_creates) == 1
    assert [(w.line_uuid, w.subitem_id) for w in plan.subitem_creates] == [("l1", None), ("l2", None)]
    assert plan.lines_to_forget == ("l3",) and not plan.subitem_updates and not plan.subitem_deletes


def test_subitem_name_template_can_use_order_columns(config):
    template = Template.parse("{AAG ORDER NUMBER}-{size_code}")
    custom = replace(config, orders=replace(config.orders, subitem_name=template))
    plan = plan_batch_work(custom, [order()], [line("l1", "S")])
    assert plan.subitem_creates[0].name == "AAG-1-S"


def test_cut_batches_one_customer_per_message_and_bounded_size():
    pending = [(f"a{i}", "A") for i in range(5)] + [("b0", "B")] + [(f"a{i}", "A") for i in range(5, 7)]
    assert cut_batches(pending, 3) == [("A", ("a0", "a1", "a2")), ("A", ("a3", "a4", "a5")), ("A", ("a6",)),
                                       ("B", ("b0",))]
    assert cut_batches([], 3) == []


def test_retry_delay_doubles_from_base_up_to_max(config):
    settings = replace(config.sync, retry_base_seconds=60, retry_max_seconds=300)
    assert [retry_delay(settings, n).total_seconds() for n in range(1, 6)] == [60, 120, 240, 300, 300]
    assert retry_delay(settings, 1000) == timedelta(seconds=300)


def test_batch_message_round_trips_and_rejects_malformed_text():
    message = BatchMessage("c1", "GREYSON", ("u1", "u2"), "2026-01-01T00:00:00+00:00")
    assert BatchMessage.from_json(message.to_json()) == message
    body = json.loads(message.to_json())
    for text, problem in [("{", "not JSON"), ("[]", "JSON object"),
                          (json.dumps({**body, "record_uuids": []}), "record_uuids"),
                          (json.dumps({k: v for k, v in body.items() if k != "claim_id"}), "lacks claim_id"),
                          (json.dumps({**body, "customer": 5}), "customer"),
                          ("[" * 200_000 + "]" * 200_000, "nested too deeply")]:  # was a RecursionError
        with pytest.raises(ValueError, match=problem):
            BatchMessage.from_json(text)


def test_run_summary_is_honest_merges_and_renders():
    first = RunSummary(items_created=2, subitems_created=4, requests=3, complexity=1000, batches=1, orders=2)
    first.groups_created.append("GREYSON SS26")
    second = RunSummary(items_updated=1, batches=1, orders=1)
    second.add_failure(FailedRecord("K-9", "item", "invalid number 'abc'", 5, parked=True))
    first.started_at, first.finished_at, second.started_at, second.finished_at = 100.0, 101.0, 100.5, 102.0
    assert first.ok and not second.ok
    total = first.merge(second)
    assert not total.ok
    assert (total.items_created, total.items_updated, total.batches, total.requests) == (2, 1, 2, 3)
    assert total.duration_seconds == 2.0 and total.records_written == 7 and total.records_per_second == 3.5
    payload = json.loads(json.dumps(total.to_dict()))
    assert payload["ok"] is False and payload["parked"] == ["K-9"]
    assert payload["failed"][0]["message"] == "invalid number 'abc'"
    text = total.render()
    assert "K-9 item: invalid number 'abc'" in text and "result: PARTIAL" in text and "parked" in text
    assert "result: OK" in RunSummary().finish().render()
    assert "would be created" in RunSummary(dry_run=True).render()
