"""The functions end to end on Azurite: blob in the inbox -> ingest -> timer -> queue -> monday emulator.

Azure Functions Core Tools cannot run here, so the test plays the host's part with the real binding objects:
``InputStream`` built from the blob downloaded from Azurite, ``TimerRequest``, and ``QueueMessage`` built
from the message received from Azurite's queue after decoding it by the host's rule (base64). Everything else
is real: Azurite, a SQLite file, the monday emulator over HTTP.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import azure.functions as func
import openpyxl
import pytest
from azure.functions.queue import QueueMessage as HostQueueMessage  # what the worker hands to functions
from azure.functions.timer import TimerRequest
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient, QueueServiceClient

import function_app
from shared.common.errors import MondayPermanentError, MondayTransientError
from shared.config import load_config, normalise_name
from shared.functions import batch_queue, settings
from shared.monday_emulator import run_emulator_in_thread
from shared.sync import BatchMessage

from ..azurite import app_environment, azurite  # noqa: F401
from ..conftest import DEFAULT_CONFIG, ROOT

pytestmark = pytest.mark.azurite

SAMPLES = ROOT / "samples"
TOKEN = "emulator-token"


@dataclass
class Storage:
    """The test's view of the app's storage account (Azurite), under names unique to the test."""

    blobs: BlobServiceClient
    queues: QueueServiceClient
    inbox: str
    archive: str
    rejected: str
    queue_name: str
    database: Path

    def upload(self, name: str, data: bytes) -> None:
        self.blobs.get_blob_client(self.inbox, name).upload_blob(data, overwrite=True)

    def names(self, container: str) -> list[str]:
        client = self.blobs.get_container_client(container)
        return sorted(blob.name for blob in client.list_blobs()) if client.exists() else []

    def read(self, container: str, name: str) -> bytes:
        return self.blobs.get_blob_client(container, name).download_blob().readall()

    def raw_queue(self, name: str | None = None) -> QueueClient:
        """The queue as the host sees it: message text exactly as stored, no decoding."""
        return self.queues.get_queue_client(name or self.queue_name)


@pytest.fixture(scope="module")
def functions() -> dict:
    """The user functions as the worker indexes them (an app can be indexed only once)."""
    return {fn.get_function_name(): fn.get_user_function() for fn in function_app.app.get_functions()}


@pytest.fixture
def storage(azurite, app_environment, tmp_path) -> Storage:  # noqa: F811
    suffix = uuid.uuid4().hex[:10]
    storage = Storage(BlobServiceClient.from_connection_string(azurite.connection_string),
                      QueueServiceClient.from_connection_string(azurite.connection_string),
                      f"inbox-{suffix}", f"archive-{suffix}", f"rejected-{suffix}", f"sync-{suffix}",
                      tmp_path / "orders.db")
    storage.blobs.create_container(storage.inbox)
    app_environment.chdir(tmp_path)
    settings = {"AzureWebJobsStorage": azurite.connection_string, "ORDERSYNC_CONFIG": str(DEFAULT_CONFIG),
                "ORDERSYNC_DATABASE": f"sqlite:///{storage.database}", "ORDERS_CONTAINER": storage.inbox,
                "ARCHIVE_CONTAINER": storage.archive, "REJECTED_CONTAINER": storage.rejected,
                "SYNC_QUEUE": storage.queue_name}
    for name, value in settings.items():
        app_environment.setenv(name, value)
    return storage


@pytest.fixture
def monday(app_environment):  # noqa: F811
    """The monday emulator, its token and URL given to the app as the app settings would.

    Its per-minute complexity budget is raised: 110 orders cost more than monday's 10M, and waiting a minute
    for the window to reset (what the client rightly does) tests nothing here.
    """
    with run_emulator_in_thread(token=TOKEN, complexity_budget=100_000_000) as emulator:
        app_environment.setenv("MONDAY_API_URL", emulator.url)
        app_environment.setenv("MONDAY_API_TOKEN", TOKEN)
        yield emulator


def fast_retries_config(path: Path) -> Path:
    """The project's configuration with monday's back-off shortened, so an outage is declared in moments."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert "\n[monday]\n" in text
    path.write_text(text.replace("\n[monday]\n", "\n[monday]\nmax_retries = 1\nretry_base_seconds = 0.01\n"
                                                  "retry_max_seconds = 0.01\nlookup_delay_seconds = 0\n"),
                    encoding="utf-8")
    return path


# -- playing the host --------------------------------------------------------------------------------------

def deliver_blob(functions, storage: Storage, name: str, context: func.Context | None = None) -> None:
    """Invoke ingest_orders as the blob trigger does: the blob's bytes, path, uri, length and properties (and
    the invocation's context, when the test plays that part of the worker too)."""
    blob = storage.blobs.get_blob_client(storage.inbox, name)
    downloaded = blob.download_blob()
    properties = downloaded.properties
    stream = func.blob.InputStream(
        data=downloaded.readall(), name=f"{storage.inbox}/{name}", uri=blob.url, length=properties.size,
        blob_properties={"ETag": properties.etag, "ContentLength": properties.size,
                         "ContentType": properties.content_settings.content_type},
        metadata=properties.metadata)
    functions["ingest_orders"](stream, context=context)


def tick(functions, past_due: bool = False) -> None:
    functions["plan_sync"](TimerRequest(past_due=past_due))


def receive_as_host(storage: Storage, queue_name: str | None = None) -> list[tuple[HostQueueMessage, object]]:
    """Every visible message, base64-decoded as the host does, as the QueueMessage a function receives."""
    received = batch_queue.receive(storage.raw_queue(queue_name), visibility_timeout=300)
    return [(HostQueueMessage(id=message.id, body=base64.b64decode(message.content, validate=True),
                              dequeue_count=message.dequeue_count, expiration_time=message.expires_on,
                              insertion_time=message.inserted_on, time_next_visible=message.next_visible_on,
                              pop_receipt=message.pop_receipt), message)
            for message in received]


def run_queue_function(functions, storage: Storage, message: HostQueueMessage, received,
                       context: func.Context | None = None) -> None:
    """Invoke sync_batch; on success delete the message, as the host does (on failure it stays)."""
    asyncio.run(functions["sync_batch"](message, context=context))
    storage.raw_queue().delete_message(received)


def orders_in_sql(storage: Storage) -> dict[str, tuple]:
    """business_key -> (record_uuid, sync_state, monday_item_id, sync_attempts, claim_id), read directly."""
    with sqlite3.connect(storage.database) as connection:
        rows = connection.execute("SELECT business_key, record_uuid, sync_state, monday_item_id, "
                                  "sync_attempts, claim_id FROM ORDER_LIST_V2").fetchall()
    return {row[0]: row[1:] for row in rows}


# -- workbooks ---------------------------------------------------------------------------------------------

def runs_in_sql(storage: Storage) -> list[dict]:
    """The run history, oldest first, read directly."""
    with sqlite3.connect(storage.database) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute("SELECT * FROM ORDER_LIST_V2_RUNS ORDER BY run_id")]


def header_only_workbook(path: Path) -> bytes:
    """A real xlsx whose header lacks the required AAG ORDER NUMBER column."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "MASTER"
    sheet.append(["CUSTOMER NAME", "PO NUMBER", "UNIT OF MEASURE", "S", "M", "TOTAL QTY"])
    sheet.append(["GREYSON", "PO-1", "EA", 2, 3, 5])
    book.save(path)
    return path.read_bytes()


# -- the tests ---------------------------------------------------------------------------------------------

def test_a_rejected_workbook_lands_in_orders_rejected_next_to_its_report(functions, storage, tmp_path):
    storage.upload("no order numbers.xlsx", header_only_workbook(tmp_path / "bad.xlsx"))

    deliver_blob(functions, storage, "no order numbers.xlsx")

    assert storage.names(storage.inbox) == []
    assert storage.names(storage.archive) == []
    assert storage.names(storage.rejected) == ["no order numbers.xlsx", "no order numbers.xlsx.report.json"]
    report = json.loads(storage.read(storage.rejected, "no order numbers.xlsx.report.json"))
    assert report["outcome"] == "rejected"
    assert report["file_name"] == "no order numbers.xlsx"
    assert "AAG ORDER NUMBER" in report["message"]
    assert orders_in_sql(storage) == {}
    assert receive_as_host(storage) == []  # nothing planned for a rejected file


def test_the_same_content_delivered_twice_is_applied_once(functions, storage):
    data = (SAMPLES / "johnnie_o.xlsx").read_bytes()
    storage.upload("johnnie_o.xlsx", data)
    deliver_blob(functions, storage, "johnnie_o.xlsx")
    planned = receive_as_host(storage)  # PLAN_AFTER_INGEST (default): queued right after the ingest
    first = orders_in_sql(storage)
    assert sorted(uuid_ for message, _ in planned
                  for uuid_ in BatchMessage.from_json(message.get_body()).record_uuids) == sorted(
        record[0] for record in first.values())

    storage.upload("johnnie_o resent.xlsx", data)
    deliver_blob(functions, storage, "johnnie_o resent.xlsx")

    assert orders_in_sql(storage) == first
    assert receive_as_host(storage) == []  # nothing new to plan
    assert storage.names(storage.inbox) == []
    assert storage.names(storage.archive) == ["johnnie_o resent.xlsx", "johnnie_o resent.xlsx.report.json",
                                              "johnnie_o.xlsx", "johnnie_o.xlsx.report.json"]
    first_report = json.loads(storage.read(storage.archive, "johnnie_o.xlsx.report.json"))
    second_report = json.loads(storage.read(storage.archive, "johnnie_o resent.xlsx.report.json"))
    assert (first_report["outcome"], first_report["new"]) == ("accepted", len(first))
    assert (second_report["outcome"], second_report["new"], second_report["changed"]) == ("duplicate", 0, 0)
    assert second_report["content_hash"] == first_report["content_hash"]


def test_a_queue_failure_after_the_ingest_leaves_the_file_ingested_and_filed(functions, storage, azurite,  # noqa: F811
                                                                             app_environment, caplog):  # noqa: F811
    # A queue endpoint that refuses every queue request: Azurite's blob service answers them with an error.
    app_environment.setenv("AzureWebJobsStorage", azurite.connection_string.replace(
        azurite.queue_endpoint, azurite.blob_endpoint))
    storage.upload("johnnie_o.xlsx", (SAMPLES / "johnnie_o.xlsx").read_bytes())

    deliver_blob(functions, storage, "johnnie_o.xlsx")

    assert len(orders_in_sql(storage)) == 80
    assert storage.names(storage.inbox) == []
    assert storage.names(storage.archive) == ["johnnie_o.xlsx", "johnnie_o.xlsx.report.json"]
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert any("planning after the ingest of johnnie_o.xlsx failed" in text for text in warnings)


def test_a_past_due_timer_run_is_logged_and_plans_as_usual(functions, storage, caplog):
    caplog.set_level(logging.INFO, logger="shared.functions.jobs")
    tick(functions, past_due=True)

    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert any("plan_sync is past due" in text for text in warnings)
    assert any("planned (timer): 0 orders in 0 batches" in record.getMessage() for record in caplog.records)
    assert receive_as_host(storage) == []


def test_a_malformed_queue_message_goes_to_poison_at_once_and_does_not_raise(functions, storage, caplog):
    sender = batch_queue.host_queue(storage.queues, storage.queue_name)
    batch_queue.send_raw(sender, b"this is not a batch")
    batch_queue.send_raw(sender, json.dumps({"claim_id": "c1", "customer": "GREYSON"}).encode())

    deliveries = receive_as_host(storage)
    assert len(deliveries) == 2
    for message, received in deliveries:
        run_queue_function(functions, storage, message, received)

    poison = receive_as_host(storage, batch_queue.poison_queue_name(storage.queue_name))
    assert sorted(message.get_body() for message, _ in poison) == sorted(
        [b"this is not a batch", b'{"claim_id": "c1", "customer": "GREYSON"}'])
    assert receive_as_host(storage) == []
    errors = [record.getMessage() for record in caplog.records if record.levelname == "ERROR"]
    assert any("is not a batch" in text and "lacks planned_at, record_uuids" in text for text in errors)


def test_planned_batches_are_on_the_queue_as_the_host_reads_them(storage):
    messages = [BatchMessage("claim-1", "GREYSON", ("u1", "u2"), "2026-07-14T10:00:00+00:00"),
                BatchMessage("claim-2", "TITLE NINE", ("u3",), "2026-07-14T10:00:00+00:00")]

    sent = batch_queue.send_batches(batch_queue.host_queue(storage.queues, storage.queue_name), messages)

    assert sent == 2
    raw = [message.content for message in batch_queue.receive(storage.raw_queue())]
    assert {BatchMessage.from_json(base64.b64decode(text, validate=True)) for text in raw} == set(messages)


# -- Acceptance 1 ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExpectedOrder:
    key: str
    group: str
    name: str
    columns: dict[str, str]  # monday column id -> text
    sizes: dict[str, int]  # non-zero sizes only


def cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def expected_orders(path: Path) -> dict[str, ExpectedOrder]:
    """The orders of a sample workbook read with openpyxl alone, as the board must show them afterwards."""
    config = load_config(DEFAULT_CONFIG)
    sheet = openpyxl.load_workbook(path, read_only=True, data_only=True)["MASTER"]
    rows = sheet.iter_rows(values_only=True)
    header = [normalise_name(name) if name else "" for name in next(rows)]
    sizes = header[header.index("UNIT OF MEASURE") + 1:header.index("TOTAL QTY")]
    orders = {}
    for values in rows:
        if not any(value is not None for value in values):
            continue
        row = dict(zip(header, values, strict=False))
        text = {column: cell_text(row[column]) for column in header if column not in sizes}
        text["CUSTOMER NAME"] = customer = config.canonical_customer(text["CUSTOMER NAME"])[0]
        key = "|".join(text[column] for column in config.key_columns(customer))
        season = text["CUSTOMER SEASON"] or text["AAG SEASON"]
        name = " ".join(part for part in (text["CUSTOMER STYLE"], text["CUSTOMER COLOUR DESCRIPTION"],
                                          text["AAG ORDER NUMBER"]) if part)
        columns = {column_id: text[column] for column, column_id in config.environment.item_columns.items()
                   if column_id.startswith("text_")}
        orders[key] = ExpectedOrder(key, f"{customer} {season}".strip(), name, columns,
                                    {size: int(row[size]) for size in sizes if row[size]})
    return orders


def test_acceptance_1_a_workbook_in_the_inbox_ends_on_the_board(functions, storage, monday,
                                                                 app_environment):  # noqa: F811
    app_environment.setenv("PLAN_AFTER_INGEST", "false")  # the timer plans, as without the shortcut
    workbook = SAMPLES / "greyson_title_nine.xlsx"
    expected = expected_orders(workbook)
    storage.upload("greyson_title_nine.xlsx", workbook.read_bytes())

    deliver_blob(functions, storage, "greyson_title_nine.xlsx")
    assert storage.names(storage.inbox) == []
    assert storage.names(storage.archive) == ["greyson_title_nine.xlsx",
                                              "greyson_title_nine.xlsx.report.json"]
    assert receive_as_host(storage) == []  # PLAN_AFTER_INGEST=false: nothing queued before the timer

    tick(functions)
    deliveries = receive_as_host(storage)
    batches = [BatchMessage.from_json(message.get_body()) for message, _ in deliveries]
    in_sql = orders_in_sql(storage)
    assert sorted(uuid_ for batch in batches for uuid_ in batch.record_uuids) == sorted(
        record[0] for record in in_sql.values())
    assert all(len(batch.record_uuids) <= 50 for batch in batches)
    assert {batch.customer for batch in batches} == {"GREYSON", "TITLE NINE"}

    for message, received in deliveries:
        run_queue_function(functions, storage, message, received)

    assert receive_as_host(storage) == []
    groups = {group["id"]: group["title"] for group in monday.groups("9609317401")}
    items = monday.items("9609317401")
    on_board = {item["values"]["text_sync_key"]: item for item in items}
    assert len(items) == len(on_board) == len(expected) == 110
    assert set(on_board) == set(expected)
    in_sql = orders_in_sql(storage)
    for key, order in expected.items():
        item = on_board[key]
        assert groups[item["group_id"]] == order.group, key
        assert item["name"] == order.name, key
        assert {column: item["values"].get(column, "") for column in order.columns} == order.columns, key
        assert float(item["values"]["numbers_total_qty"]) == sum(order.sizes.values()), key
        subitems = monday.subitems(item["id"])
        assert {sub["name"]: int(float(sub["values"]["numbers_qty"])) for sub in subitems} == order.sizes, key
        assert all(sub["values"]["text_size"] == sub["name"] for sub in subitems), key
        record_uuid, state, item_id, attempts, claim = in_sql[key]
        assert (state, item_id, attempts, claim) == ("SYNCED", item["id"], 0, None), key
    with sqlite3.connect(storage.database) as connection:
        lines = connection.execute("SELECT sync_state, monday_subitem_id FROM ORDER_LIST_LINES").fetchall()
    subitem_ids = {sub["id"] for item in items for sub in monday.subitems(item["id"])}
    assert len(lines) == sum(len(order.sizes) for order in expected.values()) == len(subitem_ids)
    assert {state for state, _ in lines} == {"SYNCED"}
    assert {subitem_id for _, subitem_id in lines} == subitem_ids
    # the run history: the timer's plan tick, then one sync per batch message
    plan, *syncs = runs_in_sql(storage)
    assert (plan["kind"], plan["source"], plan["outcome"], plan["orders"]) == ("plan", "function", "ok", 110)
    assert json.loads(plan["counts"])["batches"] == len(batches)
    assert [(run["kind"], run["source"], run["outcome"]) for run in syncs] == [
        ("sync", "function", "ok")] * len(batches)
    assert sum(run["records_written"] for run in syncs) == 110 + len(lines)


@pytest.mark.parametrize("outage, error", [("monday answers 500 to everything", MondayTransientError),
                                           ("monday refuses the token", MondayPermanentError)])
def test_a_systemic_failure_raises_for_a_retry_and_leaves_the_orders_pending(
        functions, storage, monday, app_environment, tmp_path, outage, error):  # noqa: F811
    app_environment.setenv("ORDERSYNC_CONFIG", str(fast_retries_config(tmp_path / "fast.toml")))
    storage.upload("johnnie_o.xlsx", (SAMPLES / "johnnie_o.xlsx").read_bytes())
    deliver_blob(functions, storage, "johnnie_o.xlsx")  # PLAN_AFTER_INGEST (default): queued at once
    deliveries = receive_as_host(storage)
    assert deliveries
    message, received = deliveries[0]
    batch = BatchMessage.from_json(message.get_body())
    if outage.endswith("token"):
        app_environment.setenv("MONDAY_API_TOKEN", "revoked-token")
        settings.reset_settings()  # app settings are read once per process; a new value means a restart
    else:
        monday.faults.add("http_500_before", count=None)

    with pytest.raises(error):
        asyncio.run(functions["sync_batch"](message))
    stopped = runs_in_sql(storage)[-1]  # recorded before the host retries: outcome error, and why
    assert (stopped["kind"], stopped["source"], stopped["outcome"]) == ("sync", "function", "error")
    assert stopped["error"].startswith(error.__name__ + ": ") and "revoked-token" not in stopped["error"]

    in_sql = {record[0]: record[1:] for record in orders_in_sql(storage).values()}
    assert {in_sql[uuid_] for uuid_ in batch.record_uuids} == {("NEW", None, 0, None)}  # pending, unclaimed
    assert monday.items("9609317401") == []

    # The host delivers the message again once monday is back: the same batch now goes through.
    monday.faults.clear()
    app_environment.setenv("MONDAY_API_TOKEN", TOKEN)
    settings.reset_settings()
    retried = HostQueueMessage(id=received.id, body=message.get_body(), dequeue_count=2)
    run_queue_function(functions, storage, retried, received)
    in_sql = {record[0]: record[1] for record in orders_in_sql(storage).values()}
    assert {in_sql[uuid_] for uuid_ in batch.record_uuids} == {"SYNCED"}
    assert len(monday.items("9609317401")) == len(batch.record_uuids)
