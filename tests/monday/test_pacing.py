"""Pacing against the complexity budget, against the emulator under each way it may round reset hints.

The windows are short and the emulator's clock runs faster than the wall clock (``time_scale``); the client's
budget runs on that same scaled clock, so it sees whole-second hints of a window several seconds long, as it
would against monday, in a fraction of the time. What is asserted is what the pacing must guarantee (every
record written, no 429, one probe per window, no burst after a refusal), never how fast it went: the share
of the budget used is printed by scripts/bench_monday.py.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from shared.monday import MondayClient, SubitemCreate, UnitCosts
from shared.monday.unit_costs import DOCUMENTED_UNIT_COST
from shared.monday_emulator import MondayEmulator

from .test_client import BOARD, TOKEN, created, fast_config, in_loop, items, order, serving

SCALE = 10.0  # a 6 s window lasts 0.6 s


def on_emulator_clock(client: MondayClient, emulator: MondayEmulator) -> MondayClient:
    client.budget.clock, client.budget.speed = emulator.timing.clock, emulator.timing.scale
    return client


@pytest.mark.parametrize("rounding", ["up", "nearest", "down"])
@in_loop
async def test_a_binding_budget_is_paced_without_a_429_whatever_the_rounding(rounding):
    # 60 creates (1.8M points) against 600,000 points per 6 s window: three windows or more, each opened by
    # a probe; monday's service times (0.15 s a request, 0.3 s a mutation) on the scaled clock.
    async with MondayEmulator(token=TOKEN, complexity_budget=600_000, window_seconds=6, latency=0.3,
                              request_latency=0.15, reset_rounding=rounding, time_scale=SCALE) as emulator:
        orders = [dataclasses.replace(order(i), group_id="topics") for i in range(20)]
        config = fast_config(request_timeout_seconds=5)
        async with MondayClient(config, url=emulator.url, token=TOKEN) as client:
            on_emulator_clock(client, emulator)
            item_results = await client.create_items(orders)
            subitems = [SubitemCreate(f"{r.ref}/{s}", r.monday_id, f"SIZE {s}", {"numbers_qty": str(s + 1)})
                        for r in item_results for s in range(2)]
            subitem_results = await client.create_subitems(subitems)
            stats = client.stats
        assert all(r.ok for r in item_results + subitem_results) and len(emulator.items(BOARD)) == 20
        assert emulator.counters.http_429 == 0 and stats.http_429 == 0
        assert stats.budget_waits > 0 and 2 <= stats.budget_probes <= 10
        assert max(r.complexity for r in emulator.requests()) <= 600_000


@in_loop
async def test_a_refusal_is_learnt_from_without_a_second_one():
    # Another integration spends the whole window behind the client's back. The client's next request meets
    # a 429 whose hint is rounded down (the reset comes up to 1 s after it): it probes from the earliest
    # possible reset until the window has reset, and only then sends again.
    async with MondayEmulator(token=TOKEN, complexity_budget=1_000_000, window_seconds=6,
                              reset_rounding="down", time_scale=SCALE) as emulator:
        config = fast_config(request_timeout_seconds=5, max_concurrent_requests=4)
        async with MondayClient(config, url=emulator.url, token=TOKEN) as client:
            on_emulator_clock(client, emulator)
            await client.board_schema()  # opens the window: the client knows 1M is left
            emulator.budget.charge(1_000_000 - emulator.counters.complexity_spent)  # someone else spends it
            results = await client.create_items([dataclasses.replace(order(i), group_id="topics")
                                                 for i in range(4)])
            stats = client.stats
        assert all(r.ok for r in results)
        assert emulator.counters.http_429 == 1 and stats.http_429 == 1
        assert stats.budget_probes >= 1


@in_loop
async def test_a_spurious_429_costs_one_probe_not_the_wait_it_names():
    async with MondayEmulator(token=TOKEN, complexity_budget=10**8) as emulator:
        emulator.faults.add("http_429", match="create_item", retry_in=30)  # the budget is not spent at all
        async with MondayClient(fast_config(), url=emulator.url, token=TOKEN) as client:
            results = await client.create_items([dataclasses.replace(order(i), group_id="topics")
                                                 for i in range(50)])
            stats = client.stats
        assert all(r.ok for r in results) and emulator.counters.http_429 == 1
        # a refusal that contradicts what the client knew is checked at once with one probe, which shows the
        # budget is there: the 30 s the refusal named are not waited (this test would take them)
        assert stats.budget_probes == 1 and stats.budget_wait_seconds < 20


@in_loop
async def test_no_request_waits_to_learn_what_its_operation_costs():
    in_flight, most = [0], [0]

    async def answer(body, _):
        in_flight[0] += 1
        most[0] = max(most[0], in_flight[0])
        await asyncio.sleep(0.1)
        in_flight[0] -= 1
        return created(body)

    async with serving(answer) as server:
        config = fast_config(max_concurrent_requests=8)
        async with MondayClient(config, url=server.url, token=TOKEN) as client:
            assert client.unit_costs.unit("create_item") == DOCUMENTED_UNIT_COST  # nothing learnt yet
            results = await client.create_items(items(100))
            learnt = client.unit_costs.known()
        assert all(r.ok for r in results) and len(server.writes) == 4
        assert most[0] == 4  # the four requests of 25 went side by side, none alone to learn the price
        assert learnt["create_item"] == 1000 / 25  # the scripted answers charge 1,000 a request


@in_loop
async def test_remembered_costs_size_the_first_requests():
    async with MondayEmulator(token=TOKEN, complexity_budget=400_000, window_seconds=60) as emulator:
        # remembered from an earlier run: a create costs 8,000 here, so 40 fit in the window's 400,000
        costs = {"create_item": 8_000.0}
        async with MondayClient(fast_config(), url=emulator.url, token=TOKEN, unit_costs=costs) as client:
            results = await client.create_items([dataclasses.replace(order(i), group_id="topics")
                                                 for i in range(5)])
            known = client.unit_costs.known()
        assert all(r.ok for r in results) and emulator.counters.http_429 == 0
        assert known["create_item"] > 8_000  # what monday charged (30,000 and its fields) replaces it


def test_unit_costs_are_documented_learnt_and_remembered():
    costs = UnitCosts({"update_item": 12_000.0})
    assert costs.unit("create_item") == DOCUMENTED_UNIT_COST and costs.unit("update_item") == 12_000
    costs.learn("create_item", 25, 750_050)
    costs.learn("create_item", 1, 20_000)  # the dearest seen counts
    costs.learn("update_item", 10, 95_000)  # this run's figure replaces the remembered one
    assert costs.known() == {"create_item": 30_002.0, "update_item": 9_500.0}
    assert UnitCosts.from_json(UnitCosts.to_json(costs.known())) == costs.known()


@pytest.mark.parametrize(("text", "problem"), [
    ("{not json", "not JSON"), ("[1, 2]", "an object"), ('{"create_item": -5}', "not a positive number"),
    ('{"create_item": true}', "not a positive number"), ('{"create_item": "30000"}', "not a positive number"),
])
def test_a_remembered_table_that_is_not_one_says_why(text, problem):
    with pytest.raises(ValueError, match=problem):
        UnitCosts.from_json(text)

