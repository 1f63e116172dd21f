"""The sending and the write-back of one batch: the only part of a sync that talks to monday.

Creates go after adopting what the board already holds under the order's key (items) or the line's name under
its parent (subitems); each record's result is written back to the store as monday answers for it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from ..common.records import LineRow, OrderRow
from ..config import Config
from ..monday import (
    ItemCreate,
    ItemUpdate,
    MondayClient,
    WriteResult,
    id_order,
)
from ..monday import SubitemDelete as SubitemDeleteRequest
from ..store import AsyncStore
from .batch_steps import all_done, result_message, without_blanks
from .failure_text import IN_SUMMARY, with_excel_column
from .group_moves import GroupMoves
from .groups import GroupTitles
from .order_archives import OrderArchives
from .plan import ItemWrite, SyncPlan, plan_batch_work
from .planner import retry_delay, utc_now
from .progress import record_answered
from .subitem_feed import SubitemFeed
from .subitem_writes import SubitemWrites
from .summary import FailedRecord, RunSummary

if TYPE_CHECKING:
    from ..store import OrderStore

log = logging.getLogger(__name__)

class BatchSync(GroupMoves, OrderArchives, SubitemWrites):
    """The sending and the write-back of one batch; the only part of a sync that talks to monday.

    Its store is the async one (store calls run on the store's thread): a write-back made in a result callback
    is handed over at once, in order, and ``settled()`` before the batch relies on its outcome.
    """

    def __init__(self, config: Config, store: AsyncStore | OrderStore, client: MondayClient,
                 summary: RunSummary, *, dry_run: bool):
        self.config, self.client, self.summary = config, client, summary
        self.store = AsyncStore.of(store)
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
        for record in plan.parked_records:
            self.summary.add_left_parked(record)
        self.orders = {order.record_uuid: order for order in orders}
        self.lines = {line.line_uuid: line for line in lines}
        self.item_ids = {o.record_uuid: o.monday_item_id for o in orders if o.monday_item_id}

        group_ids = await GroupTitles(self.config, self.store, self.client, self.summary,
                                      dry_run=self.dry_run).ids_for(plan.group_titles)
        creates, adopted = await self.adopt_items(plan.item_creates)
        existed = set(self.item_ids) | {w.record_uuid for w in adopted}  # parents made before this batch
        self.item_ids.update({write.record_uuid: write.item_id for write in adopted})
        if self.dry_run:
            await self.count_dry_run(plan, creates, adopted, existed, group_ids)
            return
        # Every step at once: subitems under items that exist go now, those of a new item as soon as monday
        # answers with its id (the client keeps writes to one item out of concurrent requests).
        made = {write.record_uuid for write in creates}
        feed = SubitemFeed([w for w in plan.subitem_creates if w.record_uuid in made], self.create_subitems,
                           self.config.monday.mutations_per_request)
        await all_done(feed.after(self.create_items(creates, group_ids, then=feed.parent_known)),
                       self.move_and_update(plan.item_updates, group_ids),
                       self.move_and_update(adopted, group_ids, adopted=True),
                       self.archive_orders(plan.item_archives, plan.orders_to_archive),
                       self.subitems_under_known_parents(plan.subitem_creates, existed),
                       self.update_subitems(plan.subitem_updates), self.delete_subitems(plan.subitem_deletes))
        if plan.lines_to_forget:
            self.store.forget_lines(plan.lines_to_forget)
        await self.store.settled()  # the write-backs say which subitems are orphans
        if self.orphans:
            await self.delete_orphans()

    async def count_dry_run(self, plan: SyncPlan, creates: Sequence[ItemWrite], adopted: Sequence[ItemWrite],
                            existed: set[str], group_ids: Mapping[str, str]) -> None:
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
        summary.items_moved += (len(self.moves_of(plan.item_updates, group_ids)[1])
                                + len(self.moves_of(adopted, group_ids, adopted=True)[1]))
        summary.items_archived += len(plan.item_archives)
        summary.orders_forgotten += len(plan.orders_to_archive)

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
                               key=w.business_key, values=without_blanks(w.columns)) for w in writes]

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
        requests = [ItemUpdate(ref=w.record_uuid, item_id=w.item_id, values=w.columns, name=w.name,
                               key=w.business_key) for w in writes]

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
        self.store.order_failed(order.record_uuid, order.row_hash, self.message(result), attempts,
                                next_attempt, utc_now())
        self.record_failure(order.business_key, "item", result, attempts, next_attempt)

    # -- shared ----------------------------------------------------------------------------------------------

    def failure_schedule(self, attempts_before: int) -> tuple[int, datetime | None]:
        """(attempts, next attempt time); no next attempt once the record is parked."""
        attempts = attempts_before + 1
        if attempts >= self.config.sync.max_attempts:
            return attempts, None
        return attempts, utc_now() + retry_delay(self.config.sync, attempts)

    def missing_on_board(self, business_key: str, record: str, result: WriteResult) -> None:
        log.warning("%s %s was deleted on monday (%s); its id is forgotten and it will be created again",
                    business_key, record, result_message(result))
        self.summary.missing_on_board += 1

    def record_failure(self, business_key: str, record: str, result: WriteResult, attempts: int,
                       next_attempt: datetime | None) -> None:
        parked = next_attempt is None  # failure_schedule's: parked once it has no next attempt
        message = self.message(result)
        log.warning("%s %s failed (attempt %d%s): %s", business_key, record, attempts,
                    ", parked" if parked else "", message, extra=IN_SUMMARY)
        self.summary.add_failure(FailedRecord(business_key, record, message, attempts, parked))

    def message(self, result: WriteResult) -> str:
        """What failed, with the Excel column named beside the monday column id."""
        return with_excel_column(self.config, result_message(result))

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
            record_answered(result.ok)

        results = await write(requests, on_result=save)
        for result in results:
            if result.ref not in saved:
                on_failure(result)
                record_answered(False)
