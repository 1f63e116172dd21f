"""The xlsx reader: sheet and header discovery, typed cell values, damaged and foreign files."""

import datetime
import io
import zipfile

import pytest
import xlsxwriter

from shared.common.errors import RejectedFile
from shared.excel.workbook import CellError, UncalculatedFormula, Workbook, column_letter

from ..corpus import (
    HEADER,
    ErrorCell,
    Formula,
    csv_text,
    fake_legacy_xls,
    fake_password_protected,
    order,
    png,
    with_prefixed_namespace,
    without_references,
    xlsx,
    xlsx_uncalculated,
)

REQUIRED = ("AAG ORDER NUMBER", "CUSTOMER NAME")


def order_sheet(data: bytes, sheet: str = "MASTER", search_rows: int = 20):
    return Workbook(data).find_order_sheet(sheet, REQUIRED, search_rows)


def cells_by_name(sheet) -> list[dict[str, object]]:
    return [{sheet.header.names[i]: v for i, v in cells.items() if i in sheet.header.names}
            for _, cells in sheet.rows]


def test_column_letters():
    indexes = (0, 25, 26, 51, 52, 701, 702)
    assert [column_letter(i) for i in indexes] == ["A", "Z", "AA", "AZ", "BA", "ZZ", "AAA"]


def test_preferred_sheet_is_used_even_when_not_first():
    data = xlsx([order(1)], extra_sheets=("Summary", "Other"))
    sheet = order_sheet(data)
    assert (sheet.header.sheet, sheet.header.row) == ("MASTER", 1)


def test_without_preferred_sheet_the_first_sheet_with_a_header_is_used():
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        book.add_worksheet("Read me").write_row(0, 0, ["AAG ORDER NUMBER", "notes only"])
        book.add_worksheet("Orders A").write_row(2, 0, ["x", "AAG ORDER NUMBER", "CUSTOMER NAME"])
        book.add_worksheet("Orders B").write_row(0, 0, ["AAG ORDER NUMBER", "CUSTOMER NAME"])
    sheet = order_sheet(buffer.getvalue())
    assert (sheet.header.sheet, sheet.header.row) == ("Orders A", 3)
    assert sheet.header.names == {0: "x", 1: "AAG ORDER NUMBER", 2: "CUSTOMER NAME"}


def test_preferred_sheet_without_header_is_rejected_naming_the_sheet():
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        book.add_worksheet("MASTER").write_row(0, 0, ["something else"])
        book.add_worksheet("Orders").write_row(0, 0, ["AAG ORDER NUMBER", "CUSTOMER NAME"])
    with pytest.raises(RejectedFile, match="Sheet 'MASTER' has no header row"):
        order_sheet(buffer.getvalue())


def test_header_below_title_rows_with_stray_spaces():
    spaced = {name: f"  {name.replace(' ', '   ')} " for name in HEADER}
    rows = [{spaced[name]: value for name, value in order(n).items()} for n in (1, 2)]
    data = xlsx(rows, header=list(spaced.values()), above=[["ORDER LIST"], [], ["exported", "today"]])
    sheet = order_sheet(data)
    assert sheet.header.row == 4
    assert list(sheet.header.names.values()) == HEADER
    rows = list(sheet.rows)
    assert [number for number, _ in rows] == [5, 6]


def test_header_must_be_within_the_search_rows():
    data = xlsx([order(1)], above=[["title"]] * 5)
    assert order_sheet(data, search_rows=6).header.row == 6
    with pytest.raises(RejectedFile, match="none of its first 5 rows holds the required columns"):
        order_sheet(data, search_rows=5)


def test_header_missing_a_required_column_names_it():
    header = [name for name in HEADER if name != "CUSTOMER NAME"]
    with pytest.raises(RejectedFile, match=r"Required column 'CUSTOMER NAME' is missing: the header row "
                                           r"\(sheet 'MASTER', row 1\)"):
        order_sheet(xlsx([order(1)], header=header))


def test_cell_types_numbers_dates_text_booleans():
    row = order(1, **{"S": 12, "M": 12.5, "NOTES": "  keep  inner  ", "L": True,
                      "ETA CUSTOMER WAREHOUSE DATE": datetime.datetime(2026, 3, 4, 10, 30)})
    values = cells_by_name(order_sheet(xlsx([row])))[0]
    assert values["S"] == 12 and isinstance(values["S"], int)
    assert values["M"] == 12.5
    assert values["L"] is True
    assert values["NOTES"] == "  keep  inner  "
    assert values["ETA CUSTOMER WAREHOUSE DATE"] == datetime.datetime(2026, 3, 4, 10, 30)
    assert "CUSTOMER PRICE" in values and values["CUSTOMER PRICE"] == 12.5


def test_dates_in_the_1904_date_system():
    row = order(1, **{"ETA CUSTOMER WAREHOUSE DATE": datetime.date(2026, 3, 4)})
    values = cells_by_name(order_sheet(xlsx([row], date_1904=True)))[0]
    assert values["ETA CUSTOMER WAREHOUSE DATE"] == datetime.datetime(2026, 3, 4)


def test_blank_cells_are_absent_and_blank_rows_are_empty():
    data = xlsx([order(1, NOTES=None), {}, order(3)])
    rows = list(order_sheet(data).rows)
    assert [number for number, _ in rows] == [2, 4]  # xlsxwriter writes no element for an empty row
    assert 11 not in rows[0][1]  # NOTES column left empty


def test_formula_cached_value_error_cell_and_uncalculated_formula():
    cached = order(1, **{"TOTAL QTY": Formula("=H2+I2+J2", 30), "NOTES": ErrorCell("#REF!")})
    values = cells_by_name(order_sheet(xlsx([cached])))[0]
    assert values["TOTAL QTY"] == 30
    assert values["NOTES"] == CellError("#REF!")

    uncalculated = order(1, **{"TOTAL QTY": "=H2+I2+J2", "ETA CUSTOMER WAREHOUSE DATE": None})
    values = cells_by_name(order_sheet(xlsx_uncalculated([uncalculated])))[0]
    assert values["TOTAL QTY"] == UncalculatedFormula("H2+I2+J2")
    assert str(values["TOTAL QTY"]) == "=H2+I2+J2"


def test_shared_strings_inline_strings_and_rich_text_read_alike():
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        sheet = book.add_worksheet("MASTER")
        sheet.write_row(0, 0, ["AAG ORDER NUMBER", "CUSTOMER NAME"])
        bold = book.add_format({"bold": True})
        sheet.write_rich_string(1, 0, "AAG-", bold, "1")
        sheet.write_string(1, 1, "B'HOOD\nline 2")
        sheet.write_row(2, 0, ["AAG-2", "carriage\rreturn"])  # stored as _x000D_
    shared = cells_by_name(order_sheet(buffer.getvalue()))
    inline = cells_by_name(order_sheet(xlsx_uncalculated([{"AAG ORDER NUMBER": "AAG-1",
                                                           "CUSTOMER NAME": "B'HOOD\nline 2"}],
                                                         header=["AAG ORDER NUMBER", "CUSTOMER NAME"])))
    assert shared[0] == inline[0] == {"AAG ORDER NUMBER": "AAG-1", "CUSTOMER NAME": "B'HOOD\nline 2"}
    assert shared[1]["CUSTOMER NAME"] == "carriage\rreturn"


def test_namespace_prefixed_sheet_reads_the_same():
    data = xlsx([order(1), order(2)])
    plain = order_sheet(data)
    prefixed = order_sheet(with_prefixed_namespace(data))
    assert prefixed.header == plain.header
    assert list(prefixed.rows) == list(plain.rows)


def test_dimension_gives_the_last_row_for_progress():
    assert order_sheet(xlsx([order(n) for n in range(7)])).last_row == 8


@pytest.mark.parametrize(("data", "message"), [
    (b"", "The file is empty (0 bytes)."),
    (csv_text(), "not an Excel .xlsx workbook (it looks like plain text, such as CSV)"),
    (png(), "not an Excel .xlsx workbook (it looks like a PNG image)"),
    (b"%PDF-1.7\n", "it looks like a PDF document"),
    (bytes(range(256)), "binary data of an unknown kind"),
    (fake_password_protected(), "password-protected"),
    (fake_legacy_xls(), "old-style .xls workbook; save it as .xlsx"),
    (xlsx([order(1)])[:3000], "damaged workbook"),
])
def test_files_that_are_not_readable_workbooks(data, message):
    with pytest.raises(RejectedFile) as caught:
        Workbook(data)
    assert message in str(caught.value)


def test_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(RejectedFile, match="zip archive but not an Excel workbook"):
        Workbook(buffer.getvalue())


def test_reading_from_a_path(tmp_path):
    path = tmp_path / "orders.xlsx"
    path.write_bytes(xlsx([order(1)]))
    assert Workbook(path).sheet_names == ["MASTER"]
    with pytest.raises(RejectedFile, match="cannot be read"):
        Workbook(tmp_path / "missing.xlsx")


def test_cells_and_rows_without_references_are_placed_in_order():
    data = xlsx([order(1), order(2)])
    plain = order_sheet(data)
    bare = order_sheet(without_references(data))
    assert bare.header == plain.header
    assert list(bare.rows) == list(plain.rows)
