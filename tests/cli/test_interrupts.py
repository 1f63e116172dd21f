"""Ctrl-C in a command without a claim to release (here `ingest`, in its own process with a real SIGINT): one
line on stderr, exit 130, no traceback, and nothing of the interrupted file kept (its transaction rolls back).
`sync` and `reconcile` are stopped in tests/cli/test_sync_stopped.py."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import xlsxwriter

from ..conftest import ROOT
from ..sync.mirror import HEADER, wait_until

ROWS = 60_000  # long enough to be caught half-way on any machine


def big_order_list(path) -> None:
    with xlsxwriter.Workbook(str(path), {"constant_memory": True}) as book:
        sheet = book.add_worksheet("MASTER")
        sheet.write_row(0, 0, HEADER)
        for number in range(ROWS):
            sheet.write_row(number + 1, 0, [f"AAG-{number:06}", "GREYSON", "SS27", f"ST-{number}", "NAVY",
                                            "SEA", "2027-03-01", "ACTIVE", "EA", 10, 20, 30])


def has_orders_table(database) -> bool:
    if not database.exists():
        return False
    with sqlite3.connect(database) as db:
        return bool(db.execute("SELECT 1 FROM sqlite_master WHERE name = 'ORDER_LIST_V2'").fetchall())


def test_ctrl_c_during_an_ingest_is_one_line_exit_130_and_keeps_nothing(tmp_path):
    workbook, database = tmp_path / "big.xlsx", tmp_path / "orders.db"
    big_order_list(workbook)
    ingest = subprocess.Popen([sys.executable, "-m", "shared", "ingest", str(workbook)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT), "ORDERSYNC_DATABASE":
                                   f"sqlite:///{database}"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    wait_until(lambda: has_orders_table(database) or ingest.poll() is not None)  # the file is being read
    ingest.send_signal(signal.SIGINT)
    out, err = ingest.communicate(timeout=60)

    assert ingest.returncode == 130 and "Traceback" not in err
    assert err.splitlines()[-1] == "ingest: interrupted (SIGINT); nothing half-written was kept"
    with sqlite3.connect(database) as db:
        assert db.execute('SELECT COUNT(*) FROM "ORDER_LIST_V2"').fetchone() == (0,)
