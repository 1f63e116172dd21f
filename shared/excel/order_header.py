"""The header row of an order list: which columns are sizes, dates, quantities and text, whether every name
can become a database column, and each customer's key columns. A header that cannot work rejects the file
before any row is read.
"""

from __future__ import annotations

import re

from ..common.errors import RejectedFile, StoreError
from ..common.records import CUSTOMER_COLUMN
from ..config import Config
from ..store import MAX_ORDER_COLUMNS, MAX_SIZE_CODE, check_column_name
from .cell_values import as_date, as_quantity_text, as_text
from .workbook import OrderSheet, column_letter

_DATE_COLUMN = re.compile(r"\bDATES?\b", re.IGNORECASE)


class OrderHeader:
    """The checked header of one order sheet: size positions, order columns and their value kinds."""

    def __init__(self, config: Config, sheet: OrderSheet):
        self.config = config
        self.header = header = sheet.header
        self.name_of = header.names
        self.check_unique_names()
        self.size_positions, order_positions = self.split_size_columns()
        self.check_storable_names()
        if len(order_positions) > MAX_ORDER_COLUMNS:
            raise RejectedFile(
                f"The header (row {header.row}) has {len(order_positions):,} order columns; the orders table "
                f"holds at most {MAX_ORDER_COLUMNS:,} (SQL Server's limit of 1,024 columns per table, less "
                f"the store's own), so the file cannot be stored.")
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

    def check_unique_names(self) -> None:
        """Names compare without case as well: the database cannot hold columns differing only in case."""
        seen: dict[str, int] = {}
        for index, name in sorted(self.name_of.items()):
            first = seen.setdefault(name.casefold(), index)
            if first != index:
                same = "" if self.name_of[first] == name else f" (as {self.name_of[first]!r})"
                raise RejectedFile(
                    f"Column name {name!r} appears twice in the header{same} (row {self.header.row}, "
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
                                   f"{self.header.row}) cannot be stored: {exc}.") from None

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
