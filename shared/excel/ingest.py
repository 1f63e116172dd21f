"""Ingest: one Excel order list -> validated, normalised orders -> one store transaction -> a report.

Rules (the user-facing reference is docs/ingest.md):

* Size columns are exactly the named columns strictly between ``[excel].sizes_after`` and
  ``[excel].sizes_before``; they and the ``sizes_before`` column (TOTAL QTY) hold quantities: whole numbers
  of 0 or more, blank = 0.
* Date columns are the columns whose name holds the word DATE (or DATES); their values become ``YYYY-MM-DD``.
* Every other cell is text: trimmed, inner white space kept, numbers written canonically (``12.0`` -> ``12``).
* A value that cannot be read that way rejects its row, never turns into a blank.
* The business key is the key columns' values joined by ``|`` (``\\`` and ``|`` inside a value are escaped
  with ``\\``); the row hash is SHA-256 over the row's non-blank values and non-zero sizes (:func:`row_hash`).
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..common.errors import RejectedFile, StoreError
from ..common.records import CUSTOMER_COLUMN, IncomingOrder, IngestBatch, IngestCounts
from ..config import Config
from ..store import (
    ACCEPTED,
    DUPLICATE,
    MAX_BUSINESS_KEY,
    MAX_SIZE_CODE,
    REJECTED,
    DuplicateIngest,
    check_column_name,
    open_store,
)
from .workbook import CellError, CellValue, OrderSheet, UncalculatedFormula, Workbook, column_letter

KEY_SEPARATOR = "|"
ROW_HASH_VERSION = "ordersync-row-v1"
MAX_QUANTITY = 2_147_483_647  # fits an INT column on both databases
MONDAY_NAME_LIMIT = 255
PROGRESS_EVERY_ROWS = 1000
_DATE_COLUMN = re.compile(r"\bDATES?\b", re.IGNORECASE)
_WHOLE_NUMBER = re.compile(r"^\d+(?:\.0*)?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")

# (file name, worksheet row reached, last row of the sheet or None); called every PROGRESS_EVERY_ROWS rows
# and once at the end of the sheet.
Progress = Callable[[str, int, int | None], None]


class RejectedValue(ValueError):
    """One cell that cannot be read as its column requires; rejects its row."""


# -- report ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RejectedRow:
    row: int  # 1-based worksheet row number
    column: str | None  # None when the reason concerns the whole row (a shared key)
    value: str | None  # the cell as found, shown as text
    message: str


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
    rejected_rows: list[RejectedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_text(self) -> str:
        if self.outcome != ACCEPTED:
            return f"{self.file_name}: {self.outcome}\n  {self.message}\n"
        lines = [f"{self.file_name}: {self.outcome} (sheet {self.sheet!r}, header on row {self.header_row})",
                 f"  rows {self.rows}: {self.new} new, {self.changed} changed, {self.unchanged} unchanged, "
                 f"{self.rejected} rejected; size lines: {self.lines_new} new, {self.lines_changed} changed, "
                 f"{self.lines_removed} removed"]
        if self.rejected_rows:
            lines.append("  rejected rows:")
            lines.extend(f"    row {row.row}"
                         + (f", {row.column}" if row.column else "")
                         + (f" = {row.value!r}" if row.value is not None and row.column else "")
                         + f": {row.message}" for row in self.rejected_rows)
        if self.warnings:
            lines.append("  warnings:")
            lines.extend(f"    {warning}" for warning in self.warnings)
        return "\n".join(lines) + "\n"


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)

    @property
    def any_file_rejected(self) -> bool:
        return any(report.outcome == REJECTED for report in self.files)

    def totals(self) -> dict[str, int]:
        totals = {name: sum(getattr(report, name) for report in self.files)
                  for name in ("rows", "new", "changed", "unchanged", "rejected")}
        for outcome in (ACCEPTED, REJECTED, DUPLICATE):
            totals[f"files_{outcome}"] = sum(report.outcome == outcome for report in self.files)
        return totals

    def to_dict(self) -> dict:
        return {"files": [report.to_dict() for report in self.files], "totals": self.totals()}

    def to_text(self) -> str:
        t = self.totals()
        summary = (f"total: {len(self.files)} file(s): {t['files_accepted']} accepted, {t['files_rejected']} "
                   f"rejected, {t['files_duplicate']} duplicate; rows {t['rows']}: {t['new']} new, "
                   f"{t['changed']} changed, {t['unchanged']} unchanged, {t['rejected']} rejected\n")
        return "".join(report.to_text() for report in self.files) + summary


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
    """Ingest one workbook given as a path or as its bytes (a blob). Never raises for a bad file."""
    try:
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
    except OSError as exc:
        return FileReport(file_name, REJECTED, f"The file cannot be read: {exc.strerror}.")
    content_hash = hashlib.sha256(data).hexdigest()
    earlier = store.find_ingest(content_hash)
    if earlier is not None:
        return _log_unapplied(store, FileReport(file_name, DUPLICATE, _duplicate_message(earlier),
                                                content_hash))
    try:
        parsed = parse_order_list(config, data, file_name, progress, content_hash)
    except RejectedFile as exc:
        return _log_unapplied(store, FileReport(file_name, REJECTED, str(exc), content_hash))
    try:
        counts: IngestCounts = store.apply_ingest(parsed.batch)
    except DuplicateIngest:  # the same content was applied meanwhile (two uploads racing)
        earlier = store.find_ingest(content_hash)
        return _log_unapplied(store, FileReport(file_name, DUPLICATE, _duplicate_message(earlier),
                                                content_hash))
    return FileReport(
        file_name, ACCEPTED, "", content_hash, parsed.sheet, parsed.header_row, parsed.batch.rows_total,
        counts.new, counts.changed, counts.unchanged, parsed.batch.rows_rejected, counts.lines_new,
        counts.lines_changed, counts.lines_removed, parsed.rejected_rows, parsed.warnings)


def _duplicate_message(earlier) -> str:
    detail = f" ({earlier.file_name}, ingested {earlier.ingested_at})" if earlier else ""
    return f"The same file content was already ingested{detail}; nothing changed."


def _log_unapplied(store, report: FileReport) -> FileReport:
    """The ingest log keeps rejected and duplicate files too, so `status` shows every file that came in."""
    store.record_ingest(file_name=report.file_name, content_hash=report.content_hash, outcome=report.outcome,
                        message=report.message)
    return report


# -- parsing and validation --------------------------------------------------------------------------------
@dataclass
class ParsedFile:
    batch: IngestBatch
    sheet: str
    header_row: int
    rejected_rows: list[RejectedRow]
    warnings: list[str]


def parse_order_list(config: Config, data: bytes, file_name: str, progress: Progress | None = None,
                     content_hash: str | None = None) -> ParsedFile:
    """Read and validate a workbook; raises RejectedFile when the file as a whole cannot be used."""
    excel = config.excel
    sheet = Workbook(data).find_order_sheet(excel.sheet, excel.required_columns, excel.header_search_rows)
    content_hash = content_hash or hashlib.sha256(data).hexdigest()
    return _OrderListReader(config, sheet).read(file_name, content_hash, progress)


class RowValues(Mapping):
    """One row's order-column values sharing the file's column index (100,000 rows fit in little memory)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: Mapping[str, int], values: tuple[str | None, ...]):
        self._index = index
        self._values = values

    def __getitem__(self, column: str) -> str | None:
        return self._values[self._index[column]]

    def get(self, column: str, default=None):
        position = self._index.get(column)
        return default if position is None else self._values[position]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def items(self) -> list[tuple[str, str | None]]:  # the row hash walks every row's items: keep it quick
        return list(zip(self._index, self._values, strict=True))

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        return f"RowValues({dict(self)!r})"


def business_key(values: Iterable[str]) -> str:
    """Key values joined by ``|``; a ``\\`` or ``|`` inside a value is escaped, so two keys never collide."""
    return KEY_SEPARATOR.join(value.replace("\\", "\\\\").replace("|", "\\|") for value in values)


def row_hash(values: Mapping[str, str | None], sizes: Mapping[str, int]) -> str:
    """SHA-256 hex of the JSON text ``["ordersync-row-v1", [[column, value]...], [[size, qty]...]]``.

    Columns and sizes are sorted by name and blanks / zero quantities are left out, so column order, a blank
    versus an absent column, and cosmetic differences (already removed by normalisation) never change it.
    """
    columns = sorted((name, value) for name, value in values.items() if value is not None)
    quantities = sorted((code, qty) for code, qty in sizes.items() if qty)
    payload = json.dumps([ROW_HASH_VERSION, columns, quantities], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class _Candidate:
    number: int
    customer: str
    key: str
    values: tuple[str | None, ...]
    sizes: dict[str, int]
    valid: bool


class _OrderListReader:
    """Turns the rows of one order sheet into IncomingOrders, rejected rows and warnings."""

    def __init__(self, config: Config, sheet: OrderSheet):
        self.config = config
        self.sheet = sheet
        header = sheet.header
        self.name_of = header.names
        self.check_unique_names()
        self.size_positions, order_positions = self.split_size_columns()
        self.check_storable_names()
        self.order_columns = tuple(header.names[index] for index in order_positions)
        self.column_slot = {index: slot for slot, index in enumerate(order_positions)}
        self.slot_of = {name: slot for slot, name in enumerate(self.order_columns)}
        quantities = {config.excel.sizes_before}
        self.kind_of_slot = tuple(_quantity_text if name in quantities else _date if _DATE_COLUMN.search(name)
                                  else _text for name in self.order_columns)
        required = dict.fromkeys((*config.excel.required_columns, CUSTOMER_COLUMN))
        for name in required:
            if name not in self.slot_of:
                raise RejectedFile(f"Required column {name!r} is missing from the header (sheet "
                                   f"{header.sheet!r}, row {header.row}).")
        self.customer_slot = self.slot_of[CUSTOMER_COLUMN]
        self.required_slots = [(name, self.slot_of[name]) for name in required]
        self.required_names = frozenset(required)
        self.key_slots: dict[str, list[tuple[str, int]]] = {}
        self.text_cache: dict[str, str] = {}
        self.rejected: list[RejectedRow] = []
        self.warnings: list[str] = []
        if not self.size_positions:
            self.warnings.append(f"No size columns between {config.excel.sizes_after!r} and "
                                 f"{config.excel.sizes_before!r}; the orders have no size lines.")

    # -- header --------------------------------------------------------------------------------------------
    def check_unique_names(self) -> None:
        """Names compare without case as well: the database cannot hold columns differing only in case."""
        seen: dict[str, int] = {}
        for index, name in sorted(self.name_of.items()):
            first = seen.setdefault(name.casefold(), index)
            if first != index:
                same = "" if self.name_of[first] == name else f" (as {self.name_of[first]!r})"
                raise RejectedFile(
                    f"Column name {name!r} appears twice in the header{same} (row {self.sheet.header.row}, "
                    f"columns {column_letter(first)} and {column_letter(index)}); rename one of them.")

    def check_storable_names(self) -> None:
        for index, name in self.name_of.items():
            try:
                if index in self.size_positions:
                    if len(name) > MAX_SIZE_CODE:
                        raise StoreError(f"size name {name[:40]!r}... is {len(name)} characters long; at "
                                         f"most {MAX_SIZE_CODE} fit")
                else:
                    check_column_name(name)
            except StoreError as exc:
                raise RejectedFile(f"Column {column_letter(index)} of the header (row "
                                   f"{self.sheet.header.row}) cannot be stored: {exc}.") from None

    def split_size_columns(self) -> tuple[dict[int, str], list[int]]:
        excel = self.config.excel
        position = {name: index for index, name in self.name_of.items()}
        for marker, key in ((excel.sizes_after, "sizes_after"), (excel.sizes_before, "sizes_before")):
            if marker not in position:
                edge = "start" if key == "sizes_after" else "end"
                raise RejectedFile(f"Column {marker!r} is missing; it marks where the size columns {edge} "
                                   f"([excel].{key}), so the sizes cannot be found.")
        after, before = position[excel.sizes_after], position[excel.sizes_before]
        if before < after:
            raise RejectedFile(f"Column {excel.sizes_before!r} comes before {excel.sizes_after!r}; the size "
                               f"columns must lie between them.")
        sizes = {index: name for index, name in sorted(self.name_of.items()) if after < index < before}
        return sizes, [index for index in sorted(self.name_of) if index not in sizes]

    def key_columns(self, customer: str, row: int) -> list[tuple[str, int]]:
        slots = self.key_slots.get(customer)
        if slots is None:
            columns = self.config.key_columns(customer)
            missing = [name for name in columns if name not in self.slot_of]
            if missing:
                raise RejectedFile(f"Key column {missing[0]!r} is missing from the header; it is part of the "
                                   f"business key of customer {customer!r} (first seen on row {row}).")
            slots = self.key_slots[customer] = [(name, self.slot_of[name]) for name in columns]
        return slots

    # -- rows ----------------------------------------------------------------------------------------------
    def read(self, file_name: str, content_hash: str, progress: Progress | None) -> ParsedFile:
        candidates: list[_Candidate] = []
        unknown_customers: dict[str, list[int]] = {}
        rows_by_key: dict[str, list[int]] = {}
        last_row = self.sheet.last_row
        for number, cells in self.sheet.rows:
            if progress and number % PROGRESS_EVERY_ROWS == 0:
                progress(file_name, number, last_row)
            candidate = self.read_row(number, cells, unknown_customers)
            if candidate is not None:
                candidates.append(candidate)
                if candidate.key:
                    rows_by_key.setdefault(candidate.key, []).append(number)
        if progress:
            progress(file_name, last_row or 0, last_row)
        self.reject_shared_keys(rows_by_key)
        orders = tuple(self.incoming_orders(candidates, rows_by_key))
        self.warn_unknown_customers(unknown_customers)
        if not candidates:
            self.warnings.append(f"No order rows below the header (row {self.sheet.header.row}).")
        rejected_rows = len({row.row for row in self.rejected})
        batch = IngestBatch(file_name, content_hash, self.order_columns, orders, len(candidates),
                            rejected_rows)
        self.rejected.sort(key=lambda row: row.row)
        return ParsedFile(batch, self.sheet.header.sheet, self.sheet.header.row, self.rejected, self.warnings)

    def read_row(self, number: int, cells: dict[int, CellValue], unknown_customers: dict[str, list[int]]
                 ) -> _Candidate | None:
        values: list[str | None] = [None] * len(self.order_columns)
        sizes: dict[str, int] = {}
        problems = len(self.rejected)
        blank = True
        for index, raw in cells.items():
            if isinstance(raw, str) and not raw.strip():
                continue
            slot = self.column_slot.get(index)
            size = self.size_positions.get(index) if slot is None else None
            if slot is None and size is None:
                continue  # a column without a header name
            blank = False
            try:
                if size is not None:
                    quantity = _quantity(raw)
                    if quantity:
                        sizes[size] = quantity
                else:
                    value = self.kind_of_slot[slot](raw)
                    if value is not None:
                        values[slot] = self.text_cache.setdefault(value, value)
            except RejectedValue as exc:
                column = size if size is not None else self.order_columns[slot]
                self.reject(number, column, raw, f"{column_letter(index)}{number}: {exc}")
        if blank:
            return None
        customer = self.canonical_customer(number, values, unknown_customers)
        for name, slot in self.required_slots:
            if values[slot] is None:
                self.reject(number, name, None, f"Required column {name!r} is blank.")
        key = ""
        if customer is not None:
            key_columns = self.key_columns(customer, number)
            parts = [values[slot] for _, slot in key_columns]
            for name, slot in key_columns:
                if values[slot] is None and name not in self.required_names:
                    self.reject(number, name, None, f"Key column {name!r} is blank.")
            key = business_key(parts) if None not in parts else ""
            if len(key) > MAX_BUSINESS_KEY:
                self.reject(number, None, key, f"The business key is {len(key)} characters long; at most "
                                               f"{MAX_BUSINESS_KEY} fit.")
                key = ""
        return _Candidate(number, customer or "", key, tuple(values), sizes, len(self.rejected) == problems)

    def canonical_customer(self, number: int, values: list[str | None],
                           unknown_customers: dict[str, list[int]]) -> str | None:
        name = values[self.customer_slot]
        if name is None:
            return None
        canonical, known = self.config.canonical_customer(name)
        if not known:
            unknown_customers.setdefault(canonical, []).append(number)
        values[self.customer_slot] = self.text_cache.setdefault(canonical, canonical)
        return canonical

    def reject(self, number: int, column: str | None, raw: CellValue | None, message: str) -> None:
        shown = None if raw is None else str(raw) if isinstance(raw, str) else _shown(raw)
        self.rejected.append(RejectedRow(number, column, shown, message))

    def reject_shared_keys(self, rows_by_key: dict[str, list[int]]) -> None:
        for key, rows in rows_by_key.items():
            if len(rows) > 1:
                listed = ", ".join(map(str, rows))
                for number in rows:
                    self.reject(number, None, key, f"Rows {listed} share the business key {key!r}; all of "
                                                   f"them are rejected until the key is unique.")

    def incoming_orders(self, candidates: list[_Candidate], rows_by_key: dict[str, list[int]]
                        ) -> Iterator[IncomingOrder]:
        item_name = self.config.orders.item_name
        for candidate in candidates:
            if not candidate.valid or len(rows_by_key[candidate.key]) > 1:
                continue
            values = RowValues(self.slot_of, candidate.values)
            name = item_name.render(values)
            if not name or len(name) > MONDAY_NAME_LIMIT:
                problem = "is empty" if not name else f"is {len(name)} characters long"
                self.warnings.append(f"Row {candidate.number}: the item name {problem}; monday accepts 1 to "
                                     f"{MONDAY_NAME_LIMIT} characters, so this order will fail to sync.")
            yield IncomingOrder(candidate.key, candidate.customer, values, candidate.sizes,
                                row_hash(values, candidate.sizes), candidate.number)

    def warn_unknown_customers(self, unknown_customers: dict[str, list[int]]) -> None:
        for name, rows in unknown_customers.items():
            self.warnings.append(f"Customer {name!r} is not in the configuration; its {len(rows)} row(s) "
                                 f"(first row {rows[0]}) are stored under that name.")


# -- cell normalisation ------------------------------------------------------------------------------------
def _check_readable(raw: CellValue) -> None:
    if isinstance(raw, CellError):
        raise RejectedValue(f"the cell holds the Excel error {raw.code}.")
    if isinstance(raw, UncalculatedFormula):
        raise RejectedValue(f"the formula {raw} was saved without a calculated value; open the file in "
                            f"Excel, let it calculate and save it again.")


def _text(raw: CellValue) -> str | None:
    if isinstance(raw, str):
        text = raw.strip()
        return (text.replace("\r\n", "\n") if "\r" in text else text) or None
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        return canonical_number(raw)
    if isinstance(raw, datetime.datetime):
        return raw.date().isoformat() if raw.time() == datetime.time() else raw.isoformat()
    _check_readable(raw)
    raise RejectedValue(f"unexpected cell value {raw!r}.")


def _shown(raw: CellValue) -> str:
    """A cell as a message shows it: numbers and dates as :func:`_text` writes them, errors as Excel does."""
    try:
        return _text(raw)
    except RejectedValue:
        return str(raw)


def canonical_number(number: float) -> str:
    """``12.0`` -> ``12``, ``12.50`` -> ``12.5``; never an exponent."""
    if number.is_integer():
        return str(int(number))
    text = repr(number)
    if "e" not in text:
        return text
    return format(decimal.Decimal(text), "f")


def _quantity(raw: CellValue) -> int:
    if isinstance(raw, bool | datetime.datetime):
        raise RejectedValue(f"{_shown(raw)} is not a quantity (a whole number of 0 or more).")
    if isinstance(raw, int):
        quantity = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise RejectedValue(f"{canonical_number(raw)} is not a whole number.")
        quantity = int(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if not text:
            return 0
        if not _WHOLE_NUMBER.match(text):
            raise RejectedValue(f"{raw!r} is not a quantity (a whole number of 0 or more).")
        quantity = int(text.split(".")[0])
    else:
        _check_readable(raw)
        raise RejectedValue(f"unexpected cell value {raw!r}.")
    if quantity < 0:
        raise RejectedValue(f"{quantity} is negative; quantities must be 0 or more.")
    if quantity > MAX_QUANTITY:
        raise RejectedValue(f"{quantity} is too large for a quantity.")
    return quantity


def _quantity_text(raw: CellValue) -> str:
    return str(_quantity(raw))


def _date(raw: CellValue) -> str | None:
    if isinstance(raw, datetime.datetime):
        return raw.date().isoformat()
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return None
        try:
            if _ISO_DATE.match(text):
                return datetime.datetime.fromisoformat(text).date().isoformat()
            match = _US_DATE.match(text)
            if match:
                month, day, year = (int(part) for part in match.groups())
                return datetime.date(year + 2000 if year < 100 else year, month, day).isoformat()
        except ValueError:
            raise RejectedValue(f"{raw!r} is not a real date.") from None
        raise RejectedValue(f"{raw!r} is not a date (use an Excel date, YYYY-MM-DD or M/D/YYYY).")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raise RejectedValue(f"{raw} is a plain number, not a date; format the cell as a date.")
    _check_readable(raw)
    raise RejectedValue(f"{raw!r} is not a date.")

