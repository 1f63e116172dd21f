"""Azure Functions entry points (Python v2 model). Wiring only: each function calls one job of
``shared.functions.jobs``.

The schedule, the queue and the inbox container are app settings read once, when the host indexes this file,
with defaults when a setting is absent (``%SETTING%`` binding expressions would have none); changing an app
setting restarts the app, so a new value always takes effect.

Each function takes the invocation's ``context`` (the worker passes it) so the app's spans and events continue
the host's trace of that invocation; ``None`` when a test calls a function without one.
"""

import json
import logging

import azure.functions as func

from shared.functions import jobs
from shared.functions.settings import STORAGE_SETTING, app_settings
from shared.telemetry import configure_telemetry, host_invocation

# The storage SDK logs every HTTP request at INFO; those lines would drown the jobs' own.
logging.getLogger("azure.core.pipeline.policies.http_logging_policy").setLevel(logging.WARNING)

configure_telemetry()  # Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING is set; else the no-op API
settings = app_settings()
app = func.FunctionApp()


@app.timer_trigger(arg_name="timer", schedule=settings.sync_schedule, run_on_startup=False)
def plan_sync(timer: func.TimerRequest, context: func.Context = None) -> None:
    with host_invocation(context):
        jobs.plan_sync(past_due=timer.past_due)


@app.timer_trigger(arg_name="timer", schedule=settings.reconcile_schedule, run_on_startup=False)
async def reconcile_board(timer: func.TimerRequest, context: func.Context = None) -> None:
    with host_invocation(context):
        await jobs.reconcile_board(past_due=timer.past_due)


@app.queue_trigger(arg_name="message", queue_name=settings.sync_queue, connection=STORAGE_SETTING)
async def sync_batch(message: func.QueueMessage, context: func.Context = None) -> None:
    with host_invocation(context):
        await jobs.sync_batch(message.get_body(), message_id=message.id, dequeue_count=message.dequeue_count)


@app.blob_trigger(arg_name="blob", path=f"{settings.orders_container}/{{name}}",
                  connection=STORAGE_SETTING, source=func.BlobSource(settings.blob_trigger_source))
def ingest_orders(blob: func.InputStream, context: func.Context = None) -> None:
    with host_invocation(context):
        jobs.ingest_orders(blob.name, blob.read(), blob_properties=blob.blob_properties)


@app.route(route="status", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def status(req: func.HttpRequest) -> func.HttpResponse:
    code, body = jobs.order_status()
    return func.HttpResponse(json.dumps(body, indent=2, default=str, ensure_ascii=False), status_code=code,
                             mimetype="application/json")


@app.route(route="status/page", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def status_page(req: func.HttpRequest) -> func.HttpResponse:
    code, mimetype, body, headers = jobs.status_page()
    return func.HttpResponse(body, status_code=code, mimetype=mimetype, charset="utf-8", headers=headers)
