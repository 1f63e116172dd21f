"""Telemetry: OpenTelemetry spans, custom events and metrics of every stage, and the Azure Monitor setup.

Without ``APPLICATIONINSIGHTS_CONNECTION_STRING`` everything here is the OpenTelemetry API's no-op (the CLI
and the tests stay offline); with it, :func:`configure_telemetry` hands the API to the Azure Monitor distro.
The names emitted are the contract of docs/operations.md ("Telemetry names"). Imports only ``common``.
"""

from ..common.exports import lazy_exports

_EXPORTS = {
    "INGEST": "events",
    "PLAN": "events",
    "RECONCILE": "events",
    "SYNC_BATCH": "events",
    "event_scope": "events",
    "configure_telemetry": "setup",
    "use_providers": "providers",
    "annotate": "runs",
    "stage_run": "runs",
    "current_traceparent": "tracing",
    "host_invocation": "tracing",
    "monday_request": "tracing",
    "sql_transaction": "tracing",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
