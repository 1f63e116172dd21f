"""The customers' groups on the board: found by title, and a missing one created once, even when workers in
several processes race for the same title (the store's group row is the lock)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from ..config import Config, name_key
from ..monday import MondayClient
from .planner import utc_now
from .summary import RunSummary

if TYPE_CHECKING:
    from ..store import OrderStore

GROUP_LOCK_SECONDS = 120  # a worker that died holding a group title's lock frees it after this
GROUP_LOCK_POLL_SECONDS = 0.05


class GroupTitles:
    """Group titles of one batch -> group ids on the board."""

    def __init__(self, config: Config, store: OrderStore, client: MondayClient, summary: RunSummary, *,
                 dry_run: bool):
        self.config, self.store, self.client, self.summary = config, store, client, summary
        self.dry_run = dry_run

    async def ids_for(self, titles: Sequence[str]) -> dict[str, str]:
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
            async with self.lock(title) as recorded_id:
                ids.update(await self.client.ensure_groups([title], exclusive=True))  # the lock is ours
                self.store.record_group(self.config.environment.board_id, title, ids[title])
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
