"""The ingest log: one entry per file the ingest saw (accepted, rejected or a duplicate), and the lookup of
content already applied.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from ..common.errors import StoreError
from .timestamps import timestamp_text
from .transactions import StoreTransactions

ACCEPTED, REJECTED, DUPLICATE = "accepted", "rejected", "duplicate"


@dataclass(frozen=True)
class IngestLogEntry:
    file_name: str
    content_hash: str
    ingested_at: str
    outcome: str  # ACCEPTED, REJECTED or DUPLICATE
    message: str = ""
    rows_total: int = 0
    orders_new: int = 0
    orders_changed: int = 0
    orders_unchanged: int = 0
    rows_rejected: int = 0
    lines_new: int = 0
    lines_changed: int = 0
    lines_removed: int = 0
    orders_removed: int = 0  # migration 004: orders REMOVED by a complete order list
    rows_warned: int = 0  # migration 004: rows with an ingest-time warning
    ingest_id: int | None = None  # given by the database

    def to_dict(self) -> dict:
        return asdict(self)


LOG_COLUMNS = tuple(column.name for column in fields(IngestLogEntry))  # the log table's columns, same order
_WRITTEN_COLUMNS = LOG_COLUMNS[:-1]  # all but ingest_id, which the database numbers


class IngestLogMixin(StoreTransactions):
    """The ingest log of :class:`OrderStore`."""

    def find_ingest(self, content_hash: str) -> IngestLogEntry | None:
        """The accepted ingest of this file content, if any (a rejected one does not count)."""
        return self.run_in_transaction(lambda: self._find_accepted(content_hash), write=False)

    def _find_accepted(self, content_hash: str) -> IngestLogEntry | None:
        sql, params = self.dialect.select_first(
            1, ", ".join(LOG_COLUMNS),
            f"FROM {self.ingest_log_table} WHERE content_hash = ? AND outcome = ? ORDER BY ingest_id DESC",
            (content_hash, ACCEPTED))
        rows = self.query(sql, params)
        return IngestLogEntry(*rows[0]) if rows else None

    def record_ingest(self, *, file_name: str, content_hash: str, outcome: str, message: str = "",
                      rows_total: int = 0, rows_rejected: int = 0) -> int:
        """Log a file that changed nothing: rejected, or a duplicate of content already applied; its id."""
        if outcome not in (REJECTED, DUPLICATE):
            raise StoreError(f"record_ingest logs {REJECTED!r} or {DUPLICATE!r} files, not {outcome!r} "
                             f"(accepted files are logged by apply_ingest)")
        entry = IngestLogEntry(file_name, content_hash, timestamp_text(), outcome, message, rows_total,
                               rows_rejected=rows_rejected)
        return self.run_in_transaction(lambda: self._log_ingest(entry))

    def _log_ingest(self, entry: IngestLogEntry) -> int:
        """Insert the entry; the ingest_id the database gave it."""
        sql = self.dialect.insert_returning_sql(self.ingest_log_table, ", ".join(_WRITTEN_COLUMNS),
                                                ", ".join("?" * len(_WRITTEN_COLUMNS)), "ingest_id")
        rows = self.query(sql, tuple(getattr(entry, name) for name in _WRITTEN_COLUMNS))
        return int(rows[0][0])
