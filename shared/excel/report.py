"""The reports an ingest hands back: one per file (outcome, counts, rejected rows, warnings) and one per run
(the files and their totals), as text for people and as dicts for JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from ..store import ACCEPTED, DUPLICATE, REJECTED


@dataclass(frozen=True)
class RowIssue:
    """A rejected row, or a warning (about a row, or the file when ``row`` is None)."""

    row: int | None  # 1-based worksheet row number
    column: str | None  # None when the reason concerns the whole row (a shared key)
    value: str | None  # the cell as found, shown as text
    message: str

    def to_text(self) -> str:
        return (f"row {self.row}" + (f", {self.column}" if self.column else "")
                + (f" = {self.value!r}" if self.value is not None and self.column else "")
                + f": {self.message}") if self.row is not None else self.message


@dataclass
class FileReport:
    file_name: str
    outcome: str  # ACCEPTED, REJECTED or DUPLICATE
    message: str = ""  # why the whole file was rejected, or what it duplicates
    content_hash: str = ""
    sheet: str | None = None
    header_row: int | None = None
    rows: int = 0  # order rows below the header (blank rows not counted)
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    rejected: int = 0  # rows rejected
    lines_new: int = 0
    lines_changed: int = 0
    lines_removed: int = 0
    rejected_rows: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    removed: int = 0  # orders REMOVED: missing from a complete order list ([excel].complete_lists)
    ingest_id: int | None = None  # the ingest log entry (``ingest show ID``)
    customers: list[str] = field(default_factory=list)  # canonical names of the valid rows' customers

    def to_dict(self) -> dict:
        return asdict(self)

    def to_text(self) -> str:
        if self.outcome != ACCEPTED:
            return f"{self.file_name}: {self.outcome}\n  {self.message}\n"
        lines = [f"{self.file_name}: {self.outcome} (sheet {self.sheet!r}, header on row {self.header_row})",
                 f"  rows {self.rows}: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
                 f"{self.rejected} rejected, {self.removed} removed; size lines: {self.lines_new} new, "
                 f"{self.lines_changed} changed, {self.lines_removed} removed"]
        if self.rejected_rows:
            lines.append("  rejected rows:")
            lines.extend(f"    {row.to_text()}" for row in self.rejected_rows)
        if self.warnings:
            lines.append("  warnings:")
            lines.extend(f"    {warning.message}" for warning in self.warnings)
        return "\n".join(lines) + "\n"


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def any_file_rejected(self) -> bool:
        return any(report.outcome == REJECTED for report in self.files)

    def totals(self) -> dict[str, int]:
        totals = {name: sum(getattr(report, name) for report in self.files)
                  for name in ("rows", "new", "changed", "unchanged", "rejected", "removed")}
        for outcome in (ACCEPTED, REJECTED, DUPLICATE):
            totals[f"files_{outcome}"] = sum(report.outcome == outcome for report in self.files)
        return totals

    def to_dict(self) -> dict:
        return {"files": [report.to_dict() for report in self.files], "totals": self.totals()}

    def to_text(self) -> str:
        t = self.totals()
        summary = (f"total: {len(self.files)} file(s): {t['files_accepted']} accepted, {t['files_rejected']} "
                   f"rejected, {t['files_duplicate']} duplicate; rows {t['rows']}: {t['new']} new, "
                   f"{t['changed']} changed, {t['unchanged']} unchanged, {t['rejected']} rejected, "
                   f"{t['removed']} removed\n")
        return "".join(report.to_text() for report in self.files) + summary
