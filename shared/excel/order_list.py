"""Reads and validates one order list: finds its sheet and header, sorts the columns into size, date and
text columns, and turns the rows into the orders of one ingest batch, the rejected rows and warnings.

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

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..common.errors import RejectedFile, StoreError
from ..common.records import CUSTOMER_COLUMN, IncomingOrder, IngestBatch
from ..config import Config
from ..store import MAX_BUSINESS_KEY, MAX_SIZE_CODE, check_column_name
from .cell_values import RejectedValue, as_date, as_quantity, as_quantity_text, as_text, shown_text
from .order_row import RowValues, business_key, row_hash
from .report import RejectedRow
from .workbook import CellValue, OrderSheet, Workbook, column_letter

MONDAY_NAME_LIMIT = 255
PROGRESS_EVERY_ROWS = 1000
_DATE_COLUMN = re.compile(r"\bDATES?\b", re.IGNORECASE)

# (file name, worksheet row reached, last row of the sheet or None); called every PROGRESS_EVERY_ROWS rows
# and once at the end of the sheet.
Progress = Callable[[str, int, int | None], None]


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
        self.kind_of_slot = tuple(as_quantity_text if name in quantities
                                  else as_date if _DATE_COLUMN.search(name)
                                  else as_text for name in self.order_columns)
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
                    quantity = as_quantity(raw)
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
        shown = None if raw is None else str(raw) if isinstance(raw, str) else shown_text(raw)
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
