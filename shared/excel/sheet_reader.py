"""The expat handlers that turn one worksheet's XML into rows of typed cells, within the [excel] limits.

The handlers run once per XML element (millions per file), so they compare plain tag names; a sheet written
with a namespace prefix (``<x:c>``) has the prefix stripped first by :meth:`SheetReader._unprefixed`. Every
limit is checked as the elements arrive, so a hostile sheet stops at the first cell past a limit, long before
it could fill memory.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from xml.parsers import expat

from ..common.errors import RejectedFile
from ..config import ExcelSettings
from .xlsx_parts import refuse_doctype, unescape

_EPOCH_1900 = datetime.datetime(1899, 12, 30)
_EPOCH_1904 = datetime.datetime(1904, 1, 1)
_LAST_DATE = datetime.datetime(9999, 12, 31, 23, 59, 59)
_COLUMN_LETTERS = re.compile(r"^[A-Z]{1,7}$")  # longer than Excel's XFD, so the column limit names it


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


@dataclass(frozen=True)
class UnreadableCell:
    """A cell whose stored value cannot be a value at all (a date past 9999, a shared string the workbook
    lacks, a number that is not one); rejects its row instead of the file."""

    text: str  # the stored text, as found
    problem: str  # why, completing "the cell ..."

    def __str__(self) -> str:
        return self.text


CellValue = str | int | float | bool | datetime.datetime | CellError | UncalculatedFormula | UnreadableCell


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class SheetReader:
    """Expat handlers for one worksheet; complete rows collect in ``_done`` until taken."""

    def __init__(self, shared_strings: list[str], date_styles: frozenset[int], date1904: bool,
                 limits: ExcelSettings, sheet: str):
        self._strings = shared_strings
        self._date_styles = date_styles
        self._epoch = _EPOCH_1904 if date1904 else _EPOCH_1900
        self._limits = limits
        self._sheet = sheet
        self._parser = expat.ParserCreate()
        self._parser.buffer_text = True
        self._parser.buffer_size = 1 << 16
        self._parser.CharacterDataHandler = self._text
        refuse_doctype(self._parser)
        self._started = False
        self._columns: dict[str, int] = {}
        self._done: list[tuple[int, dict[int, CellValue]]] = []
        self._row_number = 0
        self._rows = 0
        self._cell_count = 0
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

    def _too_big(self, what: str, limit: int, key: str) -> RejectedFile:
        return RejectedFile(f"Sheet {self._sheet!r} has more than {limit:,} {what}, the limit for an order "
                            f"list ([excel].{key}); split the file or raise the limit.")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "c":
            reference = attrs.get("r")
            if reference:
                letters = reference.rstrip("0123456789")
                column = self._columns.get(letters)
                self._column = column if column is not None else self._column_index(letters)
            else:
                self._column += 1
            if self._column >= self._limits.max_columns:
                raise RejectedFile(f"Sheet {self._sheet!r} has a cell in column {self._column + 1:,} (row "
                                   f"{self._row_number:,}); an order list may use "
                                   f"{self._limits.max_columns:,} columns ([excel].max_columns).")
            self._cell_count += 1
            if self._cell_count > self._limits.max_cells:
                raise self._too_big("cells", self._limits.max_cells, "max_cells")
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
            self._rows += 1
            if self._row_number > self._limits.max_rows or self._rows > self._limits.max_rows:
                raise self._too_big("rows", self._limits.max_rows, "max_rows")
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
        if not _COLUMN_LETTERS.match(letters):
            raise ValueError(f"cell reference {letters!r} is not a column")
        index = 0
        for char in letters:
            index = index * 26 + ord(char) - 64
        self._columns[letters] = index - 1
        return index - 1

    def _cell_value(self, text: str) -> CellValue:
        """The cell's value; a stored text that cannot be its type is an UnreadableCell, never a crash."""
        kind = self._type
        try:
            if kind == "n":
                number = int(text) if text.isdigit() else float(text)
                if self._style is not None and int(self._style) in self._date_styles:
                    return self._date(number, text)
                return number
            if kind == "s":
                index = int(text)
                if not 0 <= index < len(self._strings):
                    return UnreadableCell(text, f"refers to shared string {index}, which the workbook does "
                                                f"not have ({len(self._strings)} strings)")
                return self._strings[index]
            if kind == "inlineStr" or kind == "str":
                return unescape(text)
            if kind == "e":
                return CellError(text)
            if kind == "b":
                return text == "1"
            if kind == "d":
                return datetime.datetime.fromisoformat(text)
        except (ValueError, OverflowError) as exc:
            return UnreadableCell(text, f"holds {text[:40]!r}, which is not a valid {_KINDS.get(kind, kind)} "
                                        f"({exc})")
        return UnreadableCell(text, f"has the unknown cell type {kind[:20]!r}")

    def _date(self, number: int | float, text: str) -> CellValue:
        try:
            moment = self._epoch + datetime.timedelta(seconds=round(number * 86400))
        except (OverflowError, ValueError):
            moment = None
        if moment is None or not _EPOCH_1900 <= moment <= _LAST_DATE:
            return UnreadableCell(text, f"is formatted as a date but holds {text[:20]}, which is no date "
                                        f"Excel can show; format the cell as a number or text")
        return moment


_KINDS = {"n": "number", "s": "shared string index", "d": "ISO date", "b": "boolean"}
