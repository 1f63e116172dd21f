"""Trace context and dependency spans: the Functions invocation a span continues, the ``traceparent`` a queue
message carries, and one client span per monday POST and per SQL transaction.

Spans carry names, ids, counts and status codes only: never a request body, a header, a token or a
connection string.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from .metrics import instruments
from .providers import tracer

_W3C = TraceContextTextMapPropagator()


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span; None when nothing is traced (no SDK, or no span)."""
    carrier: dict[str, str] = {}
    _W3C.inject(carrier)
    return carrier.get("traceparent")


def context_of(traceparent: str | None, tracestate: str | None = None) -> otel_context.Context | None:
    """The context a ``traceparent`` names, or None when it names none (absent or malformed)."""
    if not traceparent:
        return None
    carrier = {"traceparent": traceparent, **({"tracestate": tracestate} if tracestate else {})}
    extracted = _W3C.extract(carrier)
    return extracted if trace.get_current_span(extracted).get_span_context().is_valid else None


@contextmanager
def host_invocation(context: Any) -> Iterator[None]:
    """Continue the Functions host's trace of this invocation (``func.Context.trace_context``), so the spans
    and events of the function share the operation id of the host's ``requests`` row."""
    trace_context = getattr(context, "trace_context", None)
    parent = context_of(getattr(trace_context, "trace_parent", None),
                        getattr(trace_context, "trace_state", None))
    token = otel_context.attach(parent) if parent is not None else None
    try:
        yield
    finally:
        if token is not None:
            otel_context.detach(token)


class MondayCall:
    """What one POST to monday answered, for its span and the metrics."""

    def __init__(self, span: trace.Span, operation: str):
        self.span, self.operation = span, operation
        self.status: int | str = "none"

    def answered(self, status: int | str, headers: Mapping[str, str], payload: Any) -> None:
        """Record the answer: HTTP status (or ``timeout`` / ``connection``) and the complexity it cost."""
        self.status = status
        if isinstance(status, int):
            self.span.set_attribute("http.response.status_code", status)
        else:
            self.span.set_attribute("error.type", status)
        data = payload.get("data") if isinstance(payload, Mapping) else None
        complexity = data.get("complexity") if isinstance(data, Mapping) else None
        replayed = str(headers.get("Idempotency-Replayed", "")).lower() == "true"  # charged the first time
        cost = complexity.get("query") if isinstance(complexity, Mapping) and not replayed else None
        if isinstance(cost, int | float) and cost > 0:
            self.span.set_attribute("monday.complexity", int(cost))
            instruments().monday_complexity.add(int(cost), {"operation": self.operation})


@contextmanager
def monday_request(operation: str, url: str, units: int) -> Iterator[MondayCall]:
    """A client span and the latency of one POST to monday (``operation``: the GraphQL document's name)."""
    started = time.perf_counter()
    with tracer().start_as_current_span(f"monday {operation}", kind=trace.SpanKind.CLIENT, attributes={
            "http.request.method": "POST", "url.full": url, "server.address": urlsplit(url).hostname or "",
            "monday.operation": operation, "monday.units": units}) as span:
        call = MondayCall(span, operation)
        try:
            yield call
        finally:
            instruments().monday_request_duration.record(
                (time.perf_counter() - started) * 1000, {"operation": operation, "status": str(call.status)})


@contextmanager
def sql_transaction(system: str, work: Callable) -> Iterator[None]:
    """A client span for one store transaction, named after the store method that runs it."""
    operation = work.__qualname__.split(".<locals>")[0].rpartition(".")[2] or "transaction"
    with tracer().start_as_current_span(f"SQL {operation}", kind=trace.SpanKind.CLIENT, attributes={
            "db.system.name": system, "db.operation.name": operation}):
        yield
