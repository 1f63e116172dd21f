"""The command line's habits: the common options before or after the command, a closed stdout is no
traceback, ``board check --json`` always prints its JSON, each failure is printed once and names the Excel
column, -v and --log-file, a warning when a SQLite file is created, ``--version`` and the ``ordersync``
command."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from shared.common.version import VERSION

from ..conftest import ROOT
from .conftest import run


def test_env_and_config_are_taken_before_or_after_the_command(world, capsys, monkeypatch):
    monkeypatch.delenv("ORDERSYNC_CONFIG")
    config = str(world.config_path)
    for argv in (["--env", "development", "--config", config, "status", "--json"],
                 ["status", "--env", "development", "--config", config, "--json"],
                 ["--config", config, "status", "--json", "--env", "development"]):
        code, out, _ = run(capsys, *argv)
        assert code == 0 and json.loads(out)["environment"] == "development", argv
    # after the command it is really used: an unknown environment is refused, naming it
    code, _, err = run(capsys, "status", "--config", config, "--env", "staging")
    assert code == 2 and "unknown environment 'staging'" in err
    # a nested command too, and the value after the command wins over the one before
    code, _, err = run(capsys, "--env", "development", "board", "check", "--config", config, "--env", "qa")
    assert code == 2 and "unknown environment 'qa'" in err


def closed_stdout_run(*argv: str) -> subprocess.CompletedProcess:
    """Run the CLI with a stdout whose reader has already gone (as `... | head` ends up)."""
    process = subprocess.Popen([sys.executable, "-m", "shared", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.close()  # the reader leaves before the command writes anything
    _, err = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, None, err.decode())


def test_a_reader_that_leaves_early_is_no_traceback(world):
    world.ingest_orders(3)
    for argv in (["status"], ["sync"], ["runs", "--json"]):
        result = closed_stdout_run(*argv)
        assert result.returncode == 141, (argv, result.stderr)
        assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, argv
    assert len(world.emulator.items("9609317401")) == 3  # the sync did its work before the pipe closed


def test_board_check_json_prints_its_json_also_when_the_check_cannot_run(world, capsys, monkeypatch):
    code, out, err = run(capsys, "board", "check", "--json")
    assert (code, err) == (0, "") and json.loads(out)["ok"] is True

    monkeypatch.delenv("MONDAY_API_TOKEN")
    code, out, err = run(capsys, "board", "check", "--json")
    verdict = json.loads(out)
    assert code == 1 and err == ""  # said once, in the JSON
    assert verdict["ok"] is False and verdict["board_id"] == "9609317401" and verdict["problems"] == []
    assert "MONDAY_API_TOKEN is not set" in verdict["error"]

    code, out, err = run(capsys, "board", "check", "--json", "--env", "nowhere")
    assert code == 2 and err == "" and json.loads(out)["error"].startswith("configuration error: ")
    code, out, err = run(capsys, "board", "check")  # without --json: stderr, as every command
    assert code == 1 and out == "" and "MONDAY_API_TOKEN is not set" in err


def test_a_failed_record_is_printed_once_and_names_the_excel_column(world, capsys):
    world.ingest_orders(4, bad_method_at=1)
    code, out, err = run(capsys, "sync")
    assert code == 1 and err == ""  # the summary says it; the log line is left off the terminal
    (line,) = [line for line in out.splitlines() if "AAG-0001|BOAT|ST-1" in line]
    assert "column 'status_delivery' (Excel \"PLANNED DELIVERY METHOD\"): value 'BOAT'" in line


def test_verbose_and_log_file(world, capsys, tmp_path):
    world.ingest_orders(4, bad_method_at=1)
    log_file = tmp_path / "ordersync.log"
    code, out, err = run(capsys, "sync", "-v", "--log-file", str(log_file))
    assert code == 1 and "AAG-0001|BOAT|ST-1 item failed (attempt 1)" in err  # -v: the log line too
    logged = log_file.read_text(encoding="utf-8")
    assert re.search(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} WARNING shared\.sync\.batch: "
                     r"AAG-0001\|BOAT\|ST-1 item failed", logged, re.M)
    assert "cli-test-token" not in logged
    code, _, err = run(capsys, "status", "--log-file", str(tmp_path / "no" / "such" / "dir.log"))
    assert code == 2 and err.startswith("configuration error: ") and "--log-file" in err


def test_creating_a_sqlite_file_is_announced_once(world, capsys, monkeypatch, tmp_path):
    misspelt = tmp_path / "ordres.db"
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"sqlite:///{misspelt}")
    code, _, err = run(capsys, "status")
    assert code == 0 and err == (f"warning: created a new, empty SQLite database {misspelt} for environment "
                                 f"development; if your orders are elsewhere, check ORDERSYNC_DATABASE and "
                                 f"--env\n")
    assert run(capsys, "status")[2] == ""  # it exists now


def test_version_and_the_ordersync_command():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"] == {"ordersync": "shared.cli:main"}
    command = shutil.which("ordersync", path=str(Path(sys.executable).parent))
    assert command, "make setup installs the project (pip install -e .), which puts ordersync beside python"
    for argv in ([command, "--version"], [sys.executable, "-m", "shared", "--version"]):
        result = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True)
        assert result.stdout == f"ordersync {VERSION}\n"
    result = subprocess.run([command, "runs", "--help"], capture_output=True, text=True, check=True)
    assert "--last N" in result.stdout and "--env NAME" in result.stdout
