"""Ingest: one Excel order list -> validated, normalised orders -> one store transaction -> a report.

The entry points, and the ingest log entry for a file that was not applied; the rules an order list is read
by are in :mod:`.order_list`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from ..common.errors import RejectedFile
from ..common.records import IngestCounts
from ..config import Config
from ..store import ACCEPTED, DUPLICATE, REJECTED, DuplicateIngest, IngestRefused, open_store
from .order_list import Progress, parse_order_list, sha256_of
from .report import FileReport, IngestReport


# -- public entry points -----------------------------------------------------------------------------------
def ingest_files(config: Config, paths: Iterable[str | os.PathLike], progress: Progress | None = None
                 ) -> IngestReport:
    """Ingest several files, each in its own transaction, into the configured store."""
    report = IngestReport()
    with open_store(config) as store:
        for path in paths:
            report.files.append(ingest_file(config, store, Path(path), Path(path).name, progress))
    return report


def ingest_file(config: Config, store, source: str | os.PathLike | bytes, file_name: str,
                progress: Progress | None = None) -> FileReport:
    """Ingest one workbook given as a path or as its bytes (a blob). Never raises for a bad file.

    A path is read as a stream, never whole: its content hash in chunks, its sheets by the streaming reader.
    """
    try:
        stream = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    except OSError as exc:
        return FileReport(file_name, REJECTED, f"The file cannot be read: {exc.strerror}.")
    with stream:
        return _ingest_stream(config, store, stream, file_name, progress)


def _ingest_stream(config: Config, store, stream: BinaryIO, file_name: str, progress: Progress | None
                   ) -> FileReport:
    content_hash = sha256_of(stream)
    earlier = store.find_ingest(content_hash)
    if earlier is not None:
        return _log_unapplied(store, FileReport(file_name, DUPLICATE, _duplicate_message(earlier),
                                                content_hash))
    try:
        parsed = parse_order_list(config, stream, file_name, progress, content_hash,
                                  config.environment.column_types)
    except RejectedFile as exc:
        return _log_unapplied(store, FileReport(file_name, REJECTED, str(exc), content_hash))
    try:
        counts: IngestCounts = store.apply_ingest(parsed.batch)
    except DuplicateIngest:  # the same content was applied meanwhile (two uploads racing)
        earlier = store.find_ingest(content_hash)
        return _log_unapplied(store, FileReport(file_name, DUPLICATE, _duplicate_message(earlier),
                                                content_hash))
    except IngestRefused as exc:  # the file as a whole would break a rule of the store: nothing applied
        return _log_unapplied(store, FileReport(file_name, REJECTED, str(exc), content_hash, parsed.sheet,
                                                parsed.header_row, parsed.batch.rows_total))
    return FileReport(
        file_name, ACCEPTED, "", content_hash, parsed.sheet, parsed.header_row, parsed.batch.rows_total,
        counts.new, counts.changed, counts.unchanged, parsed.batch.rows_rejected, counts.lines_new,
        counts.lines_changed, counts.lines_removed, parsed.rejected_rows, parsed.warnings, counts.removed,
        counts.ingest_id, customers=sorted(parsed.customers))


def _duplicate_message(earlier) -> str:
    detail = f" ({earlier.file_name}, ingested {earlier.ingested_at})" if earlier else ""
    return f"The same file content was already ingested{detail}; nothing changed."


def _log_unapplied(store, report: FileReport) -> FileReport:
    """The ingest log keeps rejected and duplicate files too, so `status` shows every file that came in."""
    report.ingest_id = store.record_ingest(file_name=report.file_name, content_hash=report.content_hash,
                                           outcome=report.outcome, message=report.message,
                                           rows_total=report.rows)
    return report
