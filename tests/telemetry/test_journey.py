"""Acceptance: one workbook's journey through the functions (blob -> ingest -> plan -> queue -> sync batches)
yields one connected trace, one event per stage and the metrics, and no secret in any of them.

Real parts as in tests/functions: Azurite, a SQLite file, the monday emulator over HTTP; the test plays the
host with the binding objects and the invocation context. Application Insights is replaced by the SDK's
in-memory exporters (conftest).
"""

from __future__ import annotations

import importlib
import sqlite3

import pytest

import function_app
from shared.sync import BatchMessage
from shared.telemetry import INGEST, PLAN, SYNC_BATCH
from shared.telemetry.metrics import (
    MONDAY_COMPLEXITY,
    MONDAY_REQUEST_DURATION,
    ORDERS_PARKED,
    ORDERS_PENDING,
    RECORDS_WRITTEN,
)

from ..azurite import app_environment, azurite  # noqa: F401
from ..functions.test_functions_e2e import (  # noqa: F401  (fixtures)
    SAMPLES,
    TOKEN,
    deliver_blob,
    monday,
    receive_as_host,
    run_queue_function,
    storage,
)
from .host import HostContext

pytestmark = pytest.mark.azurite


@pytest.fixture(scope="module")
def functions() -> dict:
    """The user functions of function_app imported afresh (an app object can be indexed only once)."""
    return {fn.get_function_name(): fn.get_user_function()
            for fn in importlib.reload(function_app).app.get_functions()}


def dimensions(record) -> dict:
    return dict(record.log_record.attributes or {})


def ancestry(span, by_id: dict) -> list[str]:
    """The names of a span's ancestors in this process, nearest first."""
    names = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


def point_sum(points, **attributes) -> float:
    return sum(point.value if hasattr(point, "value") else point.sum for point in points
               if all(point.attributes.get(name) == value for name, value in attributes.items()))


def test_one_file_one_trace_from_the_blob_to_the_subitem_writes(functions, storage, monday,  # noqa: F811
                                                               telemetry, azurite):  # noqa: F811
    storage.upload("johnnie_o.xlsx", (SAMPLES / "johnnie_o.xlsx").read_bytes())
    blob_invocation = HostContext("ingest_orders")
    deliver_blob(functions, storage, "johnnie_o.xlsx", context=blob_invocation)
    planned = receive_as_host(storage)
    queue_invocations = []
    for message, received in planned:
        queue_invocations.append(HostContext("sync_batch"))
        run_queue_function(functions, storage, message, received, context=queue_invocations[-1])

    with sqlite3.connect(storage.database) as connection:
        orders, lines = (connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                         for table in ("ORDER_LIST_V2", "ORDER_LIST_LINES"))
        [synced] = connection.execute("SELECT COUNT(*) FROM ORDER_LIST_V2 WHERE sync_state = 'SYNCED'")
    assert orders > 0 and lines > 0 and synced == (orders,) and planned

    # -- one trace: the host's blob invocation -> ingest -> plan -> (queue message) -> each sync batch -------
    spans = telemetry.spans()
    by_id = {span.context.span_id: span for span in spans}
    journey = blob_invocation.trace_id
    queue_traces = {invocation.span_id: invocation.trace_id for invocation in queue_invocations}
    for span in spans:  # opening the store before a batch is the queue invocation's own work
        assert span.context.trace_id == journey or (
            span.name.startswith("SQL ") and queue_traces[span.parent.span_id] == span.context.trace_id)
    [ingest] = telemetry.spans(INGEST)
    assert ingest.parent.span_id == blob_invocation.span_id and ingest.parent.is_remote
    [plan] = telemetry.spans(PLAN)
    assert plan.parent.span_id == ingest.context.span_id
    traceparents = {BatchMessage.from_json(message.get_body()).traceparent for message, _ in planned}
    assert traceparents == {f"00-{journey:032x}-{plan.context.span_id:016x}-01"}
    batches = telemetry.spans(SYNC_BATCH)
    assert len(batches) == len(planned)
    for batch in batches:  # continued from the message, linked to the host's own trace of the invocation
        assert batch.parent.span_id == plan.context.span_id
        [link] = batch.links
        assert queue_traces[link.context.span_id] == link.context.trace_id
    subitem_writes = telemetry.spans("monday create_subitem")
    assert subitem_writes
    for write in subitem_writes:
        assert ancestry(write, by_id)[-3:] == [SYNC_BATCH, PLAN, INGEST]
        assert write.attributes["http.response.status_code"] == 200 and write.attributes["monday.units"] >= 1
    sql = {span.name: ancestry(span, by_id) for span in spans if span.name.startswith("SQL ")}
    assert sql["SQL apply_ingest"] == [INGEST]
    assert sql["SQL claim_orders"][-2:] == [PLAN, INGEST]
    assert SYNC_BATCH in sql["SQL line_synced"]

    # -- one event per stage, in the same trace, with ids, counts and outcome --------------------------------
    [ingested] = telemetry.events(INGEST)
    assert ingested.log_record.trace_id == journey
    assert {"outcome": "accepted", "file": "johnnie_o.xlsx", "customer": "JOHNNIE-O", "new": orders,
            "changed": 0, "rejected": 0, "lines_new": lines, "removed": 0, "rows": orders,
            "blob": f"{storage.inbox}/johnnie_o.xlsx", "filed": f"{storage.archive}/johnnie_o.xlsx",
            }.items() <= dimensions(ingested).items()
    assert dimensions(ingested)["duration_ms"] > 0
    [plan_event] = telemetry.events(PLAN)
    claims = sorted(BatchMessage.from_json(message.get_body()).claim_id for message, _ in planned)
    assert dimensions(plan_event)["outcome"] == "ok" and dimensions(plan_event)["orders"] == orders
    assert dimensions(plan_event)["batches"] == len(planned) and dimensions(plan_event)["pending"] == orders
    assert sorted(dimensions(plan_event)["claims"].split(", ")) == claims
    sync_events = [dimensions(record) for record in telemetry.events(SYNC_BATCH)]
    assert sorted(event["claim"] for event in sync_events) == claims
    assert {event["message_id"] for event in sync_events} == {message.id for message, _ in planned}
    assert {(event["outcome"], event["failed"], event["parked"], event["daily_limit"], event["delivery"])
            for event in sync_events} == {("ok", 0, 0, False, 1)}
    assert sum(event["items_created"] for event in sync_events) == orders
    assert sum(event["subitems_created"] for event in sync_events) == lines
    assert sum(len(event["keys"].split(", ")) for event in sync_events) == orders
    assert {event["invocation_operation_id"] for event in sync_events} == {
        f"{invocation.trace_id:032x}" for invocation in queue_invocations}
    assert all(event["requests"] > 0 and event["complexity"] > 0 for event in sync_events)

    # -- metrics ---------------------------------------------------------------------------------------------
    written = telemetry.metric_points(RECORDS_WRITTEN)
    assert point_sum(written, record="item", action="created") == orders
    assert point_sum(written, record="subitem", action="created") == lines
    assert point_sum(telemetry.metric_points(ORDERS_PENDING)) == orders  # as the plan saw it
    assert point_sum(telemetry.metric_points(ORDERS_PARKED)) == 0
    [latency] = [p for p in telemetry.metric_points(MONDAY_REQUEST_DURATION)
                 if p.attributes == {"operation": "create_subitem", "status": "200"}]
    assert latency.count == len(subitem_writes) and latency.min > 0
    assert point_sum(telemetry.metric_points(MONDAY_COMPLEXITY)) == sum(event["complexity"]
                                                                        for event in sync_events)

    # -- nothing carries the monday token or a connection string ---------------------------------------------
    secrets = {TOKEN, azurite.connection_string, storage.database.as_posix()}
    secrets |= {part.partition("=")[2] for part in azurite.connection_string.split(";") if "Key=" in part}
    texts = [span.name for span in spans]
    texts += [str(value) for span in spans for value in span.attributes.values()]
    texts += [str(value) for span in spans for event in span.events for value in event.attributes.values()]
    texts += [str(span.status.description) for span in spans]
    texts += [str(record.log_record.body) for record in telemetry.records()]
    texts += [str(value) for record in telemetry.records() for value in dimensions(record).values()]
    texts += [str(value) for name in (RECORDS_WRITTEN, MONDAY_REQUEST_DURATION)
              for point in telemetry.metric_points(name) for value in point.attributes.values()]
    assert len(texts) > 100
    assert not [text for text in texts if any(secret in text for secret in secrets if secret)]
