"""Reads an xlsx order list as a stream of typed rows and finds its sheet and header row.

The sheet XML is parsed incrementally (zipfile + expat), so memory stays flat however many rows a file has,
and cells keep what a generic reader loses: an error cell (``#REF!``) arrives as :class:`CellError` and a
formula that was never calculated as :class:`UncalculatedFormula`, never as a blank. (python-calamine
materialises the whole sheet, 1.3 GB for 100,000 rows x 256 columns, and returns both of those as ``''``.)

Cell values: ``str``, ``int``, ``float``, ``bool``, ``datetime.datetime`` (numbers in a date/time format),
:class:`CellError`, :class:`UncalculatedFormula`; blank cells are simply absent from a row.
"""

from __future__ import annotations

import datetime
import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from xml.parsers import expat

from ..common.errors import RejectedFile
from ..config import normalise_name
from .xlsx_parts import (
    check_is_xlsx,
    date_styles,
    office_document_part,
    shared_strings,
    sheet_list,
    unescape,
    workbook_relations,
)

CHUNK_BYTES = 1 << 20
_EPOCH_1900 = datetime.datetime(1899, 12, 30)
_EPOCH_1904 = datetime.datetime(1904, 1, 1)
# What a damaged package raises while it is read (zip, deflate, XML, references to missing parts or strings).
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, expat.ExpatError, KeyError, ValueError, IndexError,
           RuntimeError, NotImplementedError)


@dataclass(frozen=True)
class CellError:
    """An Excel error value such as ``#REF!`` or ``#N/A``."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class UncalculatedFormula:
    """A formula cell saved without a calculated value (written by a library, never opened in Excel)."""

    formula: str

    def __str__(self) -> str:
        return f"={self.formula}"


CellValue = str | int | float | bool | datetime.datetime | CellError | UncalculatedFormula


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


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
    """An opened xlsx package. ``source`` is a path or the file's bytes."""

    def __init__(self, source: str | os.PathLike | bytes):
        data = source if isinstance(source, bytes) else _read_file(source)
        check_is_xlsx(data)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
            workbook_part = office_document_part(self._zip)
            self._relations = workbook_relations(self._zip, workbook_part)
            self.sheets, date1904 = sheet_list(self._zip, workbook_part, self._relations)
            self._epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
            self._shared_strings = shared_strings(self._zip, self._relations.get("sharedStrings"))
            self._date_styles = date_styles(self._zip, self._relations.get("styles"))
        except _DAMAGE as exc:
            raise RejectedFile(f"The file is a damaged workbook and cannot be read ({_brief(exc)}).") \
                from None

    @property
    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def rows(self, sheet: str) -> Iterator[tuple[int, dict[int, CellValue]]]:
        """(row number, {column index: value}) for every row the sheet stores, blank cells left out."""
        reader = _SheetReader(self._shared_strings, self._date_styles, self._epoch)
        try:
            with self._zip.open(self.sheets[sheet]) as stream:
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


def _read_file(path: str | os.PathLike) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise RejectedFile(f"The file cannot be read: {exc.strerror}.") from None




def _brief(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _header_name(value: CellValue) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalise_name(value) if not isinstance(value, CellError | UncalculatedFormula) else ""


# -- the sheet itself ---------------------------------------------------------------------------------------
class _SheetReader:
    """Expat handlers for one worksheet; complete rows collect in ``_done`` until taken.

    The handlers run once per XML element (millions per file), so they compare plain tag names; a sheet
    written with a namespace prefix (``<x:c>``) has the prefix stripped first by :meth:`_unprefixed`.
    """

    def __init__(self, shared_strings: list[str], date_styles: frozenset[int], epoch: datetime.datetime):
        self._strings = shared_strings
        self._date_styles = date_styles
        self._epoch = epoch
        self._parser = expat.ParserCreate()
        self._parser.buffer_text = True
        self._parser.buffer_size = 1 << 16
        self._parser.CharacterDataHandler = self._text
        self._started = False
        self._columns: dict[str, int] = {}
        self._done: list[tuple[int, dict[int, CellValue]]] = []
        self._row_number = 0
        self._cells: dict[int, CellValue] = {}
        self._column = -1
        self._type = "n"
        self._style: str | None = None
        self._value: list[str] | None = None
        self._formula: list[str] | None = None
        self._collect: list[str] | None = None
        self._phonetic = 0

    def feed(self, chunk: bytes) -> None:
        if not self._started:
            self._started = True
            prefixed = re.search(rb"<\w+:worksheet\b", chunk[:2048]) is not None
            self._parser.StartElementHandler = self._unprefixed(self._start) if prefixed else self._start
            self._parser.EndElementHandler = self._unprefixed(self._end) if prefixed else self._end
        self._parser.Parse(chunk, False)

    def finish(self) -> None:
        self._parser.Parse(b"", True)

    def take_rows(self) -> list[tuple[int, dict[int, CellValue]]]:
        rows, self._done = self._done, []
        return rows

    @staticmethod
    def _unprefixed(handler):
        return lambda name, *rest: handler(name.rpartition(":")[2], *rest)

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "c":
            reference = attrs.get("r")
            if reference:
                letters = reference.rstrip("0123456789")
                column = self._columns.get(letters)
                self._column = column if column is not None else self._column_index(letters)
            else:
                self._column += 1
            self._type = attrs.get("t", "n")
            self._style = attrs.get("s")
            self._value = self._formula = None
        elif name == "v":
            self._collect = self._value = []
        elif name == "t":  # inline string text: <is><t> or its rich-text runs, but not phonetic guides
            if not self._phonetic:
                if self._value is None:
                    self._value = []
                self._collect = self._value
        elif name == "row":
            number = attrs.get("r")
            self._row_number = int(number) if number else self._row_number + 1
            self._cells = {}
            self._column = -1
        elif name == "f":
            self._collect = self._formula = []
        elif name == "rPh":
            self._phonetic += 1

    def _end(self, name: str) -> None:
        if name == "c":
            if self._value:
                self._cells[self._column] = self._cell_value("".join(self._value))
            elif self._formula is not None and self._type != "inlineStr":
                self._cells[self._column] = UncalculatedFormula("".join(self._formula))
        elif name == "v" or name == "t" or name == "f":
            self._collect = None
        elif name == "row":
            self._done.append((self._row_number, self._cells))
        elif name == "rPh":
            self._phonetic -= 1

    def _text(self, data: str) -> None:
        if self._collect is not None:
            self._collect.append(data)

    def _column_index(self, letters: str) -> int:
        index = 0
        for char in letters:
            index = index * 26 + ord(char) - 64
        self._columns[letters] = index - 1
        return index - 1

    def _cell_value(self, text: str) -> CellValue:
        kind = self._type
        if kind == "n":
            number = int(text) if text.isdigit() else float(text)
            if self._style is not None and int(self._style) in self._date_styles:
                return self._epoch + datetime.timedelta(seconds=round(number * 86400))
            return number
        if kind == "s":
            return self._strings[int(text)]
        if kind == "inlineStr" or kind == "str":
            return unescape(text)
        if kind == "e":
            return CellError(text)
        if kind == "b":
            return text == "1"
        if kind == "d":
            return datetime.datetime.fromisoformat(text)
        raise ValueError(f"unknown cell type {kind!r}")
