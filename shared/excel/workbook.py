"""Reads an xlsx order list as a stream of typed rows and finds its sheet and header row.

The sheet XML is parsed incrementally (zipfile + expat, :mod:`.sheet_reader`), so memory stays flat however
many rows a file has, and cells keep what a generic reader loses: an error cell (``#REF!``) arrives as
:class:`CellError` and a formula that was never calculated as :class:`UncalculatedFormula`, never as a blank.
(python-calamine materialises the whole sheet, 1.3 GB for 100,000 rows x 256 columns, and returns both of
those as ``''``.) The ``[excel]`` limits (part size, rows, columns, cells, sheets) are checked while reading.

Cell values: ``str``, ``int``, ``float``, ``bool``, ``datetime.datetime`` (numbers in a date/time format),
:class:`CellError`, :class:`UncalculatedFormula`, :class:`UnreadableCell`; blank cells are absent from a row.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO
from xml.parsers import expat

from ..common.errors import RejectedFile
from ..config import ExcelSettings, normalise_name
from .sheet_reader import (
    CellError,
    CellValue,
    SheetReader,
    UncalculatedFormula,
    UnreadableCell,
    column_letter,
)
from .xlsx_parts import (
    OLE2_MAGIC,
    WorkbookZip,
    check_is_xlsx,
    check_part_size,
    date_styles,
    office_document_part,
    shared_strings,
    sheet_list,
    workbook_relations,
)

__all__ = ["CellError", "CellValue", "HeaderRow", "OrderSheet", "UncalculatedFormula", "UnreadableCell",
           "Workbook", "column_letter"]

CHUNK_BYTES = 1 << 20
# What a damaged package raises while it is read (zip, deflate, XML, references to missing parts or strings).
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, expat.ExpatError, KeyError, ValueError, IndexError,
           RuntimeError, NotImplementedError, OverflowError)
_OLE2_SCAN_BYTES = 64 << 20  # an old .xls or an encrypted package is read this far to tell which it is


@dataclass(frozen=True)
class HeaderRow:
    sheet: str
    row: int  # 1-based worksheet row number
    names: dict[int, str]  # column index (0-based) -> name, white space collapsed; blank cells left out


class OrderSheet:
    """The chosen sheet: its header row and the rows below it (a one-pass stream)."""

    def __init__(self, header: HeaderRow, rows: Iterator[tuple[int, dict[int, CellValue]]],
                 last_row: int | None):
        self.header = header
        self.rows = rows
        self.last_row = last_row  # from the sheet's <dimension>, for progress; None when the file omits it


class Workbook:
    """An opened xlsx package. ``source`` is a path, the file's bytes or a seekable binary file; ``limits``
    are the [excel] settings whose ``max_*`` keys bound what is read (their defaults when not given)."""

    def __init__(self, source: str | os.PathLike | bytes | BinaryIO, limits: ExcelSettings | None = None):
        self.limits = limits = limits or ExcelSettings()
        stream = _open_source(source)
        head = stream.read(4096)
        if head.startswith(OLE2_MAGIC):
            head += stream.read(_OLE2_SCAN_BYTES)
        check_is_xlsx(head)
        try:
            stream.seek(0)
            self._zip = WorkbookZip(stream, limits.max_sheet_bytes)
            workbook_part = office_document_part(self._zip)
            self._relations = workbook_relations(self._zip, workbook_part)
            self.sheets, self._date1904 = sheet_list(self._zip, workbook_part, self._relations,
                                                     limits.max_sheets)
            self._shared_strings = shared_strings(self._zip, self._relations.get("sharedStrings"),
                                                  limits.max_cells)
            self._date_styles = date_styles(self._zip, self._relations.get("styles"))
        except _DAMAGE as exc:
            raise RejectedFile(f"The file is a damaged workbook and cannot be read ({_brief(exc)}).") \
                from None

    @property
    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def rows(self, sheet: str) -> Iterator[tuple[int, dict[int, CellValue]]]:
        """(row number, {column index: value}) for every row the sheet stores, blank cells left out."""
        reader = SheetReader(self._shared_strings, self._date_styles, self._date1904, self.limits, sheet)
        part = self.sheets[sheet]
        try:
            check_part_size(self._zip, part, self.limits.max_sheet_bytes)
            with self._zip.open(part) as stream:
                while chunk := stream.read(CHUNK_BYTES):
                    reader.feed(chunk)
                    yield from reader.take_rows()
                reader.finish()
                yield from reader.take_rows()
        except _DAMAGE as exc:
            raise RejectedFile(f"Sheet {sheet!r} is damaged and cannot be read ({_brief(exc)}).") from None

    def last_row(self, sheet: str) -> int | None:
        """The last row the sheet's <dimension> claims (read from the sheet's first bytes), or None."""
        with self._zip.open(self.sheets[sheet]) as stream:
            head = stream.read(4096).decode("utf-8", "replace")
        match = re.search(r'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"', head)
        return int(match.group(1)) if match else None

    def find_order_sheet(self, preferred_sheet: str, required_columns: tuple[str, ...],
                         search_rows: int) -> OrderSheet:
        """The preferred sheet when the workbook has it, else the first sheet holding the header row."""
        candidates = [preferred_sheet] if preferred_sheet in self.sheets else self.sheet_names
        closest: tuple[int, str, int, set[str]] | None = None  # a row with some required columns
        for sheet in candidates:
            rows = self.rows(sheet)
            for number, cells in rows:
                if number > search_rows:
                    break
                names = {index: _header_name(value) for index, value in cells.items()}
                names = {index: name for index, name in names.items() if name}
                found = set(required_columns) & set(names.values())
                if len(found) == len(set(required_columns)):
                    return OrderSheet(HeaderRow(sheet, number, names), rows, self.last_row(sheet))
                if found and (closest is None or len(found) > closest[0]):
                    closest = (len(found), sheet, number, found)
            rows.close()
        required = ", ".join(required_columns)
        if closest is not None:
            _, sheet, number, found = closest
            missing = ", ".join(repr(name) for name in required_columns if name not in found)
            raise RejectedFile(f"Required column {missing} is missing: the header row (sheet {sheet!r}, row "
                               f"{number}) lacks it.")
        if candidates == [preferred_sheet]:
            raise RejectedFile(f"Sheet {preferred_sheet!r} has no header row: none of its first "
                               f"{search_rows} rows holds the required columns ({required}).")
        raise RejectedFile(f"No sheet has a header row: no sheet is named {preferred_sheet!r} and none of "
                           f"the first {search_rows} rows of any sheet holds the required columns "
                           f"({required}).")


def _open_source(source: str | os.PathLike | bytes | BinaryIO) -> BinaryIO:
    if isinstance(source, bytes):
        return io.BytesIO(source)
    if hasattr(source, "read"):
        return source
    try:
        return open(source, "rb")  # noqa: SIM115 - the zip reads it for as long as the workbook is used
    except OSError as exc:
        raise RejectedFile(f"The file cannot be read: {exc.strerror}.") from None


def _brief(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _header_name(value: CellValue) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalise_name(value) if not isinstance(value, CellError | UncalculatedFormula) else ""
