"""Sync: one batch message in, its orders mirrored on monday, every record's outcome written back.

The worker takes the batch's claim with its own token (a duplicate delivery finds it taken and skips),
reads the orders' current rows, asks :mod:`.plan` what to write, and sends it: the customer's
groups, then the items (after adopting any the board already holds under the order's key), then the
subitems (after adopting any the parent already holds under the same name). Each success is written back to
the store as monday answers, under the worker's claim; a failed record gets FAILED, its attempt count,
monday's message and its next retry time, and never stops the others. Failures of monday itself (down,
budget spent past the retries, a refused token) and of the store end a batch early: they are raised after the
claim is released, with the unfinished records left pending. monday's daily call limit ends it too, but is
not raised: the store remembers until when it is spent, and nothing is planned or sent before then.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Collection
from datetime import timedelta
from typing import TYPE_CHECKING

from ..common.errors import DailyLimitExceeded, StoreError
from ..config import Config
from ..monday import MondayClient
from ..store import open_store
from ..telemetry import SYNC_BATCH, annotate, stage_run
from .batch import BatchSync, all_done
from .planner import BatchMessage, plan_batches, preview_batches, utc_now
from .progress import SyncProgress
from .run_history import recorded_run
from .summary import RunSummary

if TYPE_CHECKING:
    from ..store import OrderStore

log = logging.getLogger(__name__)

BATCHES_AT_ONCE = 4  # run_sync: batches in flight together, sharing the client's request slots


async def sync_batch(config: Config, store: OrderStore, client: MondayClient, message: BatchMessage, *,
                     dry_run: bool = False) -> RunSummary:
    """Mirror the orders the message names; per-record failures are in the summary, never raised.

    While monday's daily call limit is spent (the store remembers until when) nothing is sent: the batch's
    orders are released and stay pending. Meeting the limit mid-batch records the pause and ends the batch
    the same way; the summary says until when (``daily_limit_until``). Its telemetry (span and
    ``ordersync.sync_batch`` event) continues the trace the message carries.
    """
    summary = RunSummary(dry_run=dry_run, batches=1)
    paused_until = store.daily_limit_until(utc_now())
    if paused_until is not None:
        if not dry_run:
            store.release_claim(message.claim_id)
        log.info("batch %s (%s): monday's daily call limit is spent until %s; its %d orders stay pending",
                 message.claim_id, message.customer, paused_until, len(message.record_uuids))
        summary.batches, summary.daily_limit_until = 0, paused_until
        return summary.finish()
    before = _client_counts(client)
    with stage_run(SYNC_BATCH, traceparent=message.traceparent, enabled=not dry_run,
                   customer=message.customer, claim=message.claim_id) as run:
        try:
            await _sync_orders(config, store, client, message, summary, dry_run)
        except DailyLimitExceeded as exc:
            summary.daily_limit_until = store.pause_for_daily_limit(exc.resets_at)
            log.warning("batch %s (%s): monday's daily call limit is spent (DailyLimitExceeded) until %s; "
                        "what was written is saved, the rest stays pending and nothing is sent before then",
                        message.claim_id, message.customer, summary.daily_limit_until)
        finally:  # a batch monday stopped still reports what it wrote
            summary.requests, summary.complexity, summary.rate_limited = (
                after - then for after, then in zip(_client_counts(client), before, strict=True))
            run.record_summary(summary.finish().to_dict())
    return summary


async def _sync_orders(config: Config, store: OrderStore, client: MondayClient, message: BatchMessage,
                       summary: RunSummary, dry_run: bool) -> None:
    if dry_run:  # reads only: no claim taken, nothing written to monday or the store
        orders, lines = store.load_batch(message.record_uuids)
        await BatchSync(config, store, client, summary, dry_run=True).run(orders, lines)
        return
    token = uuid.uuid4().hex
    now = utc_now()
    taken = store.claim_orders(message.record_uuids, token, now,
                               now + timedelta(seconds=config.sync.claim_timeout_seconds),
                               from_claim=message.claim_id)
    if len(taken) < len(message.record_uuids):
        log.info("batch %s (%s): %d of %d orders are claimed by another worker and left to it",
                 message.claim_id, message.customer, len(message.record_uuids) - len(taken),
                 len(message.record_uuids))
    if not taken:
        summary.batches, summary.batches_skipped = 0, 1
        return
    try:
        orders, lines = store.load_batch(taken, claim_id=token)
        annotate(keys=[order.business_key for order in orders])  # "what happened to order X" in KQL
        await BatchSync(config, store.claimed_by(token), client, summary, dry_run=False).run(orders, lines)
    except BaseException:
        _release_claim(store, token, message, len(taken), failing=True)
        raise
    _release_claim(store, token, message, len(taken))


def _release_claim(store: OrderStore, token: str, message: BatchMessage, taken: int, *,
                   failing: bool = False) -> None:
    """Free the batch's orders. When the batch is failing already, a release that fails too (the same broken
    database, most likely) is logged rather than raised, so the first error is the one reported."""
    try:
        released = store.release_claim(token)
    except StoreError as exc:
        if not failing:
            raise
        log.error("batch %s (%s): its claim could not be released (%s); its orders are planned again when "
                  "the claim expires", message.claim_id, message.customer, exc)
        return
    if released < taken:
        log.warning("batch %s (%s): %d of its orders were taken over by another worker while it ran (its "
                    "claim expired); their state was left to that worker", message.claim_id, message.customer,
                    taken - released)


def run_sync(config: Config, *, customer: str | None = None, limit: int | None = None, dry_run: bool = False,
             url: str | None = None, token: str | None = None, source: str = "cli",
             progress: SyncProgress | None = None) -> RunSummary:
    """Plan and sync all pending work in this process (the CLI ``sync``, the demo and the tests).

    ``url`` / ``token`` default to $MONDAY_API_URL / $MONDAY_API_TOKEN (see :class:`MondayClient`). The run
    is recorded in the run history as coming from ``source`` (a dry run, which writes nothing, is not).
    ``progress``, when given, counts the records planned and answered as the run goes (another thread may
    read it).
    """
    summary = RunSummary(dry_run=dry_run)
    with recorded_run(config, "sync", source, summary, record=not dry_run):
        return asyncio.run(_run_sync(config, customer, limit, dry_run, url, token, summary, progress))


async def _run_sync(config: Config, customer: str | None, limit: int | None, dry_run: bool, url: str | None,
                    token: str | None, summary: RunSummary, progress: SyncProgress | None) -> RunSummary:
    with open_store(config) as store:
        store.migrate()
        summary.daily_limit_until = store.daily_limit_until(utc_now())
        if summary.daily_limit_until is not None:  # monday would refuse every call: make none
            return summary.finish()
        async with MondayClient(config, url=url, token=token) as client:
            try:
                await sync_pending(config, store, client, summary, customer=customer, limit=limit,
                                   dry_run=dry_run, progress=progress)
            finally:  # the client's totals: batches that ran side by side saw each other's requests
                summary.requests, summary.complexity, summary.rate_limited = _client_counts(client)
    return summary.finish()


async def sync_pending(config: Config, store: OrderStore, client: MondayClient, summary: RunSummary, *,
                       customer: str | None = None, limit: int | None = None, dry_run: bool = False,
                       only: Collection[str] | None = None, progress: SyncProgress | None = None
                       ) -> RunSummary:
    """Plan and sync the pending work (``only``: of these orders) with this client, batches side by side;
    what was deleted on the board meanwhile is made again in one more round. ``progress`` counts the records
    planned and answered."""
    plan = preview_batches if dry_run else plan_batches
    lanes = asyncio.Semaphore(BATCHES_AT_ONCE)

    async def one(message: BatchMessage) -> None:
        async with lanes:
            summary.merge(await sync_batch(config, store, client, message, dry_run=dry_run))

    async def round_of(messages: list[BatchMessage]) -> None:
        if progress is not None:
            progress.add_planned(config, store, messages)
        await all_done(*(one(message) for message in messages))

    with progress.running(client) if progress else contextlib.nullcontext():
        await round_of(plan(config, store, customer=customer, limit=limit, only=only))
        if summary.missing_on_board and not dry_run:  # make what was deleted on the board again
            await round_of(plan(config, store, customer=customer, only=only))
    return summary


def _client_counts(client: MondayClient) -> tuple[int, int, int]:
    return client.stats.requests, client.stats.complexity_spent, client.stats.http_429
