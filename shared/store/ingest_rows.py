"""The rejected rows and warnings of each ingest (migration 004), kept with its log entry so that
``ingest show`` and ``status`` can list them again long after the report was printed, and the look-ups of
log entries by id, file name or content.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..common.records import IngestIssue
from .ingest_log import LOG_COLUMNS, IngestLogEntry, IngestLogMixin

REJECTED_ROW, WARNING = "rejected", "warning"
_ROW_COLUMNS = "kind, sheet_row, column_name, cell_value, message"


class IngestRowsMixin(IngestLogMixin):
    """Ingest rows and log look-ups of :class:`OrderStore`."""

    def _write_ingest_rows(self, ingest_id: int, issues: Sequence[IngestIssue]) -> None:
        self.executemany(
            f"INSERT INTO {self.ingest_rows_table} (ingest_id, seq, {_ROW_COLUMNS}) "
            f"VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(ingest_id, seq, issue.kind, issue.row, issue.column, issue.value, issue.message)
             for seq, issue in enumerate(issues, 1)])

    @property
    def ingest_rows_table(self) -> str:
        return self.dialect.quote(self.tables.ingest_rows)

    def ingest_entries(self, *, ingest_id: int | None = None, file_name: str | None = None,
                       content_hash: str | None = None, limit: int = 10) -> list[IngestLogEntry]:
        """Log entries, newest first, of one id, one file name or one content hash."""
        conditions = [(name, value) for name, value in
                      (("ingest_id", ingest_id), ("file_name", file_name), ("content_hash", content_hash))
                      if value is not None]
        where = " AND ".join(f"{name} = ?" for name, _ in conditions) or "1 = 1"
        sql, params = self.dialect.select_first(
            limit, ", ".join(LOG_COLUMNS),
            f"FROM {self.ingest_log_table} WHERE {where} ORDER BY ingest_id DESC",
            tuple(value for _, value in conditions))
        return self.run_in_transaction(lambda: [IngestLogEntry(*row) for row in self.query(sql, params)],
                                       write=False)

    def ingest_issues(self, ingest_id: int) -> list[IngestIssue]:
        """The rejected rows and warnings of one ingest, in the order the report gave them."""
        rows = self.run_in_transaction(lambda: self.query(
            f"SELECT {_ROW_COLUMNS} FROM {self.ingest_rows_table} WHERE ingest_id = ? ORDER BY seq",
            (ingest_id,)), write=False)
        return [IngestIssue(*row) for row in rows]

    def _recent_warnings(self, ingests: Sequence[IngestLogEntry], limit: int) -> list[dict]:
        """The warnings of these ingests (newest first), at most ``limit``, with their file name."""
        names = {entry.ingest_id: entry.file_name for entry in ingests}
        if not names:
            return []
        marks = ", ".join("?" * len(names))
        sql, params = self.dialect.select_first(
            limit, f"ingest_id, {_ROW_COLUMNS}",
            f"FROM {self.ingest_rows_table} WHERE kind = ? AND ingest_id IN ({marks}) "
            f"ORDER BY ingest_id DESC, seq", (WARNING, *names))
        return [{"ingest_id": ingest_id, "file_name": names[ingest_id], "row": row, "column": column,
                 "value": value, "message": message}
                for ingest_id, _, row, column, value, message in self.query(sql, params)]
