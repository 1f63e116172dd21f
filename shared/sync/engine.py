"""Sync: one batch message in, its orders mirrored on monday, every record's outcome written back.

The worker takes the batch's claim with its own token (a duplicate delivery finds it taken and skips),
reads the orders' current rows, asks :mod:`.plan` what to write, and sends it: the customer's
groups, then the items (after adopting any the board already holds under the order's key), then the
subitems (after adopting any the parent already holds under the same name). Each success is written back to
the store as monday answers; a failed record gets FAILED, its attempt count, monday's message and its next
retry time, and never stops the others. Only failures of monday itself (down, budget spent past the retries,
daily limit) end a batch early: they are raised after the claim is released, with the unfinished records
left pending.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from ..config import Config
from ..monday import MondayClient
from ..store import open_store
from .batch import BatchSync, all_done
from .planner import BatchMessage, plan_batches, preview_batches, utc_now
from .summary import RunSummary
from .unit_costs import load_unit_costs, save_unit_costs

if TYPE_CHECKING:
    from ..store import OrderStore

log = logging.getLogger(__name__)

BATCHES_AT_ONCE = 8  # run_sync: batches in flight together, sharing the client's request slots


async def sync_batch(config: Config, store: OrderStore, client: MondayClient, message: BatchMessage, *,
                     dry_run: bool = False) -> RunSummary:
    """Mirror the orders the message names; per-record failures are in the summary, never raised."""
    before = _client_counts(client)
    load_unit_costs(config, store, client)
    try:
        summary = await _sync_orders(config, store, client, message, dry_run)
    finally:
        if not dry_run:
            save_unit_costs(config, store, client)
    summary.requests, summary.complexity, summary.rate_limited = (
        after - then for after, then in zip(_client_counts(client), before, strict=True))
    return summary.finish()


async def _sync_orders(config: Config, store: OrderStore, client: MondayClient, message: BatchMessage,
                       dry_run: bool) -> RunSummary:
    summary = RunSummary(dry_run=dry_run, batches=1)
    if dry_run:  # reads only: no claim taken, nothing written to monday or the store
        orders, lines = store.load_batch(message.record_uuids)
        await BatchSync(config, store, client, summary, dry_run=True).run(orders, lines)
        return summary
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
        return summary
    try:
        orders, lines = store.load_batch(taken, claim_id=token)
        await BatchSync(config, store, client, summary, dry_run=False).run(orders, lines)
    finally:
        store.release_claim(token)
    return summary


def run_sync(config: Config, *, customer: str | None = None, limit: int | None = None, dry_run: bool = False,
             url: str | None = None, token: str | None = None) -> RunSummary:
    """Plan and sync all pending work in this process (the CLI ``sync``, the demo and the tests).

    ``url`` / ``token`` default to $MONDAY_API_URL / $MONDAY_API_TOKEN (see :class:`MondayClient`).
    """
    return asyncio.run(_run_sync(config, customer, limit, dry_run, url, token))


async def _run_sync(config: Config, customer: str | None, limit: int | None, dry_run: bool, url: str | None,
                    token: str | None) -> RunSummary:
    summary = RunSummary(dry_run=dry_run)
    with open_store(config) as store:
        store.migrate()
        plan = preview_batches if dry_run else plan_batches
        messages = plan(config, store, customer=customer, limit=limit)
        async with MondayClient(config, url=url, token=token) as client:
            lanes = asyncio.Semaphore(BATCHES_AT_ONCE)

            async def one(message: BatchMessage) -> None:
                async with lanes:
                    summary.merge(await sync_batch(config, store, client, message, dry_run=dry_run))

            try:
                await all_done(*(one(message) for message in messages))
                if summary.missing_on_board and not dry_run:  # make what was deleted on the board again
                    await all_done(*(one(message) for message in plan(config, store, customer=customer)))
            finally:  # the client's totals: batches that ran side by side saw each other's requests
                summary.requests, summary.complexity, summary.rate_limited = _client_counts(client)
    return summary.finish()


def _client_counts(client: MondayClient) -> tuple[int, int, int]:
    return client.stats.requests, client.stats.complexity_spent, client.stats.http_429
