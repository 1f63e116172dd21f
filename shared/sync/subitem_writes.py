"""Subitems inside a batch: created under their order's item (adopted when the parent already holds one with
the line's name), updated, deleted for removed sizes, and each line's outcome written back under the claim; a
subitem made for a size dropped meanwhile is removed again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..monday import FoundSubitem, SubitemCreate, SubitemUpdate, WriteResult, id_order
from ..monday import SubitemDelete as SubitemDeleteRequest
from ..store import when_saved
from .batch_steps import all_done, result_message, without_blanks
from .plan import SubitemDelete, SubitemWrite
from .planner import utc_now

if TYPE_CHECKING:
    from .batch import BatchSync

log = logging.getLogger(__name__)

Adopted = tuple[SubitemWrite, FoundSubitem]


class SubitemWrites:
    """BatchSync's subitems (a mixin: it uses the batch's store, client, summary and item ids)."""

    async def adopt_subitems(self: BatchSync, creates: Sequence[SubitemWrite], existed: set[str]
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

    async def subitems_under_known_parents(self: BatchSync, creates: Sequence[SubitemWrite],
                                           existed: set[str]) -> None:
        """Subitem creates under items made before this batch: adopted when the parent already holds them."""
        subitem_creates, subitems_adopted = await self.adopt_subitems(
            [write for write in creates if write.record_uuid in existed], existed)
        await all_done(self.create_subitems(subitem_creates), self.write_adopted_subitems(subitems_adopted))

    async def create_subitems(self: BatchSync, writes: Sequence[SubitemWrite]) -> None:
        by_ref = {write.line_uuid: write for write in writes}
        requests = [SubitemCreate(ref=w.line_uuid, parent_item_id=self.item_ids[w.record_uuid], name=w.name,
                                  values=without_blanks(w.columns)) for w in writes]

        def success(result: WriteResult) -> None:
            self.line_synced(by_ref[result.ref], result.monday_id)
            if result.adopted:
                self.summary.subitems_adopted += 1
            else:
                self.summary.subitems_created += 1

        await self.send(self.client.create_subitems, requests, success, self.line_failed)

    async def update_subitems(self: BatchSync, writes: Sequence[SubitemWrite], adopted: bool = False) -> None:
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

    async def write_adopted_subitems(self: BatchSync, adopted: Sequence[Adopted]) -> None:
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

    async def delete_subitems(self: BatchSync, deletes: Sequence[SubitemDelete]) -> None:
        requests = [SubitemDeleteRequest(ref=d.line_uuid, subitem_id=d.subitem_id,
                                         parent_item_id=self.item_ids.get(d.record_uuid)) for d in deletes]

        def success(result: WriteResult) -> None:
            self.store.line_deleted(result.ref)
            self.summary.subitems_deleted += 1

        await self.send(self.client.delete_subitems, requests, success, self.line_failed)

    def line_synced(self: BatchSync, write: SubitemWrite, subitem_id: str) -> None:
        parent_id = self.item_ids[write.record_uuid]
        orphan = SubitemDeleteRequest(ref=write.line_uuid, subitem_id=subitem_id, parent_item_id=parent_id)
        when_saved(self.store.line_synced(write.line_uuid, subitem_id, parent_id, write.qty, utc_now()),
                   lambda kept: kept or self.orphans.append(orphan))

    async def delete_orphans(self: BatchSync) -> None:
        """The size was dropped from the order while its subitem was being made: remove the subitem again."""
        results = await self.client.delete_subitems(self.orphans)
        for result in results:
            if result.ok:
                self.summary.subitems_deleted += 1
            else:
                log.warning("subitem %s of a dropped size could not be removed: %s", result.monday_id,
                            result_message(result))

    def line_failed(self: BatchSync, result: WriteResult) -> None:
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
        self.store.line_failed(line.line_uuid, line.qty, self.message(result), attempts, next_attempt,
                               utc_now())
        self.record_failure(self.orders[line.record_uuid].business_key, f"size {line.size_code}", result,
                            attempts, next_attempt)
