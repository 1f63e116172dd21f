"""Group moves inside a batch: an item whose group title changed (its season, its customer mapping) moves into
the group that title names, in the same sync that updates its columns. The move goes first; the update
follows once the item sits in the right group, so an order is SYNCED only when both are done.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..monday import ItemMove, WriteResult
from .plan import ItemWrite
from .planner import utc_now

if TYPE_CHECKING:
    from .batch import BatchSync

Move = tuple[ItemWrite, str]  # (the update, the group id it moves to)


class GroupMoves:
    """BatchSync's moves (a mixin: it uses the batch's store, client, summary and write-back)."""

    def moves_of(self: BatchSync, writes: Sequence[ItemWrite], group_ids: Mapping[str, str], *,
                 adopted: bool = False) -> tuple[list[ItemWrite], list[Move]]:
        """Split updates into (in the right group, to move): the item's group is the one the store recorded
        (or, for an adopted item, the one it was found in). A title whose group does not exist yet (a dry
        run) is a move."""
        stay, moves = [], []
        for write in writes:
            current = (self.found_groups.get(write.record_uuid) if adopted
                       else self.orders[write.record_uuid].monday_group_id)
            target = group_ids.get(write.group_title)
            if target is not None and target == current:
                stay.append(write)
            else:
                moves.append((write, target or ""))
        return stay, moves

    async def move_and_update(self: BatchSync, writes: Sequence[ItemWrite], group_ids: Mapping[str, str], *,
                              adopted: bool = False) -> None:
        stay, moves = self.moves_of(writes, group_ids, adopted=adopted)
        moved = await self.move_items(moves)
        await self.update_items([*stay, *moved], adopted=adopted)

    async def move_items(self: BatchSync, moves: Sequence[Move]) -> list[ItemWrite]:
        """Send the moves; the updates whose item now sits in its group (a failed move fails its order)."""
        by_ref = {write.record_uuid: (write, group_id) for write, group_id in moves}
        requests = [ItemMove(ref=w.record_uuid, item_id=w.item_id, group_id=g) for w, g in moves]
        moved: list[ItemWrite] = []

        def success(result: WriteResult) -> None:
            write, group_id = by_ref[result.ref]
            self.found_groups[write.record_uuid] = group_id  # the update's write-back records it too
            self.store.order_moved(write.record_uuid, group_id, utc_now())
            self.summary.items_moved += 1
            moved.append(write)

        await self.send(self.client.move_items, requests, success, self.item_failed)
        return moved
