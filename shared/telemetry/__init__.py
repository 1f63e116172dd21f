"""Telemetry: OpenTelemetry spans, custom events and metrics of every stage, and the Azure Monitor setup.

Without ``APPLICATIONINSIGHTS_CONNECTION_STRING`` everything here is the OpenTelemetry API's no-op (the CLI
and the tests stay offline); with it, :func:`configure_telemetry` hands the API to the Azure Monitor distro.
The names emitted are the contract of docs/operations.md ("Telemetry names"). Imports only ``common``.
"""

from ..common.exports import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "events": ("INGEST", "PLAN", "RECONCILE", "SYNC_BATCH", "event_scope"),
    "providers": ("use_providers",),
    "runs": ("annotate", "stage_run"),
    "setup": ("configure_telemetry",),
    "tracing": ("current_traceparent", "host_invocation", "monday_request", "sql_transaction"),
})
