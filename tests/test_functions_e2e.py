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
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import azure.functions as func
import openpyxl
import pytest
from azure.functions.queue import QueueMessage as HostQueueMessage  # the class the worker hands to functions
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueClient, QueueServiceClient

import function_app
from shared import batch_queue
from shared.planner import BatchMessage

from .azurite import app_environment, azurite  # noqa: F401
from .conftest import DEFAULT_CONFIG, ROOT

pytestmark = pytest.mark.azurite

SAMPLES = ROOT / "samples"


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


# -- playing the host --------------------------------------------------------------------------------------

def deliver_blob(functions, storage: Storage, name: str) -> None:
    """Invoke ingest_orders as the blob trigger does: the blob's bytes, path, uri, length and properties."""
    blob = storage.blobs.get_blob_client(storage.inbox, name)
    downloaded = blob.download_blob()
    properties = downloaded.properties
    stream = func.blob.InputStream(
        data=downloaded.readall(), name=f"{storage.inbox}/{name}", uri=blob.url, length=properties.size,
        blob_properties={"ETag": properties.etag, "ContentLength": properties.size,
                         "ContentType": properties.content_settings.content_type},
        metadata=properties.metadata)
    functions["ingest_orders"](stream)


def tick(functions, past_due: bool = False) -> None:
    functions["plan_sync"](func.TimerRequest(past_due=past_due))


def receive_as_host(storage: Storage, queue_name: str | None = None) -> list[tuple[HostQueueMessage, object]]:
    """Every visible message, base64-decoded as the host does, as the QueueMessage a function receives."""
    received = batch_queue.receive(storage.raw_queue(queue_name), visibility_timeout=300)
    return [(HostQueueMessage(id=message.id, body=base64.b64decode(message.content, validate=True),
                              dequeue_count=message.dequeue_count, expiration_time=message.expires_on,
                              insertion_time=message.inserted_on, time_next_visible=message.next_visible_on,
                              pop_receipt=message.pop_receipt), message)
            for message in received]


def run_queue_function(functions, storage: Storage, message: HostQueueMessage, received) -> None:
    """Invoke sync_batch; on success delete the message, as the host does (on failure it stays)."""
    asyncio.run(functions["sync_batch"](message))
    storage.raw_queue().delete_message(received)


def orders_in_sql(storage: Storage) -> dict[str, tuple]:
    """business_key -> (record_uuid, sync_state, monday_item_id, sync_attempts, claim_id), read directly."""
    with sqlite3.connect(storage.database) as connection:
        rows = connection.execute("SELECT business_key, record_uuid, sync_state, monday_item_id, "
                                  "sync_attempts, claim_id FROM ORDER_LIST_V2").fetchall()
    return {row[0]: row[1:] for row in rows}


# -- workbooks ---------------------------------------------------------------------------------------------

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


def test_the_same_content_delivered_twice_is_applied_once(functions, storage, app_environment):  # noqa: F811
    app_environment.setenv("PLAN_AFTER_INGEST", "false")
    data = (SAMPLES / "johnnie_o.xlsx").read_bytes()
    storage.upload("johnnie_o.xlsx", data)
    deliver_blob(functions, storage, "johnnie_o.xlsx")
    first = orders_in_sql(storage)

    storage.upload("johnnie_o resent.xlsx", data)
    deliver_blob(functions, storage, "johnnie_o resent.xlsx")

    assert orders_in_sql(storage) == first
    assert storage.names(storage.inbox) == []
    assert storage.names(storage.archive) == ["johnnie_o resent.xlsx", "johnnie_o resent.xlsx.report.json",
                                              "johnnie_o.xlsx", "johnnie_o.xlsx.report.json"]
    first_report = json.loads(storage.read(storage.archive, "johnnie_o.xlsx.report.json"))
    second_report = json.loads(storage.read(storage.archive, "johnnie_o resent.xlsx.report.json"))
    assert (first_report["outcome"], first_report["new"]) == ("accepted", len(first))
    assert (second_report["outcome"], second_report["new"], second_report["changed"]) == ("duplicate", 0, 0)
    assert second_report["content_hash"] == first_report["content_hash"]


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
