"""The run history from the command line: every ``sync`` leaves a row (ok, failed or stopped), ``runs`` lists
them, ``status`` shows the last ones with where ordersync works."""

from __future__ import annotations

import json

from .conftest import run

PLACEHOLDER_TOKEN = "cli-test-token"


def test_every_sync_is_recorded_with_its_counts_and_failures(world, capsys):
    world.ingest_orders(5, bad_method_at=3)
    code, out, _ = run(capsys, "sync", "--json")
    summary = json.loads(out)
    # the bad order fails alone; its two sizes wait for its item
    assert code == 1 and summary["records_written"] == 4 + 8 and len(summary["failed"]) == 1

    assert run(capsys, "sync", "--dry-run")[0] == 0  # a dry run writes nothing, its row neither
    code, out, _ = run(capsys, "runs", "--json")
    assert code == 0
    (recorded,) = json.loads(out)
    assert (recorded["kind"], recorded["source"], recorded["environment"], recorded["outcome"]) == (
        "sync", "cli", "development", "failed")
    assert (recorded["orders"], recorded["records_written"], recorded["records_failed"]) == (5, 12, 1)
    assert (recorded["requests"], recorded["complexity"], recorded["rate_limited"]) == (
        summary["requests"], summary["complexity"], 0)
    assert recorded["counts"]["items_created"] == 4 and recorded["counts"]["subitems_created"] == 8
    assert recorded["duration_seconds"] > 0 and recorded["host"]
    (failure,) = recorded["failures"]
    assert failure["business_key"] == "AAG-0003|BOAT|ST-3" and failure["record"] == "item"
    assert "'BOAT'" in failure["message"]  # the operator's own history keeps the full text
    assert recorded["started_at"] < recorded["finished_at"]

    code, out, _ = run(capsys, "runs")
    assert code == 0
    assert "sync  cli@" in out and " failed " in out
    assert "sync failed: 1 records failed" in out and "AAG-0003|BOAT|ST-3 item:" in out


def test_a_run_that_stops_is_recorded_as_an_error(world, capsys):
    world.ingest_orders(2)
    world.emulator.faults.add("http_500_before", count=None)
    code, _, err = run(capsys, "sync")
    assert code == 1 and err.endswith("error: monday unavailable (board_schema): HTTP 500: Internal server "
                                      "error\n")
    world.emulator.faults.clear()
    assert run(capsys, "sync")[0] == 0

    code, out, _ = run(capsys, "runs", "--json")
    newest, stopped = json.loads(out)
    assert newest["outcome"] == "ok" and newest["records_written"] == 2 + 4
    assert stopped["outcome"] == "error" and stopped["error"].startswith("MondayTransientError: ")
    assert stopped["records_written"] == 0 and stopped["requests"] > 0
    assert PLACEHOLDER_TOKEN not in out

    code, out, _ = run(capsys, "runs", "--last", "1", "--json")
    assert [r["outcome"] for r in json.loads(out)] == ["ok"]
    assert run(capsys, "runs", "--kind", "plan")[1] == "no runs recorded yet of kind plan\n"
    assert run(capsys, "runs", "--last", "0")[0] == 2


def test_status_shows_where_it_works_and_the_last_runs(world, capsys):
    world.ingest_orders(3)
    assert run(capsys, "sync")[0] == 0
    code, out, _ = run(capsys, "status")
    assert code == 0
    assert f"environment: development ({world.config_path})" in out
    assert f"database: sqlite {world.database}, schema 005_runs" in out
    assert f"board: 9609317401 at {world.emulator.url}" in out
    assert "last runs: 1" in out and "sync  cli@" in out
    status = json.loads(run(capsys, "status", "--json")[1])
    assert [run_["records_written"] for run_ in status["runs"]] == [3 + 6]
