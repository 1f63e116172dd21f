"""Sync: one batch message in, its orders mirrored on monday, every record's outcome written back.

The worker takes the batch's claim with its own token (a duplicate delivery finds it taken and skips),
reads the orders' current rows, asks :mod:`shared.sync_plan` what to write, and sends it: the customer's
groups, then the items (after adopting any the board already holds under the order's key), then the
subitems (after adopting any the parent already holds under the same name). Each success is written back to
the store as monday answers; a failed record gets FAILED, its attempt count, monday's message and its next
retry time, and never stops the others. Only failures of monday itself (down, budget spent past the retries,
daily limit) end a batch early: they are raised after the claim is released, with the unfinished records
left pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ..config import Config, name_key
from ..monday import (
    FoundSubitem,
    ItemCreate,
    ItemUpdate,
    MondayClient,
    SubitemCreate,
    SubitemUpdate,
    WriteResult,
    id_order,
)
from ..monday import SubitemDelete as SubitemDeleteRequest
from ..store import open_store
from .plan import (
    ItemWrite,
    LineRow,
    OrderRow,
    SubitemDelete,
    SubitemWrite,
    SyncPlan,
    is_parked,
    plan_batch_work,
)
from .planner import BatchMessage, plan_batches, preview_batches, retry_delay, utc_now
from .summary import FailedRecord, RunSummary

if TYPE_CHECKING:
    from ..store import OrderStore

log = logging.getLogger(__name__)

GROUP_LOCK_SECONDS = 120  # a worker that died holding a group title's lock frees it after this
GROUP_LOCK_POLL_SECONDS = 0.05
BATCHES_AT_ONCE = 4  # run_sync: batches in flight together, sharing the client's request slots
Adopted = tuple[SubitemWrite, FoundSubitem]


async def sync_batch(config: Config, store: OrderStore, client: MondayClient, message: BatchMessage, *,
                     dry_run: bool = False) -> RunSummary:
    """Mirror the orders the message names; per-record failures are in the summary, never raised."""
    before = _client_counts(client)
    summary = await _sync_orders(config, store, client, message, dry_run)
    summary.requests, summary.complexity, summary.rate_limited = (
        after - then for after, then in zip(_client_counts(client), before, strict=True))
    return summary.finish()


async def _sync_orders(config: Config, store: OrderStore, client: MondayClient, message: BatchMessage,
                       dry_run: bool) -> RunSummary:
    summary = RunSummary(dry_run=dry_run, batches=1)
    if dry_run:  # reads only: no claim taken, nothing written to monday or the store
        orders, lines = store.load_batch(message.record_uuids)
        await _BatchSync(config, store, client, summary, dry_run=True).run(orders, lines)
        return summary
    token = uuid.uuid4().hex
    now = utc_now()
    taken = store.claim_orders(message.record_uuids, token, now,
                               now + timedelta(seconds=config.sync.claim_timeout_seconds),
                               from_claim=message.claim_id)
    if len(taken) < len(message.record_uuids):
        log.info("batch %s (%s): %d of %d orders are claimed by another worker and left to it",
                 message.claim_id, message.customer, len(message.record_uuids) - len(taken),
                 len(message.record_uuids))
    if not taken:
        summary.batches, summary.batches_skipped = 0, 1
        return summary
    try:
        orders, lines = store.load_batch(taken, claim_id=token)
        await _BatchSync(config, store, client, summary, dry_run=False).run(orders, lines)
    finally:
        store.release_claim(token)
    return summary


def run_sync(config: Config, *, customer: str | None = None, limit: int | None = None, dry_run: bool = False,
             url: str | None = None, token: str | None = None) -> RunSummary:
    """Plan and sync all pending work in this process (the CLI ``sync``, the demo and the tests).

    ``url`` / ``token`` default to $MONDAY_API_URL / $MONDAY_API_TOKEN (see :class:`MondayClient`).
    """
    return asyncio.run(_run_sync(config, customer, limit, dry_run, url, token))


async def _run_sync(config: Config, customer: str | None, limit: int | None, dry_run: bool, url: str | None,
                    token: str | None) -> RunSummary:
    summary = RunSummary(dry_run=dry_run)
    with open_store(config) as store:
        store.migrate()
        plan = preview_batches if dry_run else plan_batches
        messages = plan(config, store, customer=customer, limit=limit)
        async with MondayClient(config, url=url, token=token) as client:
            lanes = asyncio.Semaphore(BATCHES_AT_ONCE)

            async def one(message: BatchMessage) -> None:
                async with lanes:
                    summary.merge(await sync_batch(config, store, client, message, dry_run=dry_run))

            try:
                await _all(*(one(message) for message in messages))
                if summary.missing_on_board and not dry_run:  # make what was deleted on the board again
                    await _all(*(one(message) for message in plan(config, store, customer=customer)))
            finally:  # the client's totals: batches that ran side by side saw each other's requests
                summary.requests, summary.complexity, summary.rate_limited = _client_counts(client)
    return summary.finish()


def _client_counts(client: MondayClient) -> tuple[int, int, int]:
    return client.stats.requests, client.stats.complexity_spent, client.stats.http_429


class _BatchSync:
    """The sending and the write-back of one batch; the only part of a sync that talks to monday."""

    def __init__(self, config: Config, store: OrderStore, client: MondayClient, summary: RunSummary, *,
                 dry_run: bool):
        self.config, self.store, self.client, self.summary = config, store, client, summary
        self.dry_run = dry_run
        self.orders: dict[str, OrderRow] = {}
        self.lines: dict[str, LineRow] = {}
        self.item_ids: dict[str, str] = {}  # record_uuid -> monday item id, known or learnt in this batch
        self.found_groups: dict[str, str | None] = {}  # record_uuid -> group of an adopted item
        self.orphans: list[SubitemDeleteRequest] = []  # subitems made for lines an ingest dropped meanwhile

    async def run(self, orders: Sequence[OrderRow], lines: Sequence[LineRow]) -> None:
        plan = plan_batch_work(self.config, orders, lines)
        self.summary.orders += len(orders)
        self.summary.lines_forgotten += len(plan.lines_to_forget)
        for key in plan.parked:
            self.summary.add_parked(key)
        self.orders = {order.record_uuid: order for order in orders}
        self.lines = {line.line_uuid: line for line in lines}
        self.item_ids = {o.record_uuid: o.monday_item_id for o in orders if o.monday_item_id}

        group_ids = await self.groups(plan.group_titles)
        creates, adopted = await self.adopt_items(plan.item_creates)
        existed = set(self.item_ids) | {w.record_uuid for w in adopted}  # parents made before this batch
        self.item_ids.update({write.record_uuid: write.item_id for write in adopted})
        if self.dry_run:
            await self.count_dry_run(plan, creates, adopted, existed)
            return
        await _all(self.create_items(creates, group_ids), self.update_items(plan.item_updates),
                   self.update_items(adopted, adopted=True))
        subitem_creates, subitems_adopted = await self.adopt_subitems(plan.subitem_creates, existed)
        await _all(self.create_subitems(subitem_creates), self.update_subitems(plan.subitem_updates),
                   self.write_adopted_subitems(subitems_adopted), self.delete_subitems(plan.subitem_deletes))
        if plan.lines_to_forget:
            self.store.forget_lines(plan.lines_to_forget)
        if self.orphans:
            await self.delete_orphans()

    async def count_dry_run(self, plan: SyncPlan, creates: Sequence[ItemWrite], adopted: Sequence[ItemWrite],
                            existed: set[str]) -> None:
        self.item_ids.update({w.record_uuid: "" for w in creates})  # they will exist: their lines are ready
        subitem_creates, subitems_adopted = await self.adopt_subitems(plan.subitem_creates, existed)
        summary = self.summary
        summary.items_created += len(creates)
        summary.items_adopted += len(adopted)
        summary.items_updated += len(plan.item_updates)
        summary.subitems_created += len(subitem_creates)
        summary.subitems_adopted += len(subitems_adopted)
        summary.subitems_updated += len(plan.subitem_updates)
        summary.subitems_deleted += len(plan.subitem_deletes)

    # -- groups ----------------------------------------------------------------------------------------------

    async def groups(self, titles: Sequence[str]) -> dict[str, str]:
        """title -> group id; a missing group is created once, even by workers racing on the same title."""
        if not titles:
            return {}
        schema = await self.client.board_schema()
        on_board = {name_key(group.title) for group in schema.items.groups}
        if self.dry_run:
            self.summary.groups_created.extend(t for t in titles if name_key(t) not in on_board)
            return {}
        ids = {}
        for title in titles:  # sorted, so two workers never wait on each other's second lock
            async with self.group_lock(title) as recorded_id:
                ids.update(await self.client.ensure_groups([title]))
                self.store.record_group(self.config.environment.board_id, title, ids[title])
            if recorded_id is None and name_key(title) not in on_board:
                self.summary.groups_created.append(title)
        return ids

    @contextlib.asynccontextmanager
    async def group_lock(self, title: str):
        """Hold the store's lock on a group title; yields the group id a previous holder recorded, if any.

        The store's unique (board, title) row is the lock, so workers in other processes wait here too, and
        the one that comes second finds the group the first one made instead of making a twin.
        """
        board_id, token = self.config.environment.board_id, uuid.uuid4().hex
        while True:
            now = utc_now()
            acquired, recorded_id = self.store.lock_group(board_id, title, token, now,
                                                          now + timedelta(seconds=GROUP_LOCK_SECONDS))
            if acquired:
                break
            await asyncio.sleep(GROUP_LOCK_POLL_SECONDS)
        try:
            yield recorded_id
        finally:
            self.store.unlock_group(board_id, title, token)

    # -- items -----------------------------------------------------------------------------------------------

    async def adopt_items(self, creates: Sequence[ItemWrite]) -> tuple[list[ItemWrite], list[ItemWrite]]:
        """Split creates into (to create, adopted): an item already holding the order's key is adopted (a
        worker died after monday made it) and then updated, so it carries the row's current values."""
        if not creates:
            return [], []
        found = await self.client.find_items_by_key([write.business_key for write in creates])
        to_create, adopted = [], []
        for write in creates:
            items = sorted(found.get(write.business_key, ()), key=lambda item: id_order(item.id))
            if items:
                adopted.append(replace(write, item_id=items[0].id))
                self.found_groups[write.record_uuid] = items[0].group_id
            else:
                to_create.append(write)
        return to_create, adopted

    async def create_items(self, writes: Sequence[ItemWrite], group_ids: Mapping[str, str]) -> None:
        by_ref = {write.record_uuid: write for write in writes}
        requests = [ItemCreate(ref=w.record_uuid, group_id=group_ids[w.group_title], name=w.name,
                               key=w.business_key, values=_without_blanks(w.columns)) for w in writes]

        def success(result: WriteResult) -> None:
            write = by_ref[result.ref]
            self.item_synced(write, result.monday_id, group_ids[write.group_title])
            if result.adopted:  # the client found it after an unknown outcome
                self.summary.items_adopted += 1
            else:
                self.summary.items_created += 1

        await self.send(self.client.create_items, requests, success, self.item_failed)

    async def update_items(self, writes: Sequence[ItemWrite], adopted: bool = False) -> None:
        by_ref = {write.record_uuid: write for write in writes}
        requests = [ItemUpdate(ref=w.record_uuid, item_id=w.item_id, values=w.columns, name=w.name)
                    for w in writes]

        def success(result: WriteResult) -> None:
            write = by_ref[result.ref]
            self.item_synced(write, write.item_id, self.found_groups.get(write.record_uuid))
            if adopted:
                self.summary.items_adopted += 1
            else:
                self.summary.items_updated += 1

        await self.send(self.client.update_items, requests, success, self.item_failed)

    def item_synced(self, write: ItemWrite, item_id: str, group_id: str | None) -> None:
        self.item_ids[write.record_uuid] = item_id
        self.store.order_synced(write.record_uuid, item_id, group_id, write.row_hash, utc_now())

    def item_failed(self, result: WriteResult) -> None:
        order = self.orders[result.ref]
        if result.gone:  # deleted on monday by hand: SQL owns the order, so it is made again
            self.item_ids.pop(order.record_uuid, None)  # its lines wait for the new item
            self.store.order_item_gone(order.record_uuid, utc_now())
            self.missing_on_board(order.business_key, "item", result)
            return
        attempts, next_attempt = self.failure_schedule(order.sync_attempts)
        self.store.order_failed(order.record_uuid, order.row_hash, _message(result), attempts, next_attempt,
                                utc_now())
        self.record_failure(order.business_key, "item", result, attempts)

    # -- subitems --------------------------------------------------------------------------------------------

    async def adopt_subitems(self, creates: Sequence[SubitemWrite], existed: set[str]
                             ) -> tuple[list[SubitemWrite], list[Adopted]]:
        """Creates whose parent item is known, split into (to create, adopted): under a parent that existed
        before this batch, a subitem with the line's name is the one an earlier, interrupted run made.
        Lines of an order whose item could not be created keep waiting for it."""
        ready = [write for write in creates if write.record_uuid in self.item_ids]
        parents = sorted({self.item_ids[w.record_uuid] for w in ready if w.record_uuid in existed})
        children = await self.client.subitems_of(parents) if parents else {}
        to_create, adopted, taken = [], [], set()
        for write in ready:
            siblings = sorted(children.get(self.item_ids[write.record_uuid], ()),
                              key=lambda sub: id_order(sub.id))
            match = next((s for s in siblings if s.name == write.name and s.id not in taken), None)
            if match is None:
                to_create.append(write)
            else:
                taken.add(match.id)
                adopted.append((write, match))
        return to_create, adopted

    async def create_subitems(self, writes: Sequence[SubitemWrite]) -> None:
        by_ref = {write.line_uuid: write for write in writes}
        requests = [SubitemCreate(ref=w.line_uuid, parent_item_id=self.item_ids[w.record_uuid], name=w.name,
                                  values=_without_blanks(w.columns)) for w in writes]

        def success(result: WriteResult) -> None:
            self.line_synced(by_ref[result.ref], result.monday_id)
            if result.adopted:
                self.summary.subitems_adopted += 1
            else:
                self.summary.subitems_created += 1

        await self.send(self.client.create_subitems, requests, success, self.line_failed)

    async def update_subitems(self, writes: Sequence[SubitemWrite], adopted: bool = False) -> None:
        by_ref = {write.line_uuid: write for write in writes}
        requests = [SubitemUpdate(ref=w.line_uuid, subitem_id=w.subitem_id, values=w.columns, name=w.name,
                                  parent_item_id=self.item_ids.get(w.record_uuid)) for w in writes]

        def success(result: WriteResult) -> None:
            self.line_synced(by_ref[result.ref], by_ref[result.ref].subitem_id)
            if adopted:
                self.summary.subitems_adopted += 1
            else:
                self.summary.subitems_updated += 1

        await self.send(self.client.update_subitems, requests, success, self.line_failed)

    async def write_adopted_subitems(self, adopted: Sequence[Adopted]) -> None:
        """An adopted subitem already showing the line's values is only written back; others are updated."""
        stale = []
        for write, found in adopted:
            write = replace(write, subitem_id=found.id)
            if all((found.values.get(column) or "") == (value or "") for column, value in
                   write.columns.items()):
                self.line_synced(write, found.id)
                self.summary.subitems_adopted += 1
            else:
                stale.append(write)
        await self.update_subitems(stale, adopted=True)

    async def delete_subitems(self, deletes: Sequence[SubitemDelete]) -> None:
        requests = [SubitemDeleteRequest(ref=d.line_uuid, subitem_id=d.subitem_id,
                                         parent_item_id=self.item_ids.get(d.record_uuid)) for d in deletes]

        def success(result: WriteResult) -> None:
            self.store.line_deleted(result.ref)
            self.summary.subitems_deleted += 1

        await self.send(self.client.delete_subitems, requests, success, self.line_failed)

    def line_synced(self, write: SubitemWrite, subitem_id: str) -> None:
        parent_id = self.item_ids[write.record_uuid]
        if not self.store.line_synced(write.line_uuid, subitem_id, parent_id, write.qty, utc_now()):
            self.orphans.append(SubitemDeleteRequest(ref=write.line_uuid, subitem_id=subitem_id,
                                                     parent_item_id=parent_id))

    async def delete_orphans(self) -> None:
        """The size was dropped from the order while its subitem was being made: remove the subitem again."""
        results = await self.client.delete_subitems(self.orphans)
        for result in results:
            if result.ok:
                self.summary.subitems_deleted += 1
            else:
                log.warning("subitem %s of a dropped size could not be removed: %s", result.monday_id,
                            _message(result))

    def line_failed(self, result: WriteResult) -> None:
        line = self.lines[result.ref]
        if result.gone:  # deleted on monday by hand: made again
            order = self.orders[line.record_uuid]
            if line.monday_subitem_id:  # the subitem is gone (alone, or with its parent: the next try says)
                self.store.line_subitem_gone(line.line_uuid, utc_now())
                self.missing_on_board(order.business_key, f"size {line.size_code}", result)
            else:  # a create under a parent that is gone: the order's item is made again, then its sizes
                self.item_ids.pop(order.record_uuid, None)
                self.store.order_item_gone(order.record_uuid, utc_now())
                self.missing_on_board(order.business_key, "item", result)
            return
        attempts, next_attempt = self.failure_schedule(line.sync_attempts)
        self.store.line_failed(line.line_uuid, line.qty, _message(result), attempts, next_attempt, utc_now())
        self.record_failure(self.orders[line.record_uuid].business_key, f"size {line.size_code}", result,
                            attempts)

    # -- shared ----------------------------------------------------------------------------------------------

    def failure_schedule(self, attempts_before: int) -> tuple[int, datetime | None]:
        """(attempts, next attempt time); no next attempt once the record is parked."""
        attempts = attempts_before + 1
        if attempts >= self.config.sync.max_attempts:
            return attempts, None
        return attempts, utc_now() + retry_delay(self.config.sync, attempts)

    def missing_on_board(self, business_key: str, record: str, result: WriteResult) -> None:
        log.warning("%s %s was deleted on monday (%s); its id is forgotten and it will be created again",
                    business_key, record, _message(result))
        self.summary.missing_on_board += 1

    def record_failure(self, business_key: str, record: str, result: WriteResult, attempts: int) -> None:
        parked = is_parked(self.config.sync, "FAILED", attempts)
        log.warning("%s %s failed (attempt %d%s): %s", business_key, record, attempts,
                    ", parked" if parked else "", _message(result))
        self.summary.add_failure(FailedRecord(business_key, record, _message(result), attempts, parked))

    @staticmethod
    async def send(write: Callable[..., Awaitable[list[WriteResult]]], requests: Sequence,
                   on_success: Callable[[WriteResult], None],
                   on_failure: Callable[[WriteResult], None]) -> None:
        """Send one kind of write and write back each record's result as soon as monday answers for it.

        Successes and permanent failures are saved while the call is still running; records that only
        failed for now are marked after it. When monday itself fails, what it did write is already saved,
        the rest stays pending, and the error is raised.
        """
        if not requests:
            return
        saved: set[str] = set()

        def save(result: WriteResult) -> None:
            saved.add(result.ref)
            (on_success if result.ok else on_failure)(result)

        results = await write(requests, on_result=save)
        for result in results:
            if result.ref not in saved:
                on_failure(result)


async def _all(*steps: Awaitable[None]) -> None:
    """Run the steps side by side; all finish (their results saved) before the first error is raised."""
    for outcome in await asyncio.gather(*steps, return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome


def _without_blanks(columns: Mapping[str, str | None]) -> dict[str, str]:
    """A new item or subitem has no column to clear."""
    return {column: value for column, value in columns.items() if value is not None and str(value).strip()}


def _message(result: WriteResult) -> str:
    return result.error or result.code or "monday did not say why"
