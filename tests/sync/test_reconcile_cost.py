"""Acceptance 5: reconciling a 2,000-item board costs fewer than 40 requests (a count, not a time), each well
inside monday's per-query complexity limit. The board is built by scripts/bench_reconcile.py, which prints the
figures for the closing note."""

from __future__ import annotations

from shared.monday_emulator import run_emulator_in_thread

from ..conftest import load_script


def test_the_reconcile_of_a_2000_item_board_costs_fewer_than_40_requests(tmp_path):
    bench = load_script("bench_reconcile")
    with run_emulator_in_thread(complexity_budget=2 * 10**9) as emulator:
        config = bench.bench_config(tmp_path)
        bench.seed_mirrored_board(config, emulator, orders=2000, sizes=1, folder=tmp_path)
        report, _, dearest = bench.measure(config, emulator)
    assert report.ok and report.found.total == 0  # the seeded board mirrors the store exactly
    assert (report.found.items_read, report.found.subitems_read) == (2000, 2000)
    assert report.requests < 40, report.requests  # the two boards' schemas and four pages of 500 items
    assert dearest < bench.QUERY_LIMIT
