"""What the Azure Functions do: one job per function, called by ``function_app.py`` with plain values.

App settings are read once per process (:mod:`.settings`); the monday client, the workbook reader and the
storage clients (queue, inbox) are imported by the job that needs them, which keeps the host's indexing of
``function_app.py`` fast. Failures of a whole run (storage, database or monday unavailable, a bad token) are
raised so the host retries the invocation; a bad file or a bad record never is. The store's schema: a SQLite
file is brought up to date when opened; SQL Server changes only through ``python -m shared db migrate``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from azure.core.exceptions import AzureError

from ..common.errors import MondayError, OrderSyncError
from ..store import open_store, store_off_loop
from ..telemetry import INGEST, PLAN, event_scope, stage_run
from .settings import app_settings, ordersync_config

if TYPE_CHECKING:
    from ..excel import FileReport
    from ..sync import BatchMessage, ReconcileReport, RunSummary

log = logging.getLogger(__name__)


def plan_sync(*, past_due: bool = False) -> list[BatchMessage]:
    """Timer: claim every order that needs monday work and queue it as batch messages."""
    if past_due:
        log.warning("plan_sync is past due: the previous run overran or the app was not running at the time")
    return _plan_and_queue("timer")


def _plan_and_queue(reason: str) -> list[BatchMessage]:
    from ..sync import PlanTick, plan_batches, recorded_run
    from . import batch_queue

    settings, config = app_settings(), ordersync_config()
    tick = PlanTick()
    with stage_run(PLAN, trigger=reason) as run, recorded_run(config, "plan", "function", tick):
        # the messages carry this span's trace context
        with open_store(config) as store:
            messages = plan_batches(config, store)
            run.record_backlog(*store.backlog())
        tick.count(messages)
        run.record(orders=tick.orders, batches=tick.batches,
                   customers=sorted({message.customer for message in messages}),
                   claims=[message.claim_id for message in messages])
        # A send failing part-way leaves unsent batches claimed: the claims expire, they are planned again.
        queue = batch_queue.host_queue(settings.storage.queue_service, settings.sync_queue)
        batch_queue.send_batches(queue, messages)
    log.info("planned (%s): %d orders in %d batches onto queue %s", reason, tick.orders, tick.batches,
             settings.sync_queue)
    return messages


async def sync_batch(body: str | bytes, *, message_id: str | None = None, dequeue_count: int | None = None
                     ) -> RunSummary | None:
    """Queue: mirror one batch on monday. Raises only when monday (or the store) fails as a whole.

    A message that is not a batch is moved to the poison queue at once (retrying cannot make it one) and the
    invocation succeeds, so the host deletes it instead of retrying it five times.
    """
    from ..monday import MondayClient
    from ..sync import BatchMessage, RunSummary, record_run
    from ..sync import sync_batch as sync_orders
    from . import batch_queue

    settings, config = app_settings(), ordersync_config()
    try:
        message = BatchMessage.from_json(body)
    except ValueError as exc:
        poison = batch_queue.poison_queue_name(settings.sync_queue)
        batch_queue.send_raw(batch_queue.host_queue(settings.storage.queue_service, poison),
                             body.encode() if isinstance(body, str) else body)
        log.error("queue message %s is not a batch (%s); moved to %s untouched", message_id, exc, poison)
        return None
    where = (f"batch {message.claim_id} ({message.customer}, {len(message.record_uuids)} orders, "
             f"delivery {dequeue_count or 1})")
    stopped = RunSummary()  # what the run history keeps of a batch that stopped before its summary
    with event_scope(message_id=message_id, delivery=dequeue_count or 1):
        # the store is opened, used and closed off the event loop the other invocations share
        client = MondayClient(config, url=settings.monday_api_url, token=settings.monday_api_token)
        async with store_off_loop(config) as store, client:
            try:
                summary = await sync_orders(config, store, client, message)  # counts its own requests
            except MondayError as exc:
                log.error("%s: monday failed as a whole (%s: %s); its orders stay pending and the host "
                          "retries the message", where, type(exc).__name__, exc)
                await store.call(record_run, config, "sync", "function", stopped.finish(), error=exc,
                                 store=store.wrapped)
                raise
            await store.call(record_run, config, "sync", "function", summary, store=store.wrapped)
    log.log(logging.INFO if summary.ok else logging.WARNING, "%s:\n%s", where, summary.render())
    return summary


async def reconcile_board(*, past_due: bool = False) -> ReconcileReport:
    """Timer (nightly): compare the board with the store and repair the drift. What the sync writes is marked
    and queued at once (one message per customer batch, for the queue workers: a repair after a board was
    emptied outlasts one invocation); duplicates are archived and extra subitems removed here."""
    from ..monday import MondayClient
    from ..sync import reconcile_board as reconcile

    if past_due:
        log.warning("reconcile_board is past due: the previous run overran or the app was not running")
    settings, config = app_settings(), ordersync_config()
    client = MondayClient(config, url=settings.monday_api_url, token=settings.monday_api_token)
    async with store_off_loop(config) as store, client:
        report = await reconcile(config, store, client, repair_drift=True, sync=False, source="function")
    if report.queued_orders:
        _plan_and_queue("after reconcile")
    level = logging.INFO if not report.found.total else logging.WARNING if report.ok else logging.ERROR
    log.log(level, "reconcile:\n%s", report.render())
    return report


def ingest_orders(blob_path: str, data: bytes, *, blob_properties: Mapping | None = None) -> FileReport:
    """Blob: ingest one workbook, file it (archive or rejected, with its report), then plan right away."""
    from ..excel import ACCEPTED, REJECTED, ingest_file
    from . import inbox

    settings, config = app_settings(), ordersync_config()
    container, name = inbox.split_blob_path(blob_path)
    with stage_run(INGEST, file=name, blob=blob_path) as run:  # the file's trace; its plan continues it
        with open_store(config) as store:
            report = ingest_file(config, store, data, name)
        run.record(outcome=report.outcome, customer=report.customers, content_hash=report.content_hash,
                   rows=report.rows, new=report.new, changed=report.changed, unchanged=report.unchanged,
                   rejected=report.rejected, removed=report.removed, lines_new=report.lines_new,
                   lines_changed=report.lines_changed, lines_removed=report.lines_removed,
                   reason=report.message)
        rejected = report.outcome == REJECTED
        destination = settings.rejected_container if rejected else settings.archive_container
        filed = inbox.file_workbook(settings.storage.blob_service, container, name, data, destination,
                                    report.to_dict(), etag=_etag(blob_properties))
        run.record(filed=f"{filed.container}/{filed.name}")
        log.log(logging.WARNING if rejected else logging.INFO,
                "%s: %s (%s new, %s changed, %s rows rejected) -> %s/%s%s", blob_path, report.outcome,
                report.new, report.changed, report.rejected, filed.container, filed.name,
                f": {report.message}" if report.message else "")
        if filed.left_in_inbox:
            log.info("%s was replaced while it was ingested; the newer upload stays for its own trigger",
                     blob_path)
        if report.outcome == ACCEPTED and settings.plan_after_ingest:
            try:
                _plan_and_queue(f"after ingest of {name}")
            except (OrderSyncError, AzureError) as exc:  # the file is filed; the timer plans its orders
                log.warning("planning after the ingest of %s failed (%s); the timer plans its orders", name,
                            exc)
    return report


def order_status() -> tuple[int, dict]:
    """HTTP: (status code, body) — ``python -m shared status --json`` with every error text reduced to its
    kind and column (the texts may quote cell values; the operator's own terminal shows them in full)."""
    from ..sync import status_report

    try:
        config = ordersync_config()
        with open_store(config) as store:
            return 200, status_report(config, store, redact=True)
    except OrderSyncError as exc:  # messages of these types never carry secrets
        log.error("status: %s", exc)
        return 503, {"error": str(exc)}


def status_page() -> tuple[int, str, str, dict[str, str]]:
    """HTTP: (status code, mimetype, body, security headers) of the status page, with no order value beyond
    business key, customer and state; 503 with the reason when the configuration or the store fails."""
    from ..status_page import SECURITY_HEADERS, page_response

    code, content_type, body = page_response(ordersync_config)
    return int(code), content_type.split(";")[0], body, dict(SECURITY_HEADERS)


def _etag(blob_properties: Mapping | None) -> str | None:
    """The ingested version's ETag from the trigger's blob properties, when the host gave one."""
    etag = (blob_properties or {}).get("ETag")
    return etag if isinstance(etag, str) and etag else None
