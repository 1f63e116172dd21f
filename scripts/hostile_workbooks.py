"""Full-size hostile workbooks for ``bench_ingest.py --hostile``, written straight to disk in chunks (a bomb
is never held in memory while it is made), and the run that ingests each in a child process.

The issue measured before the limits: a zip bomb of unique rows ran 10 minutes to 5.4 GB RSS; one row of a
million cells took 978 MB; a million declared columns 40 s and 718 MB; a workbook of many sheets 3 minutes.
"""

from __future__ import annotations

import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
HEADER = ["AAG ORDER NUMBER", "CUSTOMER NAME", "CUSTOMER STYLE", "PLANNED DELIVERY METHOD",
          "UNIT OF MEASURE", "S", "TOTAL QTY"]
REL = ('<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
       '{kind}" Target="{target}"/>')


def _inline(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def _header_row() -> str:
    cells = "".join(_inline(f"{chr(65 + n)}1", name) for n, name in enumerate(HEADER))
    return f'<row r="1">{cells}</row>'


def write_workbook(path: Path, sheet_chunks: Iterator[str], sheet_entries: int = 1, prolog: str = "") -> None:
    """A workbook whose first sheet's XML is the concatenation of ``sheet_chunks`` (streamed to the zip)."""
    sheets = "".join(f'<sheet name="{"MASTER" if n == 1 else f"S{n}"}" sheetId="{n}" r:id="rId{n}"/>'
                     for n in range(1, sheet_entries + 1))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                                                'content-types"/>')
        archive.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                        'relationships">' + REL.format(id="rId1", kind="officeDocument",
                                                                       target="xl/workbook.xml")
                         + "</Relationships>")
        archive.writestr("xl/workbook.xml", f'<workbook {NS} xmlns:r="http://schemas.openxmlformats.org/'
                                            f'officeDocument/2006/relationships"><sheets>{sheets}</sheets>'
                                            f'</workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         + REL.format(id="rId1", kind="worksheet", target="worksheets/sheet1.xml")
                         + "</Relationships>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'{prolog}<worksheet {NS}><sheetData>'.encode())
            for chunk in sheet_chunks:
                sheet.write(chunk.encode())
            sheet.write(b"</sheetData></worksheet>")


def bomb_rows(total_bytes: int, unique: bool) -> Iterator[str]:
    yield _header_row()
    written, number = 0, 2
    while written < total_bytes:
        rows = []
        for _ in range(2000):
            n = number if unique else 2
            rows.append(f'<row r="{number}">' + _inline(f"A{number}", f"AAG-{n:09d}")
                        + _inline(f"B{number}", "GREYSON") + _inline(f"C{number}", f"ST-{n}")
                        + _inline(f"D{number}", "SEA") + f'<c r="F{number}"><v>12</v></c></row>')
            number += 1
        chunk = "".join(rows)
        written += len(chunk)
        yield chunk


def far_column() -> Iterator[str]:
    yield _header_row() + '<row r="2">' + _inline("BDWGN2", "x") + "</row>"  # column 1,000,000


def million_cells() -> Iterator[str]:
    yield _header_row() + '<row r="2">'
    for _ in range(100):
        yield '<c t="inlineStr"><is><t>x</t></is></c>' * 10_000
    yield "</row>"


def billion_laughs() -> tuple[Iterator[str], str]:
    entities = "".join(f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
    prolog = f'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY l0 "lol">{entities}]>'
    return iter([_header_row() + '<row r="2">' + _inline("A2", "&l9;") + "</row>"]), prolog


def measure_hostile(child_peak_rss: Callable[[Path, Path], tuple[float, float, str]]) -> None:
    cases = [
        ("zip bomb, 2 GB of repeated rows",
         lambda path: write_workbook(path, bomb_rows(2_000_000_000, False))),
        ("zip bomb, 1.2 GB of unique rows",
         lambda path: write_workbook(path, bomb_rows(1_200_000_000, True))),
        ("a cell in column 1,000,000", lambda path: write_workbook(path, far_column())),
        ("one row of a million cells", lambda path: write_workbook(path, million_cells())),
        ("100,000 sheets", lambda path: write_workbook(path, far_column(), sheet_entries=100_000)),
        ("billion laughs",
         lambda path: write_workbook(path, billion_laughs()[0], prolog=billion_laughs()[1])),
    ]
    with tempfile.TemporaryDirectory(prefix="bench_hostile_") as folder:
        for number, (name, build) in enumerate(cases):
            path = Path(folder) / f"hostile{number}.xlsx"
            started = time.perf_counter()
            build(path)
            made = time.perf_counter() - started
            seconds, peak, outcome = child_peak_rss(path, Path(folder) / f"hostile{number}.db")
            print(f"{name:<34}: {path.stat().st_size / 1e6:8.2f} MB file (made in {made:5.1f} s) -> "
                  f"{seconds:6.2f} s, peak RSS {peak:5.0f} MB: {outcome}")
            path.unlink()
