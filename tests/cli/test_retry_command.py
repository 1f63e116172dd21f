"""`sync` results and `retry`, through the command line against the emulator and a SQLite file.

Acceptance 4: one bad record among good ones: the good ones are written, the result is PARTIAL, exit 1.
Acceptance 3: an order parked by a permanent monday error (a status label the board lacks); the label is added
on the board; `retry --order KEY`; the next sync writes it.
"""

from __future__ import annotations

import json

import pytest

from shared.cli import main
from shared.monday_emulator import run_emulator_in_thread

from ..conftest import DEFAULT_CONFIG
from ..sync.mirror import BOARD, fifty_orders, orders_in_store, sync_config, write_order_list

BAD_KEY = "AAG-0003|BOAT|ST-3"  # BOAT is not a label of the board's delivery status column


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run the CLI on a config that parks a record after 2 failures and retries at once."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace("max_attempts = 5",
                                                               "max_attempts = 2\nretry_base_seconds = 0")
    config_path = tmp_path / "ordersync.toml"
    config_path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"sqlite:///{tmp_path / 'orders.db'}")
    with run_emulator_in_thread(complexity_budget=10**9) as emulator:
        monkeypatch.setenv("MONDAY_API_TOKEN", "secret-token-value")
        monkeypatch.setenv("MONDAY_API_URL", emulator.url)

        def run(*args: str) -> int:
            return main(["--config", str(config_path), *args])

        run.emulator = emulator
        yield run


def test_a_parked_order_is_retried_once_its_cause_is_fixed(cli, tmp_path, capsys):
    emulator = cli.emulator
    assert cli("ingest", str(write_order_list(tmp_path / "g.xlsx", fifty_orders(3)[:5]))) == 0
    capsys.readouterr()

    assert cli("sync", "--json") == 1  # acceptance 4: the good ones written, the result PARTIAL
    summary = json.loads(capsys.readouterr().out)
    assert (summary["ok"], summary["result"], summary["items_created"]) == (False, "PARTIAL", 4)
    assert [(f["business_key"], f["record"], f["parked"]) for f in summary["failed"]] == [(BAD_KEY, "item",
                                                                                             False)]
    assert "'BOAT' is not a label" in summary["failed"][0]["message"]

    assert cli("sync") == 1
    text = capsys.readouterr().out
    assert "result: PARTIAL (1 records failed, 1 of them now parked)" in text and BAD_KEY in text
    assert cli("sync") == 0  # the parked order is not taken; the run says so
    text = capsys.readouterr().out
    assert "sync: 0 orders" in text and "result: OK" in text
    assert "note: 1 parked orders wait for a person" in text and "retry --order KEY" in text
    assert cli("status", "--json") == 0
    status = json.loads(capsys.readouterr().out)
    assert status["parked"] == 1 and status["failed_orders"][0]["parked"]

    emulator.add_label(BOARD, "status_delivery", "BOAT")  # the cause, fixed on the board
    assert cli("retry", "--order", BAD_KEY) == 0
    assert "retry: 1 orders (0 of their sizes) are due now" in capsys.readouterr().out
    # The sync sends the very request that failed before; monday replays a cached answer to the same
    # Idempotency-Key for 30 minutes: let them pass.
    emulator.expire_answers()
    assert cli("sync", "--json") == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] and (summary["items_created"], summary["subitems_created"]) == (1, 2)
    order = orders_in_store(sync_config(tmp_path))[BAD_KEY]  # the same SQLite file
    assert (order["sync_state"], order["sync_attempts"]) == ("SYNCED", 0)
    assert emulator.item(order["monday_item_id"])["values"]["status_delivery"] == "BOAT"
    assert cli("retry", "--all") == 0 and "nothing to retry" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    ((), "say which orders: --order KEY, --customer NAME or --all"),
    (("--all", "--order", "K"), "--all takes every failed order"),
    (("--order", "AAG-0003|BOAT|ST-4"), "did you mean 'AAG-0003|BOAT|ST-3'"),
    (("--customer", "GREYSEN"), "did you mean 'GREYSON'?"),
    (("--customer", "Nobody At All"), "known customers: B'HOOD, GREYSON"),
])
def test_retry_says_what_is_wrong_with_its_arguments(cli, tmp_path, capsys, args, message):
    assert cli("ingest", str(write_order_list(tmp_path / "g.xlsx", fifty_orders(3)[:5]))) == 0
    capsys.readouterr()
    assert cli("retry", *args) == 2
    assert message in capsys.readouterr().err
