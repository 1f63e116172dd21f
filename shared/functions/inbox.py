"""The blob inbox: after its ingest a workbook leaves the inbox for the archive or the rejected container.

Next to every filed workbook sits ``<name>.report.json``, the ingest's report: why a file was rejected, or
which rows of an accepted file were. A name already taken in the destination (the same file name sent again
later) gets a UTC time stamp before its extension, so nothing filed earlier is ever overwritten.
"""

from __future__ import annotations

import json
import mimetypes
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContainerClient, ContentSettings

REPORT_SUFFIX = ".report.json"
REPORT_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class FiledWorkbook:
    container: str
    name: str  # the workbook's name in ``container`` (its inbox name unless that was taken)
    report_name: str
    left_in_inbox: bool  # a newer upload under the same name arrived meanwhile: it stays for its own trigger


def split_blob_path(path: str) -> tuple[str, str]:
    """``orders-inbox/2026/list.xlsx`` (a blob trigger's name) -> (``orders-inbox``, ``2026/list.xlsx``)."""
    container, _, name = path.strip("/").partition("/")
    if not container or not name:
        raise ValueError(f"blob path {path!r} is not <container>/<name>")
    return container, name


def report_name_for(workbook_name: str) -> str:
    return f"{workbook_name}{REPORT_SUFFIX}"


def file_workbook(service: BlobServiceClient, inbox: str, name: str, data: bytes, destination: str,
                  report: dict, *, etag: str | None = None) -> FiledWorkbook:
    """Move the workbook ``inbox/name`` (whose bytes are ``data``) to ``destination`` with its report.

    The copy and the report are written before the inbox blob is deleted, so a crash in between leaves a
    second copy, never none. ``etag`` is the version that was ingested: a newer upload under the same name is
    left in the inbox for its own trigger instead of being deleted unread.
    """
    container = service.get_container_client(destination)
    target = _upload_under_free_name(container, name, data)
    report_name = report_name_for(target)
    _upload(container, report_name, json.dumps(report, indent=2, ensure_ascii=False, default=str).encode(),
            REPORT_CONTENT_TYPE, overwrite=True)
    unchanged_since = {"etag": etag, "match_condition": MatchConditions.IfNotModified} if etag else {}
    left = False
    try:
        service.get_blob_client(inbox, name).delete_blob(**unchanged_since)
    except ResourceNotFoundError:  # already filed by an earlier delivery of the same event
        pass
    except ResourceModifiedError:
        left = True
    return FiledWorkbook(destination, target, report_name, left)


def _upload_under_free_name(container: ContainerClient, name: str, data: bytes) -> str:
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        _upload(container, name, data, content_type, overwrite=False)
        return name
    except ResourceExistsError:
        stamped = _stamped_name(name)
        _upload(container, stamped, data, content_type, overwrite=False)
        return stamped


def _stamped_name(name: str) -> str:
    """``2026/list.xlsx`` -> ``2026/list.20260714T101500Z-1a2b3c.xlsx``."""
    path = PurePosixPath(name)
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"
    return str(path.with_name(f"{path.stem}.{stamp}{path.suffix}"))


def _upload(container: ContainerClient, name: str, data: bytes, content_type: str, *,
            overwrite: bool) -> None:
    """Upload, creating the container on first use (a fresh storage account has none)."""
    settings = ContentSettings(content_type=content_type)
    try:
        container.upload_blob(name, data, overwrite=overwrite, content_settings=settings)
    except ResourceNotFoundError:
        try:
            container.create_container()
        except ResourceExistsError:  # another instance created it at the same moment
            pass
        container.upload_blob(name, data, overwrite=overwrite, content_settings=settings)
