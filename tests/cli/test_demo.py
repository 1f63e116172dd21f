"""The `demo` and `sync` commands, run through the CLI entry point."""

from __future__ import annotations

import json

from shared.cli import main
from shared.config import load_config
from shared.excel import ingest_files
from shared.monday_emulator import run_emulator_in_thread

from ..conftest import DEFAULT_CONFIG
from ..sync.mirror import fifty_orders, write_order_list


def test_demo_mirrors_the_samples_then_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the demo's database goes to ./.ordersync/demo.db
    (tmp_path / ".ordersync").mkdir()
    (tmp_path / ".ordersync" / "demo.db").write_bytes(b"left over from an earlier run")

    assert main(["--config", str(DEFAULT_CONFIG), "demo", "--json"]) == 0

    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["ok"] and result["first_sync"]["ok"] and result["second_sync"]["ok"]
    orders = sum(report["new"] for report in result["ingest"]["files"])
    lines = sum(report["lines_new"] for report in result["ingest"]["files"])
    assert result["first_sync"]["items_created"] == result["board"]["items"] == orders > 0
    assert result["first_sync"]["subitems_created"] == result["board"]["subitems"] == lines
    assert result["second_sync"]["records_written"] == 0 and result["second_sync"]["requests"] == 0
    assert "board:" in captured.err and "second sync" in captured.err and "└──" in captured.err
    assert not (tmp_path / ".ordersync" / "orders.db").exists()  # the configured database is not touched


def test_sync_without_a_token_refuses_and_points_at_the_demo(capsys):
    assert main(["--config", str(DEFAULT_CONFIG), "sync"]) == 2
    err = capsys.readouterr().err
    assert "MONDAY_API_TOKEN is not set" in err and "python -m shared demo" in err


def test_sync_command_prints_the_summary_and_exits_1_when_a_record_failed(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"sqlite:///{tmp_path / 'orders.db'}")
    ingest_files(load_config(DEFAULT_CONFIG), [write_order_list(tmp_path / "g.xlsx", fifty_orders(3)[:5])])
    with run_emulator_in_thread(complexity_budget=10**9) as emulator:
        monkeypatch.setenv("MONDAY_API_TOKEN", "secret-token-value")
        monkeypatch.setenv("MONDAY_API_URL", emulator.url)
        assert main(["--config", str(DEFAULT_CONFIG), "sync", "--dry-run", "--json"]) == 0
        preview = json.loads(capsys.readouterr().out)
        assert preview["dry_run"] and preview["items_created"] == 5 and emulator.counters.mutations == 0

        assert main(["--config", str(DEFAULT_CONFIG), "sync"]) == 1
        text = capsys.readouterr().out
        assert "items created 4" in text and "AAG-0003|BOAT|ST-3 item" in text and "result: PARTIAL" in text
        assert "secret-token-value" not in text
