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


# -- hostile workbooks, written by hand: what no spreadsheet program writes, but anyone can upload -----------
_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                  b'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                  b'</Types>')
_PACKAGE_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.'
                 b'org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                 b'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                 b'Target="xl/workbook.xml"/></Relationships>')
_REL = ('<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        '{kind}" Target="{target}"/>')


def cell_xml(reference: str, value: object, style: int | None = None) -> str:
    """One ``<c>``: an int or float is a number, anything else an inline string."""
    s = f' s="{style}"' if style is not None else ""
    if isinstance(value, int | float):
        return f'<c r="{reference}"{s}><v>{value}</v></c>'
    return f'<c r="{reference}" t="inlineStr"{s}><is><t>{value}</t></is></c>'


def sheet_xml(rows: list[list[object]]) -> str:
    """A worksheet whose rows hold these values from column A on (strings inline)."""
    from shared.excel.workbook import column_letter

    body = "".join(f'<row r="{r}">' + "".join(cell_xml(f"{column_letter(c)}{r}", v)
                                              for c, v in enumerate(row) if v is not None) + "</row>"
                   for r, row in enumerate(rows, 1))
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>')


def raw_xlsx(sheets: list[str | bytes], shared_strings: str | None = None, styles: str | None = None,
             sheet_names: list[str] | None = None, extra_sheet_entries: int = 0,
             compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A workbook package around these worksheet XML texts (named MASTER, Sheet2 ...), optionally with a
    shared strings part, a styles part and ``extra_sheet_entries`` more <sheet> entries without parts."""
    names = sheet_names or ["MASTER", *(f"Sheet{n}" for n in range(2, len(sheets) + 1))]
    rels = [_REL.format(id=f"rId{n}", kind="worksheet", target=f"worksheets/sheet{n}.xml")
            for n in range(1, len(sheets) + 1)]
    if shared_strings is not None:
        rels.append(_REL.format(id="rSS", kind="sharedStrings", target="sharedStrings.xml"))
    if styles is not None:
        rels.append(_REL.format(id="rST", kind="styles", target="styles.xml"))
    entries = "".join(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
                      for n, name in enumerate(names, 1))
    entries += "".join(f'<sheet name="Empty {n}" sheetId="{1000 + n}" r:id="rX{n}"/>'
                       for n in range(extra_sheet_entries))
    workbook = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
                'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'relationships"><sheets>{entries}</sheets></workbook>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                         f'openxmlformats.org/package/2006/relationships">{"".join(rels)}</Relationships>')
        for n, sheet in enumerate(sheets, 1):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", sheet)
        if shared_strings is not None:
            archive.writestr("xl/sharedStrings.xml", shared_strings)
        if styles is not None:
            archive.writestr("xl/styles.xml", styles)
    return buffer.getvalue()


DATE_STYLES = ('<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14"/></cellXfs>'
               '</styleSheet>')  # style 1 shows a date


def header_and_rows(rows: list[dict[str, object]], header: list[str] | None = None) -> list[list[object]]:
    header = HEADER if header is None else header
    return [list(header), *([row.get(name) for name in header] for row in rows)]


def zip_bomb(uncompressed_bytes: int, unique: bool = False) -> bytes:
    """A valid header and then rows until the sheet is ``uncompressed_bytes`` long: repeated rows compress
    about 1000:1; ``unique`` rows (each its own order) about 10:1."""
    head = sheet_xml(header_and_rows([]))
    start, end = head.split("</sheetData>")
    row_xml = cell_xml("A{r}", "AAG-{r}") + cell_xml("B{r}", "GREYSON") + cell_xml("C{r}", "ST-{r}")
    parts, size, r = [start], len(start), 2
    while size < uncompressed_bytes:
        text = f'<row r="{r}">' + (row_xml.format(r=r) if unique else row_xml.format(r=2)) + "</row>"
        parts.append(text)
        size += len(text)
        r += 1
    parts.append("</sheetData>" + end)
    return raw_xlsx(["".join(parts)])


def entity_bomb() -> bytes:
    """Billion laughs: entities that expand to gigabytes if a parser expands them."""
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
                     for n in range(1, 10)) + ']>')
    sheet = sheet_xml(header_and_rows([order(1)]))
    return raw_xlsx([lol + sheet.split("?>", 1)[1].replace("GREYSON", "&lol9;")])


def external_entity() -> bytes:
    """A shared string that would read a local file if a parser resolved external entities."""
    strings = ('<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
               '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&xxe;</t></si>'
               '</sst>')
    return raw_xlsx([sheet_xml(header_and_rows([order(1)]))], shared_strings=strings)
