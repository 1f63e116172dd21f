"""Builders for small real workbooks (good and bad) that the ingest tests feed to the reader and the store.

Files are generated into a test's tmp_path rather than committed, so each one states in code exactly what
is in it. xlsxwriter writes most of them (cached formula values, error cells, dates); openpyxl writes the one
kind of file it alone produces: formulas saved without a calculated value.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from dataclasses import dataclass

import openpyxl
import xlsxwriter

HEADER = ["AAG ORDER NUMBER", "CUSTOMER NAME", "CUSTOMER STYLE", "CUSTOMER COLOUR DESCRIPTION",
          "PLANNED DELIVERY METHOD", "ETA CUSTOMER WAREHOUSE DATE", "UNIT OF MEASURE", "S", "M", "L",
          "TOTAL QTY", "NOTES", "CUSTOMER PRICE"]


@dataclass(frozen=True)
class Formula:
    """A formula cell; ``cached`` is the calculated value saved with it."""

    formula: str
    cached: object


@dataclass(frozen=True)
class ErrorCell:
    code: str  # "#REF!", "#N/A", ...


def order(number: int, customer: str = "GREYSON", **overrides) -> dict[str, object]:
    """One valid order row; ``overrides`` replace columns (a value of None leaves the cell empty)."""
    row = {"AAG ORDER NUMBER": f"AAG-{number}", "CUSTOMER NAME": customer, "CUSTOMER STYLE": f"ST-{number}",
           "CUSTOMER COLOUR DESCRIPTION": "NAVY", "PLANNED DELIVERY METHOD": "SEA",
           "ETA CUSTOMER WAREHOUSE DATE": datetime.date(2026, 9, 1), "UNIT OF MEASURE": "EA",
           "S": 10, "M": 20, "L": 0, "TOTAL QTY": 30, "NOTES": "", "CUSTOMER PRICE": 12.5}
    row.update(overrides)
    return row


def xlsx(rows: list[dict[str, object]], header: list[str] | None = None, sheet: str = "MASTER",
         above: list[list[object]] = (), extra_sheets: tuple[str, ...] = (),
         date_1904: bool = False) -> bytes:
    """An xlsx whose sheet holds ``above`` (title rows), the header, then ``rows`` in header order."""
    header = HEADER if header is None else header
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "date_1904": date_1904})
    dates = book.add_format({"num_format": "d-mmm-yy"})
    for name in extra_sheets:
        book.add_worksheet(name).write(0, 0, "nothing to see here")
    worksheet = book.add_worksheet(sheet)
    lines = [*above, header, *([row.get(name) for name in header] for row in rows)]
    for r, line in enumerate(lines):
        for c, value in enumerate(line):
            _write(worksheet, r, c, value, dates)
    book.close()
    return buffer.getvalue()


def _write(worksheet, r: int, c: int, value: object, dates) -> None:
    if value is None:
        return
    if isinstance(value, Formula):
        worksheet.write_formula(r, c, value.formula, None, value.cached)
    elif isinstance(value, ErrorCell):
        worksheet.write_formula(r, c, "=" + value.code, None, value.code)
    elif isinstance(value, datetime.datetime | datetime.date):
        if not isinstance(value, datetime.datetime):
            value = datetime.datetime.combine(value, datetime.time())
        worksheet.write_datetime(r, c, value, dates)
    elif isinstance(value, bool):
        worksheet.write_boolean(r, c, value)
    elif isinstance(value, int | float):
        worksheet.write_number(r, c, value)
    else:
        worksheet.write_string(r, c, str(value))


def xlsx_uncalculated(rows: list[dict[str, object]], header: list[str] | None = None) -> bytes:
    """Like :func:`xlsx` but written by openpyxl: a string starting with '=' is a formula, saved without
    a calculated value."""
    header = HEADER if header is None else header
    book = openpyxl.Workbook()
    worksheet = book.active
    worksheet.title = "MASTER"
    worksheet.append(header)
    for row in rows:
        worksheet.append([row.get(name) for name in header])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_prefixed_namespace(data: bytes) -> bytes:
    """The same workbook with every sheet element written as ``<x:c>`` (as some .NET writers do)."""
    def prefix(text: str) -> str:
        text = re.sub(r"<(/?)([A-Za-z]\w*)(?=[\s>/])", r"<\1x:\2", text)
        return text.replace('xmlns="', 'xmlns:x="', 1)
    return _rewrite_sheets(data, prefix)


def without_references(data: bytes) -> bytes:
    """The same workbook without the optional ``r`` attributes of rows and cells (some writers omit them)."""
    return _rewrite_sheets(data, lambda text: re.sub(r' r="[A-Z]*\d+"', "", text))


def _rewrite_sheets(data: bytes, rewrite) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                content = rewrite(content.decode("utf-8")).encode("utf-8")
            target.writestr(item, content)
    return buffer.getvalue()


def fake_password_protected() -> bytes:
    """Stands in for an encrypted workbook: Excel saves one as an OLE2 compound file with an EncryptedPackage
    stream. No encryption library is installed here, so this is only the part the reader looks at: the OLE2
    signature and the stream's UTF-16 name in the directory."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    return header + "EncryptedPackage".encode("utf-16-le") + bytes(512)


def fake_legacy_xls() -> bytes:
    """An OLE2 compound file without an encrypted package: what an old .xls looks like to the reader."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "Workbook".encode("utf-16-le") + bytes(512)


def png() -> bytes:
    return (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15"
            b"\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`"
            b"\x82")


def csv_text() -> bytes:
    return b"AAG ORDER NUMBER,CUSTOMER NAME,CUSTOMER STYLE\nAAG-1,GREYSON,ST-1\n"
