"""Repairing drift: what the sync can write is marked in the store for it, the rest is done on the board here.

- marked (under a claim, so no worker sends those orders meanwhile): a missing item is forgotten (the order is
  NEW again; its sizes too) or, when another item holds its key, that item is adopted; a stale item is
  CHANGED; an item in the wrong group is CHANGED with the group it sits in recorded, so the sync moves it; a
  missing subitem is forgotten (its size NEW again); a stale subitem is CHANGED.
- done here: duplicates and unarchived items are archived (never deleted); extra subitems are removed as the
  sync removes a size's subitem (``[monday] subitem_removal``).
- orphans are never touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from ..config import Config
from ..monday import ItemArchive, MondayClient, SubitemDelete, WriteResult
from ..store import AsyncStore
from .batch_steps import result_message
from .drift import (
    DUPLICATE_ITEMS,
    EXTRA_SUBITEMS,
    MISSING_ITEMS,
    MISSING_SUBITEMS,
    STALE_ITEMS,
    STALE_SUBITEMS,
    UNARCHIVED_ITEMS,
    WRONG_GROUP,
    DriftEntry,
)
from .planner import utc_now

if TYPE_CHECKING:
    from ..store import OrderStore

_MARKED = frozenset({MISSING_ITEMS, STALE_ITEMS, WRONG_GROUP, MISSING_SUBITEMS, STALE_SUBITEMS})
_ARCHIVED = frozenset({DUPLICATE_ITEMS, UNARCHIVED_ITEMS})


@dataclass
class RepairActions:
    """What one repair did: entries marked for the sync, entries repaired on the board, entries it could not
    act on (with why)."""

    marked: list[DriftEntry] = field(default_factory=list)
    done: list[DriftEntry] = field(default_factory=list)
    failed: list[DriftEntry] = field(default_factory=list)

    @property
    def marked_orders(self) -> set[str]:
        return {entry.record_uuid for entry in self.marked if entry.record_uuid}

    def merge(self, other: RepairActions) -> None:
        self.marked += other.marked
        self.done += other.done
        self.failed += other.failed


async def repair(config: Config, store: OrderStore | AsyncStore, client: MondayClient,
                 entries: Sequence[DriftEntry]) -> RepairActions:
    actions = RepairActions()
    await _archive(client, [e for e in entries if e.kind in _ARCHIVED], actions)
    await _remove_subitems(client, [e for e in entries if e.kind == EXTRA_SUBITEMS], actions)
    store = AsyncStore.of(store)  # the marks are written on the store's thread, off the event loop
    await store.call(_mark, config, store.wrapped, [e for e in entries if e.kind in _MARKED], actions)
    return actions


async def _archive(client: MondayClient, entries: Sequence[DriftEntry], actions: RepairActions) -> None:
    by_item = {entry.item_id: entry for entry in entries if entry.item_id}
    results = await client.archive_items([ItemArchive(ref=item_id, item_id=item_id) for item_id in by_item])
    _sort_out(results, by_item, actions)


async def _remove_subitems(client: MondayClient, entries: Sequence[DriftEntry], actions: RepairActions
                           ) -> None:
    by_subitem = {entry.subitem_id: entry for entry in entries if entry.subitem_id}
    results = await client.delete_subitems([SubitemDelete(ref=sub_id, subitem_id=sub_id,
                                                           parent_item_id=entry.item_id)
                                            for sub_id, entry in by_subitem.items()])
    _sort_out(results, by_subitem, actions)


def _sort_out(results: Sequence[WriteResult], by_ref: dict[str, DriftEntry], actions: RepairActions) -> None:
    for result in results:
        entry = by_ref[result.ref]
        if result.ok:
            actions.done.append(entry)
        else:
            actions.failed.append(_failed(entry, f"could not be repaired: {result_message(result)}"))


def _mark(config: Config, store: OrderStore, entries: Sequence[DriftEntry], actions: RepairActions) -> None:
    """Mark under a claim of the reconcile's own: an order a worker holds right now is left for next time.
    A short lease (marking takes a moment): one left by a reconcile killed meanwhile frees soon."""
    uuids = list(dict.fromkeys(entry.record_uuid for entry in entries if entry.record_uuid))
    if not uuids:
        return
    token, now = uuid.uuid4().hex, utc_now()
    taken = set(store.claim_orders(uuids, token, now, now + timedelta(seconds=config.sync.lease_seconds)))
    claimed = store.claimed_by(token)
    try:
        changed: dict[str, str | None] = {}
        stale_lines: list[str] = []
        for entry in entries:
            if entry.record_uuid not in taken:
                actions.failed.append(_failed(entry, "a sync worker holds the order right now; next time"))
                continue
            if entry.kind == MISSING_ITEMS and entry.adopt_item_id:
                store.order_item_adopted(entry.record_uuid, entry.adopt_item_id, entry.group_id, now)
            elif entry.kind == MISSING_ITEMS:
                claimed.order_item_gone(entry.record_uuid, now)
            elif entry.kind in (STALE_ITEMS, WRONG_GROUP):
                changed[entry.record_uuid] = changed.get(entry.record_uuid) or entry.group_id
            elif entry.kind == MISSING_SUBITEMS:
                claimed.line_subitem_gone(entry.line_uuid, now)
            else:
                stale_lines.append(entry.line_uuid)
            actions.marked.append(entry)
        store.orders_changed_on_board(changed, now)
        store.lines_changed_on_board(stale_lines, now)
    finally:
        store.release_claim(token)


def _failed(entry: DriftEntry, why: str) -> DriftEntry:
    return replace(entry, differs=f"{entry.differs} ({why})")
