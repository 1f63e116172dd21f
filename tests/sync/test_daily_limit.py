"""monday's daily call limit: the store remembers until when it is spent; planning and syncing (CLI and batch)
send nothing before then, and the orders stay pending, with no attempt counted.

Real parts: the monday emulator with its daily limit (it answers 429 DAILY_LIMIT_EXCEEDED with the seconds
to the next midnight UTC), SQLite files, the CLI's main().
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.cli import main
from shared.common.errors import DailyLimitExceeded
from shared.excel import ingest_files
from shared.monday import MondayClient
from shared.monday.answers import Problem, daily_limit_reset
from shared.monday_emulator import run_emulator_in_thread
from shared.store import open_store
from shared.sync import plan_batches, run_sync
from shared.sync.planner import utc_now

from ..conftest import DEFAULT_CONFIG
from .mirror import (
    TOKEN,
    assert_mirror,
    fifty_orders,
    lines_in_store,
    orders_in_store,
    sync_config,
    write_order_list,
)

CALLS_FOR_THE_ITEMS = 6  # one batch of 8 orders: schemas, group, look-up, items; the subitems meet the limit


def next_midnight_utc() -> datetime:
    return datetime.combine(datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), UTC)


def test_the_reset_is_what_the_answer_says_else_the_next_midnight_utc():
    now = datetime(2026, 11, 22, 18, 9, 36, 500, tzinfo=UTC)
    assert daily_limit_reset(Problem("daily", "spent", wait=3600.0), {"Retry-After": "60"}, now) == (
        now + timedelta(hours=1))
    assert daily_limit_reset(Problem("daily", "spent"), {"Retry-After": "120"}, now) == now + timedelta(
        seconds=120)
    assert daily_limit_reset(Problem("daily", "spent"), {}, now) == datetime(2026, 11, 23, tzinfo=UTC)
    evening_in_new_york = datetime(2026, 11, 22, 20, 0, tzinfo=timezone(timedelta(hours=-5)))  # 01:00 UTC
    assert daily_limit_reset(Problem("daily", "spent"), {}, evening_in_new_york) == datetime(
        2026, 11, 24, tzinfo=UTC)  # midnight is UTC's, whatever the zone


def test_a_429_daily_limit_answer_stops_at_once_with_its_reset_time(tmp_path):
    config = sync_config(tmp_path)
    with run_emulator_in_thread(daily_limit=0) as emulator:  # every call refused: 429 with retry_in_seconds

        async def read_board():
            async with MondayClient(config, url=emulator.url, token=TOKEN) as client:
                await client.board_schema()

        started = datetime.now(UTC)
        with pytest.raises(DailyLimitExceeded, match="daily call limit is spent .* resets at") as caught:
            asyncio.run(asyncio.wait_for(read_board(), 10))  # a 429 read as a rate limit would wait for hours
    assert abs(caught.value.resets_at - next_midnight_utc()) < timedelta(seconds=5)
    assert datetime.now(UTC) - started < timedelta(seconds=5) and len(emulator.requests()) == 1


@pytest.fixture
def paused_emulator():
    with run_emulator_in_thread(complexity_budget=10**9, daily_limit=CALLS_FOR_THE_ITEMS) as emulator:
        yield emulator


def test_the_daily_limit_pauses_planning_and_syncing_until_it_resets(tmp_path, paused_emulator, monkeypatch,
                                                                      capsys):
    emulator = paused_emulator
    config = sync_config(tmp_path)
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders()[:8])])

    first = run_sync(config, url=emulator.url, token=TOKEN)

    assert not first.ok and first.failed == [] and first.items_created == 8 and first.subitems_created == 0
    until = datetime.fromisoformat(first.daily_limit_until)
    assert abs(until - next_midnight_utc()) < timedelta(seconds=5)
    assert "PAUSED: monday's daily call limit is spent until" in first.render()
    orders, lines = orders_in_store(config), lines_in_store(config)
    assert {(o["sync_state"], o["claim_id"]) for o in orders.values()} == {("SYNCED", None)}  # written before
    assert {(line["sync_state"], line["sync_attempts"]) for line in lines} == {("NEW", 0)}  # pending

    calls = len(emulator.requests())
    again = run_sync(config, url=emulator.url, token=TOKEN)
    assert again.daily_limit_until == first.daily_limit_until and again.orders == 0
    with open_store(config) as store:
        assert plan_batches(config, store) == []  # nothing planned, nothing claimed
        assert store.status()["daily_limit_until"] == first.daily_limit_until
    assert {line["sync_state"] for line in lines_in_store(config)} == {"NEW"}

    monkeypatch.setenv("ORDERSYNC_DATABASE", config.environment.database)
    monkeypatch.setenv("MONDAY_API_URL", emulator.url)
    monkeypatch.setenv("MONDAY_API_TOKEN", TOKEN)
    assert main(["--config", str(DEFAULT_CONFIG), "sync"]) == 1
    assert "PAUSED: monday's daily call limit is spent until" in capsys.readouterr().out
    assert main(["--config", str(DEFAULT_CONFIG), "status"]) == 0
    assert f"sync paused until {first.daily_limit_until}" in capsys.readouterr().out
    assert len(emulator.requests()) == calls  # not one call to monday while paused

    emulator.reset_limits()  # midnight: monday counts again from zero, and the pause is over
    with open_store(config) as store:
        store.pause_for_daily_limit(utc_now() - timedelta(seconds=1))
        assert store.status()["daily_limit_until"] is None
    after = run_sync(config, url=emulator.url, token=TOKEN)
    assert after.ok and after.subitems_created == 16
    assert_mirror(config, emulator)
