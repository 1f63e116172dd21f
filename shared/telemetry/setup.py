"""Azure Monitor at start: the distro takes over the OpenTelemetry API when
``APPLICATIONINSIGHTS_CONNECTION_STRING`` is set, and nothing happens otherwise (the CLI, the tests).

The distro is imported only then, so a cold start without it pays for the OpenTelemetry API alone. With
``APPLICATIONINSIGHTS_AUTHENTICATION_STRING`` = ``Authorization=AAD;ClientId=<id>`` (the component refuses
instrumentation keys) telemetry is sent with the managed identity's Entra token.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from .providers import EVENTS_LOGGER

CONNECTION_SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
AUTHENTICATION_SETTING = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
RESOURCE_DETECTORS = "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS"

log = logging.getLogger(__name__)
_configured = False


def managed_identity_client_id(authentication: str) -> tuple[bool, str | None]:
    """(Entra sign-in wanted, the user-assigned identity's client id or None for the system identity)."""
    fields = {name.strip().casefold(): value.strip() for name, _, value in
              (part.partition("=") for part in authentication.split(";")) if name.strip()}
    return fields.get("authorization", "").casefold() == "aad", fields.get("clientid") or None


def azure_monitor_options(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """The distro's arguments for these settings; None when there is no connection string."""
    connection_string = environ.get(CONNECTION_SETTING) or ""
    if not connection_string.strip():
        return None
    options: dict[str, Any] = {
        "connection_string": connection_string,
        "logger_name": EVENTS_LOGGER,  # the app's log lines reach Application Insights through the host
        "sampling_ratio": 1.0,  # a few files a day: every trace whole, or a file's journey has holes
        "enable_live_metrics": False,  # the host's live metrics stream covers the app
        "enable_performance_counters": False,  # the host reports the instance's counters
        # The Azure SDK's spans (blob and queue calls) are dependencies worth having; the web frameworks and
        # HTTP libraries the distro would patch are not used by the app.
        "instrumentation_options": {name: {"enabled": False} for name in (
            "django", "fastapi", "flask", "httpx", "httpx2", "psycopg2", "requests", "urllib", "urllib3")},
    }
    entra, client_id = managed_identity_client_id(environ.get(AUTHENTICATION_SETTING) or "")
    if entra:
        from azure.identity import ManagedIdentityCredential

        options["credential"] = ManagedIdentityCredential(client_id=client_id)
    return options


def configure_telemetry(environ: Mapping[str, str] | None = None) -> bool:
    """Hand OpenTelemetry to Azure Monitor when a connection string is set (once per process)."""
    global _configured
    environ = os.environ if environ is None else environ
    options = azure_monitor_options(environ)
    if options is None or _configured:
        return _configured
    # The distro's default detectors include the VM's, which asks the instance metadata service on every
    # cold start; the Functions one reads the app's own settings.
    os.environ.setdefault(RESOURCE_DETECTORS, "azure_functions")
    from azure.monitor.opentelemetry import configure_azure_monitor

    configure_azure_monitor(**options)
    _configured = True
    log.info("telemetry: Azure Monitor configured (%s)",
             "Entra ID" if "credential" in options else "connection string key")
    return True
