"""Reconcile: read the board and the store, compare them, and with ``repair`` make the board exact again.

A repair runs in passes: compare, repair (marks for the sync, archives and removals on the board), sync what
it marked, compare again. A second pass picks up what the first one uncovered (an adopted item's extra
subitems); it stops when nothing is left, nothing moved, or after three passes. What is still wrong then,
and every marked record the sync could not write, is reported as not repaired.

With ``sync=False`` (the nightly function) the repair marks and leaves the sync to the queue: one pass, no
check afterwards.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from ..common.errors import Interrupted
from ..common.records import LineState, OrderState
from ..config import Config
from ..monday import BoardSchema, MondayClient
from ..store import AsyncStore, store_off_loop
from ..telemetry import RECONCILE, stage_run
from .drift import KINDS, ORPHAN_ITEMS, Drift, DriftEntry
from .engine import sync_pending
from .interrupts import cancel_on_signals
from .planner import utc_now
from .progress import SyncProgress
from .reconcile import compare_board
from .reconcile_repair import RepairActions, repair
from .reconcile_report import ReconcileReport
from .run_history import record_run
from .summary import RunSummary

if TYPE_CHECKING:
    from ..store import MirrorRows, OrderStore

MAX_PASSES = 3
_DONE_STATES = frozenset({OrderState.SYNCED, OrderState.ARCHIVED})


async def reconcile_board(config: Config, store: OrderStore | AsyncStore, client: MondayClient, *,
                          customer: str | None = None, repair_drift: bool = False, sync: bool = True,
                          source: str = "cli", progress: SyncProgress | None = None) -> ReconcileReport:
    """Compare the board with the store; with ``repair_drift``, repair: with ``sync``, sync what was marked
    and compare again until the board is exact; without, leave the marked orders to the regular sync.

    The run is one ``ordersync.reconcile`` event and one row of the run history (from ``source``), also when
    it stops early; ``progress`` counts the records its sync writes."""
    store = AsyncStore.of(store)  # its calls run off the event loop
    started = time.time()
    with stage_run(RECONCILE, customer=customer or "", repair=repair_drift) as run:
        try:
            report = await _reconcile(config, store, client, customer, repair_drift, sync, progress)
        except BaseException as exc:
            await store.call(record_run, config, "reconcile", source, {"started_at": started}, error=exc,
                             store=store.wrapped)
            raise
        run.record(**report.dimensions())
    await store.call(record_run, config, "reconcile", source,
                     {**report.to_dict(), **report.dimensions(), "started_at": started, "ok": report.ok},
                     store=store.wrapped)
    return report


async def _reconcile(config: Config, store: AsyncStore, client: MondayClient, customer: str | None,
                     repair_drift: bool, sync: bool, progress: SyncProgress | None) -> ReconcileReport:
    schema = await client.board_schema()
    drift, rows = await _observe(config, store, client, schema, customer)
    report = ReconcileReport(config.environment.board_id, customer, repair_drift, drift)
    if repair_drift and sync:
        await _repair_and_sync(config, store, client, schema, report, rows, progress)
    elif repair_drift:
        await _repair_once(config, store, client, report)
    report.requests, report.complexity = client.stats.requests, client.stats.complexity_spent
    return report


def run_reconcile(config: Config, *, customer: str | None = None, repair_drift: bool = False,
                  url: str | None = None, token: str | None = None,
                  progress: SyncProgress | None = None) -> ReconcileReport:
    """The CLI's reconcile: its own store and client; a repair syncs what it marked and checks the board."""
    async def run() -> ReconcileReport:
        with cancel_on_signals("reconcile", config.sync.lease_seconds) as stop:
            try:
                async with (store_off_loop(config) as store,
                            MondayClient(config, url=url, token=token) as client):
                    await store.migrate()
                    return await reconcile_board(config, store, client, customer=customer,
                                                 repair_drift=repair_drift, progress=progress)
            except asyncio.CancelledError:  # Ctrl-C / SIGTERM: its marks and syncs released their claims
                if stop.name is None:
                    raise
                asyncio.current_task().uncancel()
                raise Interrupted(stop.name, 0) from None

    return asyncio.run(run())


async def _observe(config: Config, store: AsyncStore, client: MondayClient, schema: BoardSchema,
                   customer: str | None) -> tuple[Drift, MirrorRows]:
    # The store first: an order a worker finishes in between is then compared as pending, never as missing.
    rows = await store.mirror_rows(utc_now())
    snapshot = await client.board_snapshot()
    return compare_board(config, schema, snapshot, rows.orders, rows.lines, held=rows.held,
                         customer=customer), rows


async def _repair_once(config: Config, store: AsyncStore, client: MondayClient,
                       report: ReconcileReport) -> None:
    todo = [entry for entry in report.found.entries if entry.kind != ORPHAN_ITEMS]
    actions = await repair(config, store, client, todo) if todo else RepairActions()
    report.passes = 1 if todo else 0
    report.queued_orders = len(actions.marked_orders)
    report.unrepaired = [*actions.failed, *report.found.of(ORPHAN_ITEMS)]
    _count_repaired(report, actions)


async def _repair_and_sync(config: Config, store: AsyncStore, client: MondayClient, schema: BoardSchema,
                           report: ReconcileReport, rows: MirrorRows, progress: SyncProgress | None) -> None:
    actions, summary = RepairActions(), RunSummary()
    current, attempted = report.found, set()
    for _ in range(MAX_PASSES):
        todo = [entry for entry in current.entries if entry.kind != ORPHAN_ITEMS]
        if not todo or {entry.identity for entry in todo} <= attempted:
            break  # nothing left to repair, or nothing moved since the last pass
        attempted |= {entry.identity for entry in todo}
        step = await repair(config, store, client, todo)
        actions.merge(step)
        report.passes += 1
        if step.marked_orders:
            report.sync = summary
            await sync_pending(config, store, client, summary, customer=report.customer,
                               only=step.marked_orders, progress=progress)
        current, rows = await _observe(config, store, client, schema, report.customer)
    summary.finish()
    report.unrepaired = _still_wrong(current, rows, actions)
    _count_repaired(report, actions)


def _count_repaired(report: ReconcileReport, actions: RepairActions) -> None:
    """Drift acted on (marked and synced, or repaired on the board) that is not wrong any more, per kind."""
    left = {entry.identity for entry in report.unrepaired}
    acted = {entry.identity: entry for entry in (*actions.done, *actions.marked)}
    report.repaired = dict.fromkeys(KINDS, 0)
    for identity, entry in acted.items():
        if identity not in left:
            report.repaired[entry.kind] += 1


def _still_wrong(final: Drift, rows: MirrorRows, actions: RepairActions) -> list[DriftEntry]:
    """The last comparison's drift, marked records the sync could not write, and repairs that could not run
    on orders a worker held."""
    orders = {order.record_uuid: order for order in rows.orders}
    lines = {line.line_uuid: line for line in rows.lines}
    wrong = {entry.identity: entry for entry in final.entries}
    for entry in actions.failed:
        if entry.identity in wrong or entry.record_uuid in rows.held:
            wrong[entry.identity] = entry  # with the reason it could not be repaired
    for entry in actions.marked:
        order = orders.get(entry.record_uuid or "")
        line = lines.get(entry.line_uuid or "")
        if order is None or entry.identity in wrong:
            continue
        line_waits = line is not None and line.sync_state != LineState.SYNCED
        if order.sync_state not in _DONE_STATES:
            why = f"the order is {order.sync_state}" + (f": {order.sync_error}" if order.sync_error else "")
        elif line_waits and order.sync_state == OrderState.SYNCED:
            why = f"the size is {line.sync_state}" + (f": {line.sync_error}" if line.sync_error else "")
        else:
            continue
        wrong[entry.identity] = _with_reason(entry, why)
    return list(wrong.values())


def _with_reason(entry: DriftEntry, why: str) -> DriftEntry:
    return replace(entry, differs=f"{entry.differs} (not repaired: {why})")
