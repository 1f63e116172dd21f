"""The sending and the write-back of one batch: the only part of a sync that talks to monday.

Creates go after adopting what the board already holds under the order's key (items) or the line's name under
its parent (subitems); each record's result is written back to the store as monday answers for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from ..common.records import LineRow, OrderRow
from ..config import Config
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
from .groups import GroupTitles
from .plan import (
    ItemWrite,
    SubitemDelete,
    SubitemWrite,
    SyncPlan,
    is_parked,
    plan_batch_work,
)
from .planner import retry_delay, utc_now
from .subitem_feed import SubitemFeed
from .summary import FailedRecord, RunSummary

if TYPE_CHECKING:
    from ..store import OrderStore

log = logging.getLogger(__name__)

Adopted = tuple[SubitemWrite, FoundSubitem]


class BatchSync:
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

        group_ids = await GroupTitles(self.config, self.store, self.client, self.summary,
                                      dry_run=self.dry_run).ids_for(plan.group_titles)
        creates, adopted = await self.adopt_items(plan.item_creates)
        existed = set(self.item_ids) | {w.record_uuid for w in adopted}  # parents made before this batch
        self.item_ids.update({write.record_uuid: write.item_id for write in adopted})
        if self.dry_run:
            await self.count_dry_run(plan, creates, adopted, existed)
            return
        # Every step at once: subitems under items that exist go now, those of a new item as soon as monday
        # answers with its id (the client keeps writes to one item out of concurrent requests).
        made = {write.record_uuid for write in creates}
        feed = SubitemFeed([w for w in plan.subitem_creates if w.record_uuid in made], self.create_subitems,
                           self.config.monday.mutations_per_request)
        await all_done(feed.after(self.create_items(creates, group_ids, then=feed.parent_known)),
                       self.update_items(plan.item_updates), self.update_items(adopted, adopted=True),
                       self.subitems_under_known_parents(plan.subitem_creates, existed),
                       self.update_subitems(plan.subitem_updates), self.delete_subitems(plan.subitem_deletes))
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

    async def create_items(self, writes: Sequence[ItemWrite], group_ids: Mapping[str, str],
                           then: Callable[[str], None] | None = None) -> None:
        """Create the items; ``then(record_uuid)`` hears each one made (its id is known now)."""
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
            if then is not None:
                then(write.record_uuid)

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

    async def subitems_under_known_parents(self, creates: Sequence[SubitemWrite], existed: set[str]) -> None:
        """Subitem creates under items made before this batch: adopted when the parent already holds them."""
        subitem_creates, subitems_adopted = await self.adopt_subitems(
            [write for write in creates if write.record_uuid in existed], existed)
        await all_done(self.create_subitems(subitem_creates), self.write_adopted_subitems(subitems_adopted))

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


async def all_done(*steps: Awaitable[None]) -> None:
    """Run the steps side by side; all finish (their results saved) before the first error is raised."""
    for outcome in await asyncio.gather(*steps, return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome


def _without_blanks(columns: Mapping[str, str | None]) -> dict[str, str]:
    """A new item or subitem has no column to clear."""
    return {column: value for column, value in columns.items() if value is not None and str(value).strip()}


def _message(result: WriteResult) -> str:
    return result.error or result.code or "monday did not say why"
