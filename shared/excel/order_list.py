"""Reads and validates one order list: finds its sheet and header, turns the rows into the orders of one
ingest batch (spooled, not held), the rejected rows and the warnings.

Rules (the user-facing reference is docs/excel-format.md):

* Size columns are exactly the named columns strictly between ``[excel].sizes_after`` and
  ``[excel].sizes_before``; they and the ``sizes_before`` column (TOTAL QTY) hold quantities: whole numbers
  of 0 or more, blank = 0.
* Date columns are the columns whose name holds the word DATE (or DATES); their values become ``YYYY-MM-DD``.
* Every other cell is text: trimmed, inner white space kept, numbers written canonically (``12.0`` -> ``12``).
* A value that cannot be read that way rejects its row, never turns into a blank.
* The business key is the key columns' values (NFKC, format characters removed) joined by ``|`` (``\\`` and
  ``|`` inside a value are escaped with ``\\``); the row hash is SHA-256 over the row's non-blank values and
  non-zero sizes (:func:`row_hash`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from ..common.records import IncomingOrder, IngestBatch, IngestIssue, RemovalScope
from ..config import Config
from ..store import MAX_BUSINESS_KEY
from .cell_values import RejectedValue, as_quantity, printable, shown_text
from .order_header import OrderHeader
from .order_row import RowValues, business_key, row_hash
from .order_spool import OrderSpool
from .report import RowIssue
from .row_warnings import RowWarnings
from .workbook import CellValue, OrderSheet, Workbook, column_letter

PROGRESS_EVERY_ROWS = 1000
SHARED_KEY_ROWS_SHOWN = 20  # a key shared by more rows lists the first ones and counts the rest
_TEXT_CACHE_SIZE = 100_000  # repeated values share one string object; the cache is bounded, not the file

# (file name, worksheet row reached, last row of the sheet or None); called every PROGRESS_EVERY_ROWS rows
# and once at the end of the sheet.
Progress = Callable[[str, int, int | None], None]


@dataclass
class ParsedFile:
    batch: IngestBatch
    sheet: str
    header_row: int
    rejected_rows: list[RowIssue]
    warnings: list[RowIssue]
    customers: tuple[str, ...] = ()  # canonical names of the valid rows' customers


def parse_order_list(config: Config, source: bytes | BinaryIO, file_name: str,
                     progress: Progress | None = None, content_hash: str | None = None,
                     column_types: Mapping[str, str] | None = None) -> ParsedFile:
    """Read and validate a workbook; raises RejectedFile when the file as a whole cannot be used.

    ``column_types`` (monday column id -> type) overrides the type read from a mapped column's id.
    """
    excel = config.excel
    sheet = Workbook(source, excel).find_order_sheet(excel.sheet, excel.required_columns,
                                                     excel.header_search_rows)
    content_hash = content_hash or sha256_of(source)
    return _OrderListReader(config, sheet, column_types).read(file_name, content_hash, progress)


def sha256_of(source: bytes | BinaryIO) -> str:
    """SHA-256 hex of a file's content, read in chunks (a file object is left at its start)."""
    if isinstance(source, bytes):
        return hashlib.sha256(source).hexdigest()
    source.seek(0)
    digest = hashlib.file_digest(source, "sha256").hexdigest()
    source.seek(0)
    return digest


class _OrderListReader:
    """Turns the rows of one order sheet into spooled orders, rejected rows and warnings."""

    def __init__(self, config: Config, sheet: OrderSheet, column_types: Mapping[str, str] | None):
        self.config = config
        self.sheet = sheet
        self.header = OrderHeader(config, sheet)
        self.row_warnings = RowWarnings(config, self.header.order_columns, bool(self.header.size_positions),
                                        column_types)
        self.text_cache: dict[str, str] = {}
        self.rejected: list[RowIssue] = []
        self.rejected_numbers: set[int] = set()
        self.warnings: list[RowIssue] = []
        self.spool = OrderSpool()
        self.first_row_of_key: dict[str, int] = {}
        self.shared_keys: dict[str, list[int]] = {}
        self.customers: dict[str, int] = {}
        self.unknown_customers: dict[str, list[int]] = {}
        self.keyless_rows: dict[str | None, list[int]] = {}  # customer (None: blank) -> rows without a key
        if not self.header.size_positions:
            self.warnings.append(RowIssue(None, None, None, (
                f"No size columns between {config.excel.sizes_after!r} and {config.excel.sizes_before!r}; "
                f"the orders have no size lines.")))

    def read(self, file_name: str, content_hash: str, progress: Progress | None) -> ParsedFile:
        last_row = self.sheet.last_row
        rows = 0
        for number, cells in self.sheet.rows:
            if progress and number % PROGRESS_EVERY_ROWS == 0:
                progress(file_name, number, last_row)
            rows += self.read_row(number, cells)
        if progress:
            progress(file_name, last_row or 0, last_row)
        self.reject_shared_keys()
        # a row rejected for its shared key is not stored: its own warnings would only be noise
        self.warnings = [issue for issue in self.warnings
                         if issue.row is None or issue.row not in self.rejected_numbers]
        self.warn_unknown_customers()
        if not rows:
            self.warnings.append(RowIssue(None, None, None,
                                          f"No order rows below the header (row {self.sheet.header.row})."))
        self.rejected.sort(key=lambda issue: issue.row)
        issues = [IngestIssue("rejected", *_fields(issue)) for issue in self.rejected]
        issues += [IngestIssue("warning", *_fields(issue)) for issue in self.warnings]
        orders = _SpooledOrders(self.spool, self.header.slot_of, frozenset(self.shared_keys))
        batch = IngestBatch(file_name, content_hash, self.header.order_columns, orders, rows,
                            len(self.rejected_numbers), self.removal_scope(), tuple(issues))
        return ParsedFile(batch, self.sheet.header.sheet, self.sheet.header.row, self.rejected, self.warnings,
                          tuple(sorted(self.customers)))

    def read_row(self, number: int, cells: dict[int, CellValue]) -> int:
        """Validate one row; spool it when valid. 0 for a blank row, else 1."""
        header = self.header
        values: list[str | None] = [None] * len(header.order_columns)
        sizes: dict[str, int] = {}
        problems = len(self.rejected)
        blank = True
        cache = self.text_cache
        if len(cache) >= _TEXT_CACHE_SIZE:
            cache.clear()
        for index, raw in cells.items():
            if isinstance(raw, str) and not raw.strip():
                continue
            slot = header.column_slot.get(index)
            size = header.size_positions.get(index) if slot is None else None
            if slot is None and size is None:
                continue  # a column without a header name
            blank = False
            try:
                if size is not None:
                    quantity = as_quantity(raw)
                    if quantity:
                        sizes[size] = quantity
                else:
                    value = header.kind_of_slot[slot](raw)
                    if value is not None:
                        values[slot] = cache.setdefault(value, value)
            except RejectedValue as exc:
                column = size if size is not None else header.order_columns[slot]
                self.reject(number, column, raw, f"{column_letter(index)}{number}: {exc}")
        if blank:
            return 0
        customer = self.canonical_customer(number, values)
        for name, slot in header.required_slots:
            if values[slot] is None:
                self.reject(number, name, None, f"Required column {name!r} is blank.")
        key = self.business_key(number, customer, values)
        if customer is not None:
            self.customers[customer] = self.customers.get(customer, 0) + 1
        if not key:
            self.keyless_rows.setdefault(customer, []).append(number)
        elif key in self.first_row_of_key:
            self.shared_keys.setdefault(key, [self.first_row_of_key[key]]).append(number)
        else:
            self.first_row_of_key[key] = number
        if len(self.rejected) == problems:
            row_values = RowValues(header.slot_of, tuple(values))
            self.warnings.extend(self.row_warnings.of_row(number, row_values, sizes))
            self.spool.add((number, customer, key, tuple(values), sizes, row_hash(row_values, sizes)))
        return 1

    def business_key(self, number: int, customer: str | None, values: list[str | None]) -> str:
        if customer is None:
            return ""
        key_columns = self.header.key_columns(customer, number)
        parts = [values[slot] for _, slot in key_columns]
        for name, slot in key_columns:
            if values[slot] is None and name not in self.header.required_names:
                self.reject(number, name, None, f"Key column {name!r} is blank.")
        if None in parts:
            return ""
        key = business_key(parts)
        if len(key) > MAX_BUSINESS_KEY:
            self.reject(number, None, key, f"The business key is {len(key)} characters long; at most "
                                           f"{MAX_BUSINESS_KEY} fit.")
            return ""
        return key

    def canonical_customer(self, number: int, values: list[str | None]) -> str | None:
        name = values[self.header.customer_slot]
        if name is None:
            return None
        canonical, known = self.config.canonical_customer(name)
        if not known:
            self.unknown_customers.setdefault(canonical, []).append(number)
        values[self.header.customer_slot] = canonical = self.text_cache.setdefault(canonical, canonical)
        return canonical

    def reject(self, number: int, column: str | None, raw: CellValue | None, message: str) -> None:
        shown = None if raw is None else printable(raw) if isinstance(raw, str) else shown_text(raw)
        self.rejected.append(RowIssue(number, column, shown, message))
        self.rejected_numbers.add(number)

    def reject_shared_keys(self) -> None:
        """One message per shared key, its rows listed once (the first ones when there are many)."""
        for key, rows in self.shared_keys.items():
            self.rejected_numbers.update(rows)
            listed = ", ".join(map(str, rows[:SHARED_KEY_ROWS_SHOWN]))
            if len(rows) > SHARED_KEY_ROWS_SHOWN:
                listed += f" and {len(rows) - SHARED_KEY_ROWS_SHOWN:,} more"
            self.rejected.append(RowIssue(rows[0], None, key, (
                f"Rows {listed} share the business key {key!r}; all {len(rows):,} of them are rejected "
                f"until the key is unique.")))

    def warn_unknown_customers(self) -> None:
        for name, rows in self.unknown_customers.items():
            close = self.config.close_customer(name)
            hint = (f"; it is close to {close[1]!r} (customer {close[0]!r}): a typo? Add the name as an "
                    f"alias if it is that customer" if close else "")
            self.warnings.append(RowIssue(rows[0], "CUSTOMER NAME", name, (
                f"Customer {name!r} is not in the configuration; its {len(rows)} row(s) (first row "
                f"{rows[0]}) are stored under that name{hint}.")))

    def removal_scope(self) -> RemovalScope | None:
        """With [excel].complete_lists, which customers this file is the complete list of: every customer
        with a row, except one with a row whose key cannot be read (every customer, when a row has no
        customer): such a file does not say for sure which orders are gone."""
        excel = self.config.excel
        if not excel.complete_lists:
            return None
        customers = set(self.customers)
        if None in self.keyless_rows:
            customers = set()
        for customer, rows in self.keyless_rows.items():
            customers.discard(customer)
            whose = f"customer {customer!r}" if customer is not None else "any customer (no customer name)"
            self.warnings.append(RowIssue(rows[0], None, None, (
                f"Row(s) {', '.join(map(str, rows[:SHARED_KEY_ROWS_SHOWN]))} have no business key, so this "
                f"file removes no order of {whose}: fix the rows to let the complete list take effect.")))
        return RemovalScope(tuple(sorted(customers)), frozenset(self.first_row_of_key),
                            excel.max_removed_fraction)


class _SpooledOrders:
    """The file's valid orders, read back from the spool; rows whose key another row shares are left out."""

    def __init__(self, spool: OrderSpool, slot_of: dict[str, int], shared_keys: frozenset[str]):
        self.spool, self.slot_of, self.shared_keys = spool, slot_of, shared_keys

    def __iter__(self) -> Iterator[IncomingOrder]:
        for chunk in self.spool.chunks():
            for number, customer, key, values, sizes, digest in chunk:
                if key not in self.shared_keys:
                    yield IncomingOrder(key, customer, RowValues(self.slot_of, values), sizes, digest, number)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __getitem__(self, index: int) -> IncomingOrder:  # tests and small callers index the batch
        return list(self)[index]


def _fields(issue: RowIssue) -> tuple:
    return issue.row, issue.column, issue.value, issue.message
