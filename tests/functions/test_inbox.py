"""Filing workbooks out of the blob inbox, on a real Azurite."""

from __future__ import annotations

import json
import uuid

import pytest
from azure.storage.blob import BlobServiceClient

from shared.functions.inbox import file_workbook, report_name_for, split_blob_path

from ..azurite import azurite  # noqa: F401

pytestmark = pytest.mark.azurite

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def service(azurite) -> BlobServiceClient:  # noqa: F811
    return BlobServiceClient.from_connection_string(azurite.connection_string)


@pytest.fixture
def containers(service):
    """A fresh inbox holding nothing, and names for an archive no one has created yet."""
    suffix = uuid.uuid4().hex[:10]
    inbox, archive = f"inbox-{suffix}", f"archive-{suffix}"
    service.create_container(inbox)
    return inbox, archive


def put(service, container, name, data: bytes) -> str:
    """Upload as a user would; returns the blob's ETag (what the trigger's blob properties carry)."""
    return service.get_blob_client(container, name).upload_blob(data, overwrite=True)["etag"]


def read(service, container, name) -> bytes:
    return service.get_blob_client(container, name).download_blob().readall()


def names_in(service, container) -> list[str]:
    return sorted(blob.name for blob in service.get_container_client(container).list_blobs())


def test_a_workbook_moves_to_a_new_container_with_its_report_beside_it(service, containers):
    inbox, archive = containers
    data = b"PK\x03\x04 workbook bytes"
    etag = put(service, inbox, "2026/week 28.xlsx", data)
    report = {"file_name": "2026/week 28.xlsx", "outcome": "accepted", "rejected_rows": [{"row": 7}]}

    filed = file_workbook(service, inbox, "2026/week 28.xlsx", data, archive, report, etag=etag)

    assert (filed.container, filed.name, filed.left_in_inbox) == (archive, "2026/week 28.xlsx", False)
    assert filed.report_name == "2026/week 28.xlsx.report.json"
    assert names_in(service, inbox) == []
    assert names_in(service, archive) == ["2026/week 28.xlsx", "2026/week 28.xlsx.report.json"]
    assert read(service, archive, filed.name) == data
    assert json.loads(read(service, archive, filed.report_name)) == report
    properties = service.get_blob_client(archive, filed.name).get_blob_properties()
    assert properties.content_settings.content_type == XLSX_TYPE
    report_properties = service.get_blob_client(archive, filed.report_name).get_blob_properties()
    assert report_properties.content_settings.content_type == "application/json"


def test_a_name_already_filed_gets_a_time_stamp_and_the_earlier_file_stays(service, containers):
    inbox, archive = containers
    first = file_workbook(service, inbox, "orders.xlsx", b"monday's list", archive, {"n": 1})
    put(service, inbox, "orders.xlsx", b"tuesday's list")
    second = file_workbook(service, inbox, "orders.xlsx", b"tuesday's list", archive, {"n": 2})

    assert first.name == "orders.xlsx"
    assert second.name != first.name
    assert second.name.startswith("orders.") and second.name.endswith(".xlsx")
    assert second.report_name == report_name_for(second.name)
    assert read(service, archive, "orders.xlsx") == b"monday's list"
    assert read(service, archive, second.name) == b"tuesday's list"
    assert json.loads(read(service, archive, "orders.xlsx.report.json")) == {"n": 1}
    assert json.loads(read(service, archive, second.report_name)) == {"n": 2}
    assert len(names_in(service, archive)) == 4
    assert names_in(service, inbox) == []


def test_a_newer_upload_under_the_same_name_stays_in_the_inbox(service, containers):
    inbox, archive = containers
    ingested_etag = put(service, inbox, "orders.xlsx", b"version 1")
    put(service, inbox, "orders.xlsx", b"version 2")  # arrives while version 1 is being ingested

    filed = file_workbook(service, inbox, "orders.xlsx", b"version 1", archive, {}, etag=ingested_etag)

    assert filed.left_in_inbox
    assert read(service, inbox, "orders.xlsx") == b"version 2"
    assert read(service, archive, "orders.xlsx") == b"version 1"


def test_filing_a_workbook_an_earlier_delivery_already_filed_does_not_fail(service, containers):
    inbox, archive = containers
    file_workbook(service, inbox, "gone.xlsx", b"data", archive, {})  # never in the inbox: already moved

    assert names_in(service, archive) == ["gone.xlsx", "gone.xlsx.report.json"]


@pytest.mark.parametrize("path, expected", [
    ("orders-inbox/list.xlsx", ("orders-inbox", "list.xlsx")),
    ("orders-inbox/2026/07/list.xlsx", ("orders-inbox", "2026/07/list.xlsx")),
    ("/orders-inbox/list.xlsx", ("orders-inbox", "list.xlsx")),
])
def test_a_trigger_blob_path_splits_into_container_and_name(path, expected):
    assert split_blob_path(path) == expected


@pytest.mark.parametrize("path", ["list.xlsx", "orders-inbox/", ""])
def test_a_blob_path_without_a_container_and_a_name_is_refused(path):
    with pytest.raises(ValueError, match="is not <container>/<name>"):
        split_blob_path(path)
