"""The customers' groups on the board: found by title, and a missing one created once, even when workers in
several processes race for the same title (the store's group row is the lock)."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from ..common.errors import StoreError
from ..config import Config, name_key
from ..monday import MondayClient, group_ids_by_title
from ..store import AsyncStore
from .planner import utc_now
from .summary import RunSummary

if TYPE_CHECKING:
    from ..store import OrderStore

GROUP_LOCK_SECONDS = 120  # a worker that died holding a group title's lock frees it after this
GROUP_LOCK_POLL_SECONDS = 0.05
# Longer than a dead holder's lock lasts: a lock still taken after this is a fault, not a queue to wait in.
GROUP_LOCK_WAIT_SECONDS = 2 * GROUP_LOCK_SECONDS


class GroupTitles:
    """Group titles of one batch -> group ids on the board."""

    def __init__(self, config: Config, store: OrderStore | AsyncStore, client: MondayClient,
                 summary: RunSummary, *, dry_run: bool):
        self.config, self.client, self.summary = config, client, summary
        self.store = AsyncStore.of(store)  # its calls run off the event loop
        self.dry_run = dry_run

    async def ids_for(self, titles: Sequence[str]) -> dict[str, str]:
        """title -> group id; a missing group is created once, even by workers racing on the same title.
        A dry run creates nothing: it gives the ids of the groups that exist."""
        if not titles:
            return {}
        schema = await self.client.board_schema()
        on_board = group_ids_by_title(schema.items.groups)
        if self.dry_run:  # the groups that exist; the others would be created
            self.summary.groups_created.extend(t for t in titles if name_key(t) not in on_board)
            return {t: on_board[name_key(t)] for t in titles if name_key(t) in on_board}
        ids = {}
        for title in titles:  # sorted, so two workers never wait on each other's second lock
            async with self.lock(title) as recorded_id:
                ids.update(await self.client.ensure_groups([title], exclusive=True))  # the lock is ours
                await self.store.record_group(self.config.environment.board_id, title, ids[title])
            if recorded_id is None and name_key(title) not in on_board:
                self.summary.groups_created.append(title)
        return ids

    @contextlib.asynccontextmanager
    async def lock(self, title: str):
        """Hold the store's lock on a group title; yields the group id a previous holder recorded, if any.

        The store's unique (board, title) row is the lock, so workers in other processes wait here too, and
        the one that comes second finds the group the first one made instead of making a twin.
        """
        board_id, token = self.config.environment.board_id, uuid.uuid4().hex
        give_up = time.monotonic() + GROUP_LOCK_WAIT_SECONDS
        while True:
            now = utc_now()
            acquired, recorded_id = await self.store.lock_group(board_id, title, token, now,
                                                                now + timedelta(seconds=GROUP_LOCK_SECONDS))
            if acquired:
                break
            if time.monotonic() >= give_up:
                raise StoreError(f"group {title!r} of board {board_id}: its lock in the store was not free "
                                 f"within {GROUP_LOCK_WAIT_SECONDS:g} s; the batch's orders stay pending")
            await asyncio.sleep(GROUP_LOCK_POLL_SECONDS)
        try:
            yield recorded_id
        finally:
            await self.store.unlock_group(board_id, title, token)
