"""The subitems of orders whose items a batch is creating, sent as soon as each item's id is known instead of
after the whole item step.

monday answers a request of items at once, so the lines of up to a request's worth of orders become ready
together. What fills whole requests goes at once, in one write call; the rest (the lines of the orders that
would only half fill a request) waits for the next answer, or the end of the item step, so the subitems
still travel in full requests. Whole requests are counted as the client packs them: at most
``mutations_per_request`` mutations, a parent's subitems never split.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from .plan import SubitemWrite

Send = Callable[[list[SubitemWrite]], Awaitable[None]]


class SubitemFeed:
    """Lines waiting for their order's item; released as the item's id arrives, sent in whole requests."""

    def __init__(self, waiting: Iterable[SubitemWrite], send: Send, per_request: int):
        self.send, self.per_request = send, per_request
        self.waiting: dict[str, list[SubitemWrite]] = {}
        for write in waiting:
            self.waiting.setdefault(write.record_uuid, []).append(write)
        self.released: list[list[SubitemWrite]] = []  # per order, in the order their ids arrived
        self.sending: list[asyncio.Task] = []
        self._scheduled = False

    def parent_known(self, record_uuid: str) -> None:
        """The order's item now has its id (called while monday's answer is read): its lines are released."""
        lines = self.waiting.pop(record_uuid, None)
        if lines:
            self.released.append(lines)
            if not self._scheduled:  # once the rest of this answer is read
                self._scheduled = True
                self.sending.append(asyncio.get_running_loop().create_task(self._send(whole_only=True)))

    async def after(self, items: Awaitable[None]) -> None:
        """Run the item step; then send what is still held and wait for every send. The first error is
        raised once everything has finished. Cancelled during the item step (Ctrl-C, the host stopping the
        invocation), it cancels the sends it released rather than wait for monday to answer them."""
        failure: BaseException | None = None
        try:
            await items
        except BaseException as exc:  # noqa: BLE001 - re-raised below, after the sends it released
            failure = exc
        if isinstance(failure, asyncio.CancelledError):  # the run is stopping: so do the sends it released
            for task in self.sending:
                task.cancel()
        else:
            self.sending.append(asyncio.get_running_loop().create_task(self._send(whole_only=False)))
        while self.sending:
            tasks, self.sending = self.sending, []
            for outcome in await asyncio.gather(*tasks, return_exceptions=True):
                if isinstance(outcome, BaseException) and failure is None:
                    failure = outcome
        if failure is not None:
            raise failure

    async def _send(self, whole_only: bool) -> None:
        await asyncio.sleep(0)
        self._scheduled = False
        count = self._whole_requests() if whole_only else len(self.released)
        batch, self.released = self.released[:count], self.released[count:]
        if batch:
            await self.send([line for lines in batch for line in lines])

    def _whole_requests(self) -> int:
        """How many of the released orders fill whole requests, packed as the client packs them."""
        whole, size = 0, 0
        for index, lines in enumerate(self.released):
            if size and size + len(lines) > self.per_request:
                whole, size = index, 0
            size += len(lines)
        return len(self.released) if size >= self.per_request else whole
