"""Hostile and broken workbooks (issue 9): each is rejected whole with one sentence, or loses only its bad
row, and never crashes a file. The files are small: the limits are lowered where the behaviour is the same;
full-size bombs with their time and peak memory are in scripts/bench_ingest.py (--hostile).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys

import pytest

from shared.config import load_config
from shared.excel import ingest_file
from shared.excel.order_list import parse_order_list
from shared.store import open_store

from ..conftest import DEFAULT_CONFIG, ROOT
from ..corpus import (
    DATE_STYLES,
    HEADER,
    cell_xml,
    entity_bomb,
    external_entity,
    header_and_rows,
    order,
    raw_xlsx,
    sheet_xml,
    xlsx,
    zip_bomb,
)


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"sqlite:///{tmp_path / 'orders.db'}")
    return load_config(DEFAULT_CONFIG)


def limited(config, **limits):
    return dataclasses.replace(config, excel=dataclasses.replace(config.excel, **limits))


@pytest.fixture
def store(config):
    with open_store(config) as store:
        yield store


def row_with(reference_cells: str, number: int = 2) -> str:
    """A sheet with the standard header and one row made of these raw <c> elements."""
    base = sheet_xml(header_and_rows([order(1)]))
    return base.replace('<row r="2">', f'<row r="{number}">' + reference_cells, 1)


HOSTILE = [
    # (case, builder, limits, message fragment)
    ("zip bomb of repeated rows", lambda: zip_bomb(3_000_000), {"max_sheet_bytes": 1_000_000},
     "is 3,0"),
    ("zip bomb of unique rows", lambda: zip_bomb(2_000_000, unique=True), {"max_sheet_bytes": 1_000_000},
     "too large or a zip bomb"),
    ("rows over the limit", lambda: xlsx([order(n) for n in range(150)]), {"max_rows": 100},
     "has more than 100 rows"),
    ("cells over the limit", lambda: xlsx([order(n) for n in range(800)]), {"max_cells": 10_000},
     "has more than 10,000 cells"),
    ("a million declared columns", lambda: raw_xlsx([row_with(cell_xml("AZZZZ2", "x"))]), {},
     "has a cell in column 932,230 (row 2); an order list may use 16,384 columns"),
    ("one row of very many cells",
     lambda: raw_xlsx([row_with('<c t="inlineStr"><is><t>x</t></is></c>' * 17_000)]), {},
     "an order list may use 16,384 columns"),
    ("many sheets", lambda: raw_xlsx([sheet_xml(header_and_rows([order(1)]))], extra_sheet_entries=1_000), {},
     "more than 1,000 sheets"),
    ("shared strings over the cell limit",
     lambda: raw_xlsx([sheet_xml(header_and_rows([order(1)]))], shared_strings=(
         '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
         + "<si><t>s</t></si>" * 10_001 + "</sst>")), {"max_cells": 10_000},
     "shared strings table has more than 10,000 strings"),
    ("billion laughs", entity_bomb, {}, "declares a document type (DTD)"),
    ("external entity", external_entity, {}, "XML entities are refused"),
]


@pytest.mark.parametrize(("builder", "limits", "fragment"), [case[1:] for case in HOSTILE],
                         ids=[case[0] for case in HOSTILE])
def test_hostile_workbook_is_rejected_whole_with_one_sentence(config, tmp_path, builder, limits, fragment):
    config = limited(config, **limits)
    with open_store(config) as store:
        report = ingest_file(config, store, builder(), "hostile.xlsx")
        assert report.outcome == "rejected", report.to_text()
        assert fragment in report.message and report.message.count(". ") <= 1, report.message
        assert store.status()["orders"]["NEW"] == 0


def test_a_bomb_is_refused_by_its_declared_size_before_it_is_inflated(tmp_path):
    """Refused within seconds and in little memory, measured in a child process and printed (never a timed
    assertion; scripts/bench_ingest.py --hostile measures the full-size bombs)."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb(30_000_000))  # 30 MB of XML in about 40 KB
    config_path = tmp_path / "limited.toml"
    config_path.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        "[excel]\n", "[excel]\nmax_sheet_bytes = 1_000_000\n", 1), encoding="utf-8")
    probe = ("import re, sys, time\n"
             "from shared.config import load_config\nfrom shared.excel import ingest_files\n"
             "started = time.perf_counter()\n"
             f"report = ingest_files(load_config({str(config_path)!r}), [{str(path)!r}])\n"
             "peak = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1]\n"
             "print(report.files[0].outcome, time.perf_counter() - started, int(peak) // 1024)\n")
    environ = {**os.environ, "ORDERSYNC_DATABASE": f"sqlite:///{tmp_path / 'bomb.db'}"}
    answer = subprocess.run([sys.executable, "-c", probe], env=environ, check=True, cwd=ROOT,
                            capture_output=True, text=True).stdout
    outcome, seconds, peak_mb = answer.split()
    print(f"bomb of 30 MB XML refused in {float(seconds):.2f} s, child peak RSS {peak_mb} MB")
    assert outcome == "rejected"


UNREADABLE = [
    # (case, cell, message fragment): each rejects its own row only
    ("negative shared string index", '<c r="L3" t="s"><v>-1</v></c>', "refers to shared string -1"),
    ("shared string past the table", '<c r="L3" t="s"><v>7</v></c>', "refers to shared string 7"),
    ("7-digit number styled as a date", '<c r="L3" s="1"><v>9876543</v></c>',
     "is formatted as a date but holds 9876543, which is no date Excel can show"),
    ("date-styled not-a-number", '<c r="L3" s="1"><v>NaN</v></c>', "which is no date Excel can show"),
    ("number that is not one", '<c r="L3"><v>12abc</v></c>', "which is not a valid number"),
    ("unknown cell type", '<c r="L3" t="zz"><v>1</v></c>', "has the unknown cell type 'zz'"),
    ("lone surrogate", '<c r="L3" t="inlineStr"><is><t>bad _xD83D_ text</t></is></c>',
     "lone UTF-16 surrogate"),
]


@pytest.mark.parametrize(("cell", "fragment"), [case[1:] for case in UNREADABLE],
                         ids=[case[0] for case in UNREADABLE])
def test_an_unreadable_cell_rejects_its_row_only(config, store, cell, fragment):
    rows = header_and_rows([order(1), order(2, NOTES=None), order(3)])  # row 3 gets its NOTES cell below
    sheet = sheet_xml(rows).replace('<row r="3">', '<row r="3">' + cell, 1)
    strings = ('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>only</t></si>'
               '</sst>')
    report = ingest_file(config, store, raw_xlsx([sheet], shared_strings=strings, styles=DATE_STYLES),
                         "unreadable.xlsx")
    assert (report.outcome, report.new, report.rejected) == ("accepted", 2, 1), report.to_text()
    (rejected,) = report.rejected_rows
    assert rejected.row == 3 and rejected.message.startswith("L3: ") and fragment in rejected.message
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")  # printable and storable
    stored = store.ingest_issues(report.ingest_id)
    assert [issue.message for issue in stored if issue.kind == "rejected"] == [rejected.message]


def test_an_escaped_surrogate_pair_is_the_character_it_encodes(config):
    sheet = sheet_xml(header_and_rows([order(1, NOTES="smile _xD83D__xDE00_ please")]))
    (incoming,) = parse_order_list(config, raw_xlsx([sheet]), "emoji.xlsx").batch.orders
    assert incoming.values["NOTES"] == "smile \U0001F600 please"


def test_a_key_shared_by_thousands_of_rows_is_one_short_message(config, store):
    rows = [order(1, M=n) for n in range(3_000)]
    report = ingest_file(config, store, xlsx(rows), "same key.xlsx")
    (rejected,) = report.rejected_rows
    assert report.rejected == 3_000 and report.new == 0
    assert rejected.message == ("Rows 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21 "
                                "and 2,980 more share the business key 'AAG-1|SEA|ST-1'; all 3,000 of them "
                                "are rejected until the key is unique.")
    assert len(json.dumps(report.to_dict())) < 5_000


def test_too_many_order_columns_are_refused_up_front(config, store):
    header = [*HEADER, *(f"EXTRA {n}" for n in range(1_000))]
    report = ingest_file(config, store, xlsx([order(1)], header=header), "wide.xlsx")
    assert report.outcome == "rejected"
    assert "has 1,010 order columns; the orders table holds at most 1,009" in report.message
    assert "EXTRA 1" not in store.order_columns()


def test_new_columns_past_the_table_limit_add_none_and_later_files_still_work(config, store):
    first = ingest_file(config, store, xlsx([order(1)], header=[*HEADER, *(f"A {n}" for n in range(900))]),
                        "first.xlsx")
    assert first.outcome == "accepted"
    columns = store.order_columns()
    second = ingest_file(config, store, xlsx([order(2)], header=[*HEADER, *(f"B {n}" for n in range(200))]),
                         "second.xlsx")
    assert second.outcome == "rejected" and "brings 200 new column(s)" in second.message
    assert store.order_columns() == columns  # nothing half-added
    third = ingest_file(config, store, xlsx([order(3)], header=[*HEADER, *(f"C {n}" for n in range(50))]),
                        "third.xlsx")
    assert (third.outcome, third.new) == ("accepted", 1)
