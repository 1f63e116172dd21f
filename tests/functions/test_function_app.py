"""function_app.py as the Functions host indexes it: which functions, which triggers, which bindings.

The bindings are compared as the JSON the worker hands to the host (``get_raw_bindings``), so a renamed
argument, a wrong direction or a lost setting fails here before it fails at ``func start``.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import azure.functions as func
import pytest
from azure.identity import DefaultAzureCredential

import function_app
from shared import cli
from shared.common.errors import ConfigError
from shared.config import load_config
from shared.functions import settings
from shared.functions.settings import AppSettings, StorageConnection
from shared.sync import redacted

from ..azurite import app_environment  # noqa: F401
from ..conftest import DEFAULT_CONFIG, ROOT

DEFAULT_BINDINGS = {
    "plan_sync": [
        {"direction": "IN", "type": "timerTrigger", "name": "timer", "schedule": "0 */5 * * * *",
         "runOnStartup": False},
    ],
    "reconcile_board": [
        {"direction": "IN", "type": "timerTrigger", "name": "timer", "schedule": "0 30 2 * * *",
         "runOnStartup": False},
    ],
    "sync_batch": [
        {"direction": "IN", "type": "queueTrigger", "name": "message", "queueName": "order-sync",
         "connection": "AzureWebJobsStorage"},
    ],
    "ingest_orders": [
        {"direction": "IN", "type": "blobTrigger", "name": "blob", "path": "orders-inbox/{name}",
         "connection": "AzureWebJobsStorage", "source": "EventGrid"},
    ],
    "status": [
        {"direction": "IN", "type": "httpTrigger", "name": "req", "methods": ["GET"], "authLevel": "FUNCTION",
         "route": "status"},
        {"direction": "OUT", "type": "http", "name": "$return"},
    ],
    "status_page": [
        {"direction": "IN", "type": "httpTrigger", "name": "req", "methods": ["GET"], "authLevel": "FUNCTION",
         "route": "status/page"},
        {"direction": "OUT", "type": "http", "name": "$return"},
    ],
}


def reimport_function_app():
    settings.reset_settings()
    return importlib.reload(function_app)


def index_app() -> dict:
    """Import function_app afresh (settings read again) and index it as the worker does."""
    return {fn.get_function_name(): fn for fn in reimport_function_app().app.get_functions()}


def bindings_of(function) -> list[dict]:
    return [json.loads(raw) for raw in function.get_raw_bindings()]


@pytest.fixture
def indexed(app_environment):  # noqa: F811
    yield index_app
    app_environment.undo()  # leave function_app as imported with the defaults, not yet indexed
    reimport_function_app()


def test_the_app_indexes_exactly_six_functions_with_their_bindings(indexed):
    functions = indexed()
    assert sorted(functions) == sorted(DEFAULT_BINDINGS)
    for name, expected in DEFAULT_BINDINGS.items():
        assert bindings_of(functions[name]) == expected, name
    triggers = {name: fn.get_trigger().type for name, fn in functions.items()}
    assert triggers == {"plan_sync": "timerTrigger", "reconcile_board": "timerTrigger",
                        "sync_batch": "queueTrigger", "ingest_orders": "blobTrigger", "status": "httpTrigger",
                        "status_page": "httpTrigger"}
    assert json.loads(functions["status"].get_function_json())["scriptFile"] == "function_app.py"


def test_app_settings_choose_schedule_queue_inbox_and_blob_source(indexed, app_environment):  # noqa: F811
    app_environment.setenv("SYNC_SCHEDULE", "0 30 6 * * 1-5")
    app_environment.setenv("RECONCILE_SCHEDULE", "0 0 4 * * 0")
    app_environment.setenv("SYNC_QUEUE", "orders-to-monday")
    app_environment.setenv("ORDERS_CONTAINER", "order-drop")
    app_environment.setenv("BLOB_TRIGGER_SOURCE", "LogsAndContainerScan")
    functions = indexed()
    assert bindings_of(functions["plan_sync"])[0]["schedule"] == "0 30 6 * * 1-5"
    assert bindings_of(functions["reconcile_board"])[0]["schedule"] == "0 0 4 * * 0"
    assert bindings_of(functions["sync_batch"])[0]["queueName"] == "orders-to-monday"
    blob = bindings_of(functions["ingest_orders"])[0]
    assert (blob["path"], blob["source"]) == ("order-drop/{name}", "LogsAndContainerScan")


@pytest.mark.parametrize("name, value", [
    ("SYNC_SCHEDULE", "*/5 * * * *"),  # a five-field Unix cron line: NCRONTAB has seconds first
    ("RECONCILE_SCHEDULE", "30 2 * * *"),
    ("SYNC_QUEUE", "Order_Sync"),
    ("SYNC_QUEUE", "q" * 57),  # its poison queue, q…q-poison, would exceed 63 characters
    ("ORDERS_CONTAINER", "in"),
    ("ARCHIVE_CONTAINER", "archive--old"),
    ("REJECTED_CONTAINER", "-rejected"),
    ("BLOB_TRIGGER_SOURCE", "Polling"),
    ("PLAN_AFTER_INGEST", "sometimes"),
])
def test_a_bad_app_setting_stops_the_indexing_naming_the_setting(indexed, app_environment, name, value):  # noqa: F811
    app_environment.setenv(name, value)
    with pytest.raises(ConfigError) as raised:
        indexed()
    assert (raised.value.path, raised.value.key) == ("app settings", name)
    assert repr(value) in str(raised.value)


@pytest.mark.parametrize("value, expected", [(None, True), ("true", True), ("FALSE", False), ("0", False),
                                             ("yes", True), ("off", False)])
def test_plan_after_ingest_is_a_boolean_setting_on_by_default(value, expected):
    environ = {} if value is None else {"PLAN_AFTER_INGEST": value}
    assert AppSettings.from_environ(environ).plan_after_ingest is expected


def test_a_connection_string_reaches_storage_and_never_shows_in_repr():
    secret = "AccountKey=c2VjcmV0LWtleQ=="
    connection = StorageConnection({"AzureWebJobsStorage": f"DefaultEndpointsProtocol=https;AccountName=acct;"
                                                           f"{secret};EndpointSuffix=core.windows.net"})
    assert not connection.identity_based
    assert connection.blob_service.url == "https://acct.blob.core.windows.net/"
    assert connection.queue_service.url == "https://acct.queue.core.windows.net/"
    settings = AppSettings.from_environ({"AzureWebJobsStorage": secret, "MONDAY_API_TOKEN": "tok-123456"})
    for text in (repr(connection), repr(settings), str(settings)):
        assert "c2VjcmV0LWtleQ" not in text and "tok-123456" not in text


def test_an_identity_based_connection_uses_the_account_name_and_default_azure_credential():
    connection = StorageConnection({"AzureWebJobsStorage__accountName": "ordersyncprod",
                                    "AzureWebJobsStorage__clientId": "00000000-0000-0000-0000-000000000001"})
    assert connection.identity_based
    assert connection.blob_service.url == "https://ordersyncprod.blob.core.windows.net/"
    assert connection.queue_service.url == "https://ordersyncprod.queue.core.windows.net/"
    assert isinstance(connection.blob_service.credential, DefaultAzureCredential)
    assert connection.client_id == "00000000-0000-0000-0000-000000000001"


def test_service_uris_override_the_account_name():
    connection = StorageConnection({"AzureWebJobsStorage__accountName": "ignored",
                                    "AzureWebJobsStorage__blobServiceUri": "https://blobs.example.net",
                                    "AzureWebJobsStorage__queueServiceUri": "https://queues.example.net"})
    assert connection.blob_service.url == "https://blobs.example.net/"
    assert connection.queue_service.url == "https://queues.example.net/"


def test_no_storage_setting_fails_with_a_clear_message_when_storage_is_needed():
    connection = StorageConnection({})
    with pytest.raises(ConfigError) as raised:
        connection.queue_service  # noqa: B018
    assert raised.value.key == "AzureWebJobsStorage"
    assert "AzureWebJobsStorage__accountName" in str(raised.value)


def call_status(functions) -> func.HttpResponse:
    request = func.HttpRequest(method="GET", url="http://localhost:7071/api/status", body=b"")
    return functions["status"].get_user_function()(request)


def test_status_returns_what_the_cli_status_json_prints(indexed, app_environment, tmp_path, capsys):  # noqa: F811
    app_environment.chdir(tmp_path)
    app_environment.setenv("ORDERSYNC_CONFIG", str(DEFAULT_CONFIG))
    app_environment.setenv("ORDERSYNC_DATABASE", f"sqlite:///{tmp_path / 'orders.db'}")
    assert cli.main(["ingest", str(DEFAULT_CONFIG.parent.parent / "samples" / "johnnie_o.xlsx")]) == 0
    capsys.readouterr()
    assert cli.main(["status", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    response = call_status(indexed())
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = json.loads(response.get_body())
    assert body == redacted(load_config(DEFAULT_CONFIG), printed)  # error texts reduced to kind and column
    assert body["orders"]["NEW"] > 0 and body["ingests"][0]["file_name"] == "johnnie_o.xlsx"


def test_status_answers_503_with_the_reason_when_the_store_cannot_be_opened(indexed, app_environment,  # noqa: F811
                                                                             tmp_path):
    app_environment.setenv("ORDERSYNC_CONFIG", str(tmp_path / "missing.toml"))
    response = call_status(indexed())
    assert response.status_code == 503
    assert "missing.toml" in json.loads(response.get_body())["error"]


def call_status_page(functions) -> func.HttpResponse:
    request = func.HttpRequest(method="GET", url="http://localhost:7071/api/status/page", body=b"")
    return functions["status_page"].get_user_function()(request)


@pytest.mark.parametrize("failing", ["config", "store"])
def test_the_status_page_answers_503_with_the_reason_as_plain_text(indexed, app_environment, tmp_path,  # noqa: F811
                                                                    failing):
    if failing == "config":
        app_environment.setenv("ORDERSYNC_CONFIG", str(tmp_path / "missing.toml"))
    else:  # a database "inside" a file: the store cannot be opened
        (tmp_path / "not a folder").write_text("")
        app_environment.setenv("ORDERSYNC_CONFIG", str(DEFAULT_CONFIG))
        app_environment.setenv("ORDERSYNC_DATABASE", f"sqlite:///{tmp_path / 'not a folder' / 'orders.db'}")
    response = call_status_page(indexed())
    assert (response.status_code, response.mimetype, response.charset) == (503, "text/plain", "utf-8")
    body = response.get_body().decode()
    assert body.startswith("status unavailable: ") and body.endswith("\n")
    assert ("missing.toml" if failing == "config" else "not a folder") in body
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_local_settings_example_is_flat_json_naming_every_app_setting():
    example = json.loads((ROOT / "local.settings.json.example").read_text(encoding="utf-8"))
    assert set(example) == {"IsEncrypted", "Values"}
    values = example["Values"]
    assert all(isinstance(value, str) for value in values.values())  # func rejects nested values
    assert set(values) == {
        "AzureWebJobsStorage", "FUNCTIONS_WORKER_RUNTIME", "ORDERSYNC_CONFIG", "ORDERSYNC_ENV",
        "ORDERSYNC_DATABASE", "MONDAY_API_TOKEN", "MONDAY_API_URL", "SYNC_SCHEDULE", "RECONCILE_SCHEDULE",
        "SYNC_QUEUE",
        "ORDERS_CONTAINER", "ARCHIVE_CONTAINER", "REJECTED_CONTAINER", "BLOB_TRIGGER_SOURCE",
        "PLAN_AFTER_INGEST"}
    assert values["AzureWebJobsStorage"] == "UseDevelopmentStorage=true"
    assert values["FUNCTIONS_WORKER_RUNTIME"] == "python"
    settings = AppSettings.from_environ(values)
    assert settings.blob_trigger_source == "LogsAndContainerScan"  # Event Grid cannot reach a local host
    assert settings == AppSettings(blob_trigger_source="LogsAndContainerScan", monday_api_url=values[
        "MONDAY_API_URL"], monday_api_token=values["MONDAY_API_TOKEN"])  # otherwise the defaults, written out
    config = load_config(ROOT / values["ORDERSYNC_CONFIG"], values["ORDERSYNC_ENV"])
    assert config.environment.name == "development"


def seconds(timespan: str) -> int:
    hours, minutes, secs = (int(part) for part in timespan.split(":"))
    return hours * 3600 + minutes * 60 + secs


def test_host_json_keeps_the_limits_the_sync_relies_on():
    host = json.loads((ROOT / "host.json").read_text(encoding="utf-8"))
    config = load_config(DEFAULT_CONFIG)
    queues = host["extensions"]["queues"]
    assert host["version"] == "2.0"
    assert host["extensionBundle"] == {"id": "Microsoft.Azure.Functions.ExtensionBundle",
                                       "version": "[4.*, 5.0.0)"}
    # a worker must be stopped before its claim can expire, or a second worker could take the same orders
    assert seconds(host["functionTimeout"]) < config.sync.claim_timeout_seconds
    # what shared/batch_queue.py writes
    assert queues["messageEncoding"] == "base64"
    # messages in flight per instance x requests per message stays well inside monday's concurrency limit
    assert (queues["batchSize"] + queues["newBatchThreshold"]) * config.monday.max_concurrent_requests <= 16
    assert queues["maxDequeueCount"] == 5
    assert "retry" not in host  # the queue's dequeue count and poison queue are the retry


def test_funcignore_keeps_tooling_out_and_deploys_configs_and_sql():
    ignored = {line.strip() for line in (ROOT / ".funcignore").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    assert {"tests", "samples", "scripts", "node_modules", ".venv", "docs", "local.settings.json"} <= ignored
    assert not {"configs", "sql", "shared", "function_app.py", "host.json", "requirements.txt"} & ignored


def test_the_emulator_is_never_deployed_nor_imported_by_the_app():
    assert "shared/monday_emulator" in (ROOT / ".funcignore").read_text(encoding="utf-8").splitlines()
    probe = "import function_app, sys; print([m for m in sys.modules if 'emulator' in m])"
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
