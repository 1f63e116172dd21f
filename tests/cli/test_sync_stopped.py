"""`python -m shared sync` stopped half-way. Ctrl-C or SIGTERM: the run releases every claim it holds, prints
one line (no traceback) and exits 130. Killed outright (kill -9): its claims are leases nobody renews any
more, `status` shows them and when they free, and the next sync takes the orders once they have; either way
the board ends exact, nothing made twice.

Real parts: the command line in a subprocess, real signals, the monday emulator with a latency per mutation
and requests that make subitems held a few seconds (so a stop sent once the items are made always lands
while the sizes are still to make), a SQLite file.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from shared.cli import main
from shared.config import load_config
from shared.excel import ingest_files
from shared.monday_emulator import run_emulator_in_thread
from shared.sync.planner import utc_now

from ..conftest import DEFAULT_CONFIG, ROOT
from ..sync.mirror import (
    TOKEN,
    assert_mirror,
    board_items,
    fifty_orders,
    hold_subitems,
    lines_in_store,
    orders_in_store,
    wait_until,
    write_order_list,
)

ORDERS = 20
LATENCY = 0.05  # seconds per mutation: the 20 items take a second
LEASE_SECONDS = 4  # renewed every 1.3 s; after a kill -9 the orders stay claimed 2.7 to 4 s
GENEROUS = 30


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """A configuration file with a short lease, 20 orders ingested, and a function running the CLI in-process
    as the command line would (its environment: database, monday URL and token)."""
    path = tmp_path / "sync_order_list.toml"
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert "lease_seconds = 60" in text
    path.write_text(text.replace("lease_seconds = 60", f"lease_seconds = {LEASE_SECONDS}"), encoding="utf-8")
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"sqlite:///{tmp_path / 'orders.db'}")
    config = load_config(path)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders()[:ORDERS])])
    with run_emulator_in_thread(complexity_budget=10**9, latency=LATENCY) as emulator:
        monkeypatch.setenv("MONDAY_API_URL", emulator.url)
        monkeypatch.setenv("MONDAY_API_TOKEN", TOKEN)
        yield config, emulator, lambda *args: main(["--config", str(path), *args])


def start_sync(config) -> subprocess.Popen:
    """`python -m shared sync` in its own process."""
    return subprocess.Popen([sys.executable, "-m", "shared", "--config", str(config.path), "sync"], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def claims(config) -> set:
    return {order["claim_id"] for order in orders_in_store(config).values()}


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_releases_the_claims_prints_one_line_and_exits_130(cli, stop):
    config, emulator, run = cli
    hold_subitems(emulator)
    sync = start_sync(config)
    wait_until(lambda: emulator.counters.items_created == ORDERS or sync.poll() is not None)  # now subitems
    sync.send_signal(stop)
    out, err = sync.communicate(timeout=GENEROUS)
    emulator.faults.clear()

    assert sync.returncode == 130, err
    assert out == "" and "Traceback" not in err
    assert err.splitlines() == [f"sync: interrupted ({stop.name}); {ORDERS} orders released, nothing "
                                f"half-written stays claimed"]
    assert claims(config) == {None}  # nothing stays claimed: the next run may take every order at once
    assert {line["sync_state"] for line in lines_in_store(config)} == {"NEW"}  # stopped with sizes to make

    # monday finishes what the stopped run had sent (the run never heard the outcome); a sync started after
    # that adopts it by key and name, and makes the rest.
    wait_until(lambda: emulator.requests_in_flight() == 0)
    assert run("sync") == 0
    assert_mirror(config, emulator)
    assert len(board_items(emulator)) == ORDERS


def test_a_sync_killed_outright_frees_its_orders_when_its_lease_ends(cli, capsys):
    config, emulator, run = cli
    hold_subitems(emulator)
    sync = start_sync(config)
    wait_until(lambda: emulator.counters.items_created == ORDERS or sync.poll() is not None)  # now subitems
    sync.kill()
    sync.wait()
    killed_at = utc_now()
    emulator.faults.clear()

    assert run("status", "--json") == 0  # the dead run's orders: claimed, and until when
    claimed = json.loads(capsys.readouterr().out)["claimed"]
    assert claimed["orders"] == ORDERS and len(claimed["claims"]) == 1
    assert killed_at < datetime.fromisoformat(claimed["frees_by"]) <= killed_at + timedelta(
        seconds=LEASE_SECONDS)
    assert run("status") == 0
    assert re.search(rf"claimed: {ORDERS} orders under 1 claims; free by .* UTC \(in \d s\)",
                     capsys.readouterr().out)

    assert run("sync") == 0  # right away: the orders are still under the dead run's lease, and it says so
    out = capsys.readouterr().out
    assert f"note: {ORDERS} orders are claimed by another sync" in out and "sync: 0 orders" in out
    wait_until(lambda: emulator.requests_in_flight() == 0)  # monday finishes what the dead run had sent

    def next_sync_took_them() -> bool:  # as a person would: run sync again until it takes the orders
        run("sync")
        capsys.readouterr()
        return {line["sync_state"] for line in lines_in_store(config)} == {"SYNCED"}  # the sizes it left

    wait_until(next_sync_took_them)  # within one lease here (a minute by default), never the 15-minute claim
    assert claims(config) == {None}
    assert_mirror(config, emulator)  # exactly one item per order: what the killed run made was adopted
    assert len(board_items(emulator)) == ORDERS


def test_a_reconcile_stopped_by_a_signal_says_so_in_one_line_and_leaves_nothing_claimed(cli):
    config, emulator, run = cli
    assert run("sync") == 0
    for item in list(board_items(emulator).values()):  # an emptied board: the repair rebuilds it whole
        emulator.delete_item(item["id"])
    hold_subitems(emulator)
    repair = subprocess.Popen([sys.executable, "-m", "shared", "--config", str(config.path), "reconcile",
                               "--repair"], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: emulator.counters.items_created >= ORDERS * 2 or repair.poll() is not None)
    repair.send_signal(signal.SIGINT)
    out, err = repair.communicate(timeout=GENEROUS)
    emulator.faults.clear()

    assert repair.returncode == 130 and "Traceback" not in err
    assert err.splitlines() == ["reconcile: interrupted (SIGINT); what it marked or synced is saved, nothing "
                                "half-written stays claimed"]
    assert claims(config) == {None}
    wait_until(lambda: not emulator.requests_in_flight())
    # What it had marked and not synced is pending: the next sync writes it (adopting what monday made of the
    # requests in flight), and the board is exact, without twins.
    assert run("sync") == 0 and run("reconcile") == 0
    assert_mirror(config, emulator)
    assert len(board_items(emulator)) == ORDERS
