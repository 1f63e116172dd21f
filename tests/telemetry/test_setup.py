"""Setting up Azure Monitor: nothing without a connection string (and the distro never imported), Entra ID
sign-in with the managed identity when asked, and the real distro turning our events into customEvents.

The last test runs the pinned distro in a child process against a local HTTP server that plays Application
Insights' ingestion endpoint (the one part that cannot run here) and reads what it receives.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from azure.identity import ManagedIdentityCredential

from shared.telemetry.providers import EVENTS_LOGGER
from shared.telemetry.setup import azure_monitor_options, configure_telemetry, managed_identity_client_id

from ..conftest import ROOT

CONNECTION = "InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=http://127.0.0.1:{port}/"


def python(code: str, **environ: str) -> str:
    inherited = {name: value for name, value in os.environ.items() if "APPLICATIONINSIGHTS" not in name}
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**inherited, **environ},
                          capture_output=True, text=True, check=True, timeout=120).stdout


def test_without_a_connection_string_the_api_stays_a_no_op_and_the_distro_is_never_imported():
    assert configure_telemetry({}) is False and azure_monitor_options({"OTHER": "x"}) is None
    loaded = json.loads(python(
        "import json, sys, function_app\nfrom opentelemetry import trace\n"
        "print(json.dumps([type(trace.get_tracer_provider()).__name__, sorted(m for m in sys.modules "
        "if m.startswith(('azure.monitor', 'opentelemetry.sdk', 'azure.identity')))]))"))
    assert loaded == ["ProxyTracerProvider", []]


def test_entra_sign_in_uses_the_managed_identity_named_in_the_authentication_string():
    assert managed_identity_client_id("Authorization=AAD;ClientId=1234-abcd") == (True, "1234-abcd")
    assert managed_identity_client_id(" clientid = 1234 ; authorization = aad ") == (True, "1234")
    assert managed_identity_client_id("Authorization=AAD") == (True, None)  # the system-assigned identity
    assert managed_identity_client_id("") == (False, None)
    options = azure_monitor_options({
        "APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION.format(port=1),
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING": "Authorization=AAD;ClientId=c1"})
    assert isinstance(options["credential"], ManagedIdentityCredential)
    assert (options["logger_name"], options["sampling_ratio"]) == (EVENTS_LOGGER, 1.0)
    keyless = azure_monitor_options({"APPLICATIONINSIGHTS_CONNECTION_STRING": CONNECTION.format(port=1)})
    assert "credential" not in keyless


class Ingestion(BaseHTTPRequestHandler):
    """Application Insights' track endpoint: accepts every item and keeps it."""

    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        items = json.loads(body)
        items = items if isinstance(items, list) else [items]
        self.received.extend(items)
        answer = json.dumps({"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_the_distro_sends_a_stage_run_as_a_custom_event_a_dependency_and_metrics():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Ingestion)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        python("from opentelemetry import _logs, metrics, trace\n"
               "from shared.telemetry import RECONCILE, configure_telemetry, stage_run\n"
               "assert configure_telemetry()\n"
               "with stage_run(RECONCILE, customer='GREYSON') as run:\n"
               "    run.record_summary({'missing_on_board': 2, 'items_created': 2, 'failed': []})\n"
               "for provider in (trace.get_tracer_provider(), _logs.get_logger_provider(),\n"
               "                 metrics.get_meter_provider()):\n"
               "    provider.force_flush()\n",
               APPLICATIONINSIGHTS_CONNECTION_STRING=CONNECTION.format(port=server.server_address[1]),
               APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL="true")
    finally:
        server.shutdown()
    items = Ingestion.received
    [event] = [item for item in items if item["name"] == "Microsoft.ApplicationInsights.Event"]
    assert event["data"]["baseData"]["name"] == "ordersync.reconcile"
    assert {"customer": "GREYSON", "missing_on_board": "2", "items_created": "2", "outcome": "ok",
            "daily_limit": "False"}.items() <= event["data"]["baseData"]["properties"].items()
    [span] = [item for item in items if item["name"] == "Microsoft.ApplicationInsights.RemoteDependency"]
    assert span["data"]["baseData"]["name"] == "ordersync.reconcile"
    assert span["tags"]["ai.operation.id"] == event["tags"]["ai.operation.id"]
    metrics = {item["data"]["baseData"]["metrics"][0]["name"]: item["data"]["baseData"] for item in items
               if item["name"] == "Microsoft.ApplicationInsights.Metric"}
    assert metrics["ordersync.records_written"]["metrics"][0]["value"] == 2
    assert metrics["ordersync.records_written"]["properties"] == {"customer": "GREYSON", "record": "item",
                                                                  "action": "created"}
