"""Cell values as an order column needs them: text (numbers written canonically), quantities and dates;
a cell that cannot be read that way raises :class:`RejectedValue`, never turns into a blank.
"""

from __future__ import annotations

import datetime
import decimal
import re

from .sheet_reader import CellError, CellValue, UncalculatedFormula, UnreadableCell

MAX_QUANTITY = 2_147_483_647  # fits an INT column on both databases
_WHOLE_NUMBER = re.compile(r"^\d+(?:\.0*)?$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})$")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


class RejectedValue(ValueError):
    """One cell that cannot be read as its column requires; rejects its row."""


def _check_readable(raw: CellValue) -> None:
    if isinstance(raw, CellError):
        raise RejectedValue(f"the cell holds the Excel error {raw.code}.")
    if isinstance(raw, UncalculatedFormula):
        raise RejectedValue(f"the formula {raw} was saved without a calculated value; open the file in "
                            f"Excel, let it calculate and save it again.")
    if isinstance(raw, UnreadableCell):
        raise RejectedValue(f"the cell {raw.problem}.")


def printable(text: str) -> str:
    """``text`` with any lone UTF-16 surrogate written as ``\\udXXX``, so a message can always be printed and
    stored (a lone surrogate cannot be encoded)."""
    if not _LONE_SURROGATE.search(text):
        return text
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def as_text(raw: CellValue) -> str | None:
    if isinstance(raw, str):
        text = raw.strip()
        if not text.isascii() and _LONE_SURROGATE.search(text):
            raise RejectedValue(f"{printable(text)[:60]!r} holds a lone UTF-16 surrogate (written _xD800_ to "
                                f"_xDFFF_ without its pair), which is not a character; retype the text.")
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


def shown_text(raw: CellValue) -> str:
    """A cell as a message shows it: numbers and dates as :func:`as_text` writes them, errors as Excel does.
    """
    try:
        return as_text(raw)
    except RejectedValue:
        return printable(str(raw))


def canonical_number(number: float) -> str:
    """``12.0`` -> ``12``, ``12.50`` -> ``12.5``; never an exponent."""
    if number.is_integer():
        return str(int(number))
    text = repr(number)
    if "e" not in text:
        return text
    return format(decimal.Decimal(text), "f")


def as_quantity(raw: CellValue) -> int:
    if isinstance(raw, bool | datetime.datetime):
        raise RejectedValue(f"{shown_text(raw)} is not a quantity (a whole number of 0 or more).")
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


def as_quantity_text(raw: CellValue) -> str:
    return str(as_quantity(raw))


def as_date(raw: CellValue) -> str | None:
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
