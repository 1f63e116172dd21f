"""`python -m shared ingest show FILE-or-ID` prints an earlier ingest again; `status` lists warnings."""

from __future__ import annotations

import json

import pytest

from shared.cli import main

from ..conftest import DEFAULT_CONFIG
from ..corpus import order, xlsx


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"sqlite:///{tmp_path / 'orders.db'}")
    monkeypatch.setenv("ORDERSYNC_CONFIG", str(DEFAULT_CONFIG))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "week 1.xlsx").write_bytes(xlsx([order(1), order(2, M="lots"), order(3, S=11)]))
    return tmp_path


def run(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def run_err(capsys, *argv) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


def test_show_by_id_file_and_name_prints_rejected_rows_and_warnings(folder, capsys):
    run(capsys, "ingest", "week 1.xlsx")
    code, by_id = run(capsys, "ingest", "show", "1")
    assert code == 0
    assert by_id.splitlines()[0].startswith("ingest 1: week 1.xlsx: accepted at ")
    assert "    row 3, M = 'lots': I3: 'lots' is not a quantity (a whole number of 0 or more)." in by_id
    assert "    row 4, TOTAL QTY = '30': Row 4: TOTAL QTY is 30 but the sizes add up to 31." in by_id
    assert "rows 3: 2 new, 0 changed, 0 unchanged, 1 rejected, 0 removed, 1 warned" in by_id
    assert run(capsys, "ingest", "show", "week 1.xlsx")[1] == by_id  # the file: found by its content
    (folder / "week 1.xlsx").unlink()
    assert run(capsys, "ingest", "show", "week 1.xlsx")[1] == by_id  # gone: found by its name
    code, out = run(capsys, "ingest", "show", "1", "--json")
    shown = json.loads(out)
    assert (shown["ingest_id"], shown["rows_warned"], len(shown["rejected_rows"])) == (1, 1, 1)
    assert shown["warnings"] == [{"row": 4, "column": "TOTAL QTY", "value": "30",
                                  "message": "Row 4: TOTAL QTY is 30 but the sizes add up to 31."}]


def test_show_of_an_unknown_ingest_and_a_file_named_show(folder, capsys):
    code, err = run_err(capsys, "ingest", "show", "42")
    assert code == 1 and "no ingest of '42'" in err
    code, err = run_err(capsys, "ingest", "show")
    assert code == 2 and "write ./show" in err
    (folder / "show").write_bytes(xlsx([order(7)]))
    code, out = run(capsys, "ingest", "./show")
    assert code == 0 and out.startswith("show: accepted")


def test_status_lists_the_warnings_of_the_last_ingests(folder, capsys):
    run(capsys, "ingest", "week 1.xlsx")
    code, out = run(capsys, "status")
    assert code == 0
    assert "warnings of the last ingests: 1" in out
    assert "Row 4: TOTAL QTY is 30 but the sizes add up to 31." in out
    status = json.loads(run(capsys, "status", "--json")[1])
    assert [warning["row"] for warning in status["warnings"]] == [4]
    assert status["ingests"][0]["rows_warned"] == 1
