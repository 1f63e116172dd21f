"""Sync: one batch message in, its orders mirrored on monday, every record's outcome written back.

The worker takes the batch's claim with its own token (a duplicate delivery finds it taken and skips) as a
lease its heartbeat renews while the batch runs (:mod:`.leases`), reads the orders' current rows, asks
:mod:`.plan` what to write, and sends it: the customer's groups, then the items (after adopting any the board
already holds under the order's key), then the subitems (after adopting any the parent already holds under the
same name). Each success is written back to the store as monday answers, under the worker's claim; a failed
record gets FAILED, its attempt count, monday's message and its next retry time, and never stops the others.
Failures of monday itself (down, budget spent past the retries, a refused token) and of the store end a batch
early: they are raised after the claim is released, with the unfinished records left pending. monday's daily
call limit ends it too, but is not raised: the store remembers until when it is spent, and nothing is planned
or sent before then. Every store call runs off the event loop (``store/off_loop.py``): a slow database never
holds up the other batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Collection
from typing import TYPE_CHECKING

from ..common.errors import DailyLimitExceeded, Interrupted, StoreError
from ..config import Config
from ..monday import MondayClient
from ..store import AsyncStore, store_off_loop
from ..telemetry import SYNC_BATCH, annotate, stage_run
from .batch import BatchSync
from .batch_steps import all_done
from .interrupts import StopSignal, cancel_on_signals
from .leases import ClaimLeases, LeaseLost
from .planner import BatchMessage, plan_batches, preview_batches, utc_now
from .progress import SyncProgress
from .run_history import recorded_run
from .summary import RunSummary
from .unit_costs import load_unit_costs, save_unit_costs

if TYPE_CHECKING:
    from ..store import OrderStore

log = logging.getLogger(__name__)

BATCHES_AT_ONCE = 8  # run_sync: batches in flight together, sharing the client's request slots


async def sync_batch(config: Config, store: OrderStore | AsyncStore, client: MondayClient,
                     message: BatchMessage, *, dry_run: bool = False, leases: ClaimLeases | None = None
                     ) -> RunSummary:
    """Mirror the orders the message names; per-record failures are in the summary, never raised.

    The store's calls run off the event loop (:class:`AsyncStore`). The batch's orders are held under a lease
    that ``leases`` (the run's, else the batch's own) renews while it runs. While monday's daily call limit
    is spent (the store remembers until when) nothing is sent: the batch's orders are released and stay
    pending. Meeting the limit mid-batch records the pause and ends the batch the same way; the summary says
    until when (``daily_limit_until``). Its telemetry (span and ``ordersync.sync_batch`` event) continues the
    trace the message carries.
    """
    store = AsyncStore.of(store)
    summary = RunSummary(dry_run=dry_run, batches=1)
    async with _leases(config, store, leases) as leases:
        paused_until = await store.daily_limit_until(utc_now())
        if paused_until is not None:
            if not dry_run:
                await leases.release(message.claim_id)
            log.info("batch %s (%s): monday's daily call limit is spent until %s; its %d orders stay pending",
                     message.claim_id, message.customer, paused_until, len(message.record_uuids))
            summary.batches, summary.daily_limit_until = 0, paused_until
            return summary.finish()
        before = _client_counts(client)
        await load_unit_costs(config, store, client)
        with stage_run(SYNC_BATCH, traceparent=message.traceparent, enabled=not dry_run,
                       customer=message.customer, claim=message.claim_id) as run:
            try:
                await _sync_orders(config, store, client, message, summary, dry_run, leases)
            except DailyLimitExceeded as exc:
                summary.daily_limit_until = await store.pause_for_daily_limit(exc.resets_at)
                log.warning("batch %s (%s): monday's daily call limit is spent (DailyLimitExceeded) "
                            "until %s; what was written is saved, the rest stays pending and nothing is sent "
                            "before then", message.claim_id, message.customer, summary.daily_limit_until)
            finally:  # a batch monday stopped still reports what it wrote
                if not dry_run:
                    await save_unit_costs(config, store, client)
                summary.requests, summary.complexity, summary.rate_limited = (
                    after - then for after, then in zip(_client_counts(client), before, strict=True))
                run.record_summary(summary.finish().to_dict())
    return summary


async def _sync_orders(config: Config, store: AsyncStore, client: MondayClient, message: BatchMessage,
                       summary: RunSummary, dry_run: bool, leases: ClaimLeases) -> None:
    if dry_run:  # reads only: no claim taken, nothing written to monday or the store
        orders, lines = await store.load_batch(message.record_uuids)
        await BatchSync(config, store, client, summary, dry_run=True).run(orders, lines)
        return
    token = uuid.uuid4().hex
    now = utc_now()
    leases.forget(message.claim_id)  # the planned claim becomes this batch's lease
    taken = await store.claim_orders(message.record_uuids, token, now, leases.until(now),
                                     from_claim=message.claim_id)
    if len(taken) < len(message.record_uuids):
        log.info("batch %s (%s): %d of %d orders are claimed by another worker and left to it",
                 message.claim_id, message.customer, len(message.record_uuids) - len(taken),
                 len(message.record_uuids))
    if not taken:
        summary.batches, summary.batches_skipped = 0, 1
        return
    claimed = store.claimed_by(token)
    try:
        async with leases.batch_lease(token, len(taken)):
            orders, lines = await store.load_batch(taken, claim_id=token)
            annotate(keys=[order.business_key for order in orders])  # "what happened to order X" in KQL
            await BatchSync(config, claimed, client, summary, dry_run=False).run(orders, lines)
            await claimed.settled()
    except LeaseLost:
        log.warning("batch %s (%s): its lease lapsed and another worker took its orders over; it stopped and "
                    "left their write-back to that worker", message.claim_id, message.customer)
        await leases.release(token)
        return
    except BaseException as exc:
        await _release_claim(leases, token, message, len(taken), failing=True)
        if isinstance(exc, asyncio.CancelledError):  # INFO: the command line prints its own one line
            log.info("batch %s (%s): stopped before its end (cancelled); what monday answered is saved, its "
                     "orders are released and stay pending", message.claim_id, message.customer)
        raise
    await _release_claim(leases, token, message, len(taken))


async def _release_claim(leases: ClaimLeases, token: str, message: BatchMessage, taken: int, *,
                         failing: bool = False) -> None:
    """Free the batch's orders. When the batch is failing already, a release that fails too (the same broken
    database, most likely) is logged rather than raised, so the first error is the one reported."""
    try:
        released = await leases.release(token, abandoned=failing)
    except StoreError as exc:
        if not failing:
            raise
        log.error("batch %s (%s): its claim could not be released (%s); its orders are planned again when "
                  "its lease ends", message.claim_id, message.customer, exc)
        return
    if released < taken:
        log.warning("batch %s (%s): %d of its orders were taken over by another worker while it ran (its "
                    "claim expired); their state was left to that worker", message.claim_id, message.customer,
                    taken - released)


def run_sync(config: Config, *, customer: str | None = None, limit: int | None = None, dry_run: bool = False,
             url: str | None = None, token: str | None = None, source: str = "cli",
             progress: SyncProgress | None = None) -> RunSummary:
    """Plan and sync all pending work in this process (the CLI ``sync``, the demo and the tests).

    ``url`` / ``token`` default to $MONDAY_API_URL / $MONDAY_API_TOKEN (see :class:`MondayClient`). Ctrl-C
    or SIGTERM stops it: every claim it holds is released and :class:`Interrupted` raised. The run is recorded
    in the run history as coming from ``source`` (a dry run, which writes nothing, is not). ``progress``, when
    given, counts the records planned and answered as the run goes (another thread may read it).
    """
    summary = RunSummary(dry_run=dry_run)
    with recorded_run(config, "sync", source, summary, record=not dry_run):
        return asyncio.run(_run_sync(config, customer, limit, dry_run, url, token, summary, progress))


async def _run_sync(config: Config, customer: str | None, limit: int | None, dry_run: bool, url: str | None,
                    token: str | None, summary: RunSummary, progress: SyncProgress | None) -> RunSummary:
    with cancel_on_signals("sync", config.sync.lease_seconds) as stop:
        try:
            async with store_off_loop(config) as store:
                await store.migrate()
                summary.daily_limit_until = await store.daily_limit_until(utc_now())
                if summary.daily_limit_until is None:  # else monday would refuse every call: make none
                    await _sync_all(config, store, summary, stop, customer, limit, dry_run, url, token,
                                    progress)
        except asyncio.CancelledError:
            if stop.name is None:
                raise
            asyncio.current_task().uncancel()
            raise Interrupted(stop.name, 0) from None  # stopped before anything was claimed
    return summary.finish()


async def _sync_all(config: Config, store: AsyncStore, summary: RunSummary, stop: StopSignal,
                    customer: str | None, limit: int | None, dry_run: bool, url: str | None,
                    token: str | None, progress: SyncProgress | None) -> None:
    async with (MondayClient(config, url=url, token=token) as client,
                ClaimLeases(store, config.sync) as leases):
        try:
            await sync_pending(config, store, client, summary, customer=customer, limit=limit,
                               dry_run=dry_run, leases=leases, progress=progress)
        except asyncio.CancelledError:
            if stop.name is None:
                raise
            asyncio.current_task().uncancel()  # sync_pending released every claim on its way out
            raise Interrupted(stop.name, leases.abandoned) from None


async def sync_pending(config: Config, store: OrderStore | AsyncStore, client: MondayClient,
                       summary: RunSummary, *, customer: str | None = None, limit: int | None = None,
                       dry_run: bool = False, only: Collection[str] | None = None,
                       leases: ClaimLeases | None = None, progress: SyncProgress | None = None
                       ) -> RunSummary:
    """Plan and sync the pending work (``only``: of these orders) with this client, batches side by side;
    what was deleted on the board meanwhile is made again in one more round. The batches planned wait for
    their turn under a lease (``leases``: the run's, else one of its own); a run that stops early releases
    them. ``progress`` counts the records planned and answered. The summary's requests, complexity and 429s
    grow by the client's while it ran, also when it stops early."""
    store = AsyncStore.of(store)
    counted, before = (summary.requests, summary.complexity, summary.rate_limited), _client_counts(client)
    async with _leases(config, store, leases) as leases:

        async def plan(**narrow) -> list[BatchMessage]:
            if dry_run:
                messages = await store.call(preview_batches, config, store.wrapped, customer=customer,
                                            only=only, **narrow)
            else:
                messages = await store.call(plan_batches, config, store.wrapped, customer=customer, only=only,
                                            hold_seconds=config.sync.lease_seconds, **narrow)
                for message in messages:
                    leases.hold(message.claim_id, len(message.record_uuids))
            if progress is not None:
                await store.call(progress.add_planned, config, store.wrapped, messages)
            return messages

        lanes = asyncio.Semaphore(BATCHES_AT_ONCE)

        async def one(message: BatchMessage) -> None:
            async with lanes:
                summary.merge(await sync_batch(config, store, client, message, dry_run=dry_run,
                                               leases=leases))

        try:
            with progress.running(client) if progress else contextlib.nullcontext():
                await all_done(*(one(message) for message in await plan(limit=limit)))
                if summary.missing_on_board and not dry_run:  # make what was deleted on the board again
                    await all_done(*(one(message) for message in await plan()))
        except BaseException:
            await leases.release_all()  # the batches planned but never started
            raise
        finally:  # the client's counts, not the batches' sum: batches side by side saw each other's requests
            summary.requests, summary.complexity, summary.rate_limited = (
                had + now - then for had, now, then in zip(counted, _client_counts(client), before,
                                                            strict=True))
    return summary


def _leases(config: Config, store: AsyncStore, leases: ClaimLeases | None
            ) -> contextlib.AbstractAsyncContextManager[ClaimLeases]:
    """The run's leases when it has them, else a heartbeat of the caller's own for as long as it runs."""
    return ClaimLeases(store, config.sync) if leases is None else contextlib.nullcontext(leases)


def _client_counts(client: MondayClient) -> tuple[int, int, int]:
    return client.stats.requests, client.stats.complexity_spent, client.stats.http_429
