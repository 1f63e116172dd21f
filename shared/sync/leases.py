"""Claims as leases: what a live sync holds it keeps renewing, so what a dead one held is free soon.

A planned batch's claim lasts ``[sync].claim_timeout_seconds``: its message may wait that long in the queue.
Once a worker takes the batch over, its claim is a lease of ``[sync].lease_seconds`` that a heartbeat renews
every third of a lease while the batch runs; the CLI's ``sync``, which plans and runs its batches in one
process, holds the batches it planned but has not started under the same heartbeat. A process that dies
(kill -9, an instance lost) stops renewing, and its orders are planned again one lease later. A lease found
lost (it lapsed and another worker took the orders) stops its batch: the orders are that worker's now.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..config import SyncSettings
from ..store import AsyncStore
from .planner import utc_now

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another worker took the orders of a batch's lease over (it had lapsed); the batch stopped."""


@dataclass
class _Held:
    orders: int
    on_lost: Callable[[], None] | None


class ClaimLeases:
    """The claims one run (a CLI sync, a queue invocation) holds, renewed together by one heartbeat while
    ``async with`` runs; it stops, and renews nothing more, when the block ends."""

    def __init__(self, store: AsyncStore, settings: SyncSettings):
        self.store = store
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.abandoned = 0  # orders released because a batch or the run stopped before its end
        self._held: dict[str, _Held] = {}
        self._heartbeat: asyncio.Task | None = None

    def until(self, now: datetime) -> datetime:
        """When a lease taken or renewed now ends."""
        return now + self.lease

    def hold(self, claim_id: str, orders: int, on_lost: Callable[[], None] | None = None) -> None:
        """Renew this claim from now on; ``on_lost`` is called when it is found holding no order any more."""
        self._held[claim_id] = _Held(orders, on_lost)

    def forget(self, claim_id: str) -> None:
        """Renew it no more (a batch took the planned claim over, or ended)."""
        self._held.pop(claim_id, None)

    @contextlib.asynccontextmanager
    async def batch_lease(self, claim_id: str, orders: int) -> AsyncIterator[None]:
        """Hold a running batch's claim while the block runs. When the heartbeat finds every order taken
        over, the block is stopped and :class:`LeaseLost` raised: its write-back belongs to the new holder."""
        task = asyncio.current_task()
        lost = False

        def stop() -> None:
            nonlocal lost
            lost = True
            task.cancel()

        self.hold(claim_id, orders, stop)
        try:
            yield
        except asyncio.CancelledError:
            if lost and task.uncancel() == 0:  # our own stop, not the host's or the user's
                raise LeaseLost(f"claim {claim_id}: every order was taken over by another worker") from None
            raise
        finally:
            self.forget(claim_id)

    async def release(self, claim_id: str, *, abandoned: bool = False) -> int:
        """Free the orders the claim still holds; how many. ``abandoned``: the work stopped before its end."""
        self.forget(claim_id)
        released = await self.store.release_claim(claim_id)
        if abandoned:
            self.abandoned += released
        return released

    async def release_all(self) -> int:
        """Free every claim still held (an interrupted run); how many orders."""
        return sum([await self.release(claim_id, abandoned=True) for claim_id in list(self._held)])

    async def renew(self) -> None:
        """One heartbeat: every held claim lasts one more lease from now."""
        if not self._held:
            return
        claims = dict(self._held)
        still = await self.store.renew_claims(list(claims), self.until(utc_now()))
        for claim_id, held in claims.items():
            if self._held.get(claim_id) is not held:
                continue  # released or taken over by its batch meanwhile
            count = still.get(claim_id, 0)
            if count < held.orders:
                log.warning("claim %s: %d of its %d orders were taken over by another worker (its lease had "
                            "lapsed); their write-back is that worker's", claim_id, held.orders - count,
                            held.orders)
                held.orders = count
            if count == 0:
                self.forget(claim_id)
                if held.on_lost is not None:
                    held.on_lost()

    async def __aenter__(self) -> ClaimLeases:
        self._heartbeat = asyncio.create_task(self._beat(), name="claim heartbeat")
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        heartbeat, self._heartbeat = self._heartbeat, None
        if heartbeat is not None:
            heartbeat.cancel()
            await asyncio.wait([heartbeat])  # not `await heartbeat`: that would swallow our own cancellation

    async def _beat(self) -> None:
        interval = self.lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                await self.renew()
            except Exception as exc:  # a heartbeat never stops while its run goes on; the next beat retries
                log.warning("the claims could not be renewed (%s: %s); trying again in %.0f s",
                            type(exc).__name__, exc, interval)
