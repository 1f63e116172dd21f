"""The progress line of long commands: drawn live on a terminal (a real pseudo-terminal here), a plain line
now and then elsewhere, never on stdout, and off with --quiet."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading

import pytest

from shared.cli import main
from shared.commands import progress
from shared.monday_emulator import run_emulator_in_thread
from shared.sync import SyncProgress

from ..conftest import ROOT


def read_all(fd: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the other side of the terminal closed
            return
        if not chunk:
            return
        into.append(chunk)


def run_on_a_terminal(*argv: str) -> tuple[int, str, str]:
    """The CLI with stderr on a pseudo-terminal (120 columns) and stdout on a pipe."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "shared", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=terminal, env={**os.environ, "TERM": "xterm"})
    os.close(terminal)
    drawn: list[bytes] = []
    reader = threading.Thread(target=read_all, args=(controller, drawn))
    reader.start()
    out, _ = process.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(controller)
    return process.returncode, out.decode(), b"".join(drawn).decode(errors="replace")


def test_a_terminal_shows_a_live_line_with_rate_eta_and_the_budget_wait(world, monkeypatch):
    # 800,000 points per 2 s window: the run's 30 creates cost 900,000, so it waits for the budget once.
    with run_emulator_in_thread(complexity_budget=800_000, window_seconds=2.0, latency=0.02) as tight:
        monkeypatch.setenv("MONDAY_API_URL", tight.url)
        world.ingest_orders(10)
        code, out, drawn = run_on_a_terminal("sync", "--json")
    assert code == 0, (out, drawn[-3000:])
    summary = json.loads(out)  # stdout holds the JSON only
    assert summary["records_written"] == 30
    assert "\r" in drawn  # redrawn in place
    # done of planned, then elapsed<ETA and the rate, as tqdm draws them; the budget wait while pacing
    assert re.search(r"sync: +\d+%\|[^|]*\| *\d+/30 \[\d\d:\d\d<\d\d:\d\d, +\d+\.\d+ records/s", drawn), drawn
    assert re.search(r"\d+/30 \[[^]]*, waiting \d s for monday's budget\]", drawn), drawn
    assert "error" not in drawn and "Traceback" not in drawn


def test_elsewhere_a_line_every_few_seconds_and_none_with_quiet(world, capsys, monkeypatch):
    monkeypatch.setattr(progress, "LOG_INTERVAL_SECONDS", 0.2)
    slow = run_emulator_in_thread(complexity_budget=10**9, latency=0.03)
    with slow as emulator:
        monkeypatch.setenv("MONDAY_API_URL", emulator.url)
        world.ingest_orders(8)
        assert main(["sync", "--json"]) == 0
        captured = capsys.readouterr()
        assert json.loads(captured.out)["records_written"] == 24
        lines = captured.err.splitlines()
        # before the plan is counted a line can only say 0 records; after, done of planned
        shape = r"\d\d:\d\d:\d\d sync: (0 records|\d+ of 24 records \(\d+%\)), \d+\.\d/s(, about \d+ s left)?"
        assert lines and all(re.fullmatch(shape, line) for line in lines), lines
        assert any(" of 24 records" in line for line in lines)

        world.ingest_orders(10)  # 2 more orders
        assert main(["sync", "--quiet"]) == 0
        assert capsys.readouterr().err == ""


@pytest.mark.parametrize("flag", ["--quiet", "--dry-run"])
def test_a_sync_without_the_line_counts_no_planned_writes(world, capsys, monkeypatch, flag):
    def counted(*args):
        raise AssertionError("the planned writes were counted for a line that is off")

    monkeypatch.setattr(SyncProgress, "add_planned", counted)
    world.ingest_orders(4)
    assert main(["sync", flag]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("quiet", [False, True])
def test_ingest_reports_rows_read_per_file(world, capsys, monkeypatch, quiet):
    monkeypatch.setattr(progress, "LOG_INTERVAL_SECONDS", 0.001)
    workbook = ROOT / "samples" / "bhood_kids_baby.xlsx"
    assert main(["ingest", str(workbook), "--json", *(["--quiet"] if quiet else [])]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["totals"]["new"] > 0
    lines = [line for line in captured.err.splitlines() if not line.startswith("warning: created")]
    if quiet:
        assert lines == []
    else:
        shape = (r"\d\d:\d\d:\d\d (ingest: 0 rows|bhood_kids_baby\.xlsx: [\d,]+ of [\d,]+ rows \(\d+%\)), "
                 r"\d+\.\d/s(, about \d+ s left)?")
        assert lines and all(re.fullmatch(shape, line) for line in lines), lines
        assert any("bhood_kids_baby.xlsx" in line for line in lines)
