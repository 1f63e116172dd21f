"""The monday client against real HTTP servers on 127.0.0.1.

Part 1 uses a scripted server whose answers are written out per test in monday's exact shapes (HTTP 200 with
errors and partial data, 429 with retry_in_seconds, DAILY_LIMIT_EXCEEDED, 401, 500, hangs), so each of the
client's reactions is pinned to one answer. Part 2 runs the acceptance scenarios against the monday emulator.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import json
import logging
import re

import pytest
from aiohttp import web

from shared.common.errors import DailyLimitExceeded, MondayPermanentError, MondayTransientError
from shared.config import load_config
from shared.monday import ItemCreate, MondayClient, SubitemCreate
from shared.monday.answers import classify
from shared.monday_emulator import MondayEmulator

from ..conftest import DEFAULT_CONFIG

TOKEN = "tok-SECRET-1234567890"
BOARD, SUBBOARD = "9609317401", "9609317402"


def fast_config(**monday):
    config = load_config(DEFAULT_CONFIG, "development")
    settings = dict(request_timeout_seconds=1.0, retry_base_seconds=0.01, retry_max_seconds=0.05,
                    lookup_delay_seconds=0.01, lookup_attempts=2, max_retries=3)
    settings.update(monday)
    return dataclasses.replace(config, monday=dataclasses.replace(config.monday, **settings))


def complexity(before=10_000_000, query=1000):
    return {"before": before, "after": before - query, "query": query, "reset_in_x_seconds": 30}


def board_answer(board_id):
    if board_id == BOARD:
        columns = [
            {"id": "name", "title": "Name", "type": "name", "settings": {}},
            {"id": "subitems", "title": "Subitems", "type": "subtasks",
             "settings": {"boardIds": [int(SUBBOARD)]}},
            {"id": "text_sync_key", "title": "Sync key", "type": "text", "settings": {}},
            {"id": "numbers_total_qty", "title": "Total qty", "type": "numbers", "settings": {}},
            {"id": "status_delivery", "title": "Delivery", "type": "status",
             "settings": {"labels": [{"id": 0, "label": "SEA"}, {"id": 1, "label": "AIR"}]}},
        ]
        groups = [{"id": "topics", "title": "GREYSON SS26"}]
    else:
        columns = [{"id": "name", "title": "Name", "type": "name", "settings": {}},
                   {"id": "text_size", "title": "Size", "type": "text", "settings": {}},
                   {"id": "numbers_qty", "title": "Qty", "type": "numbers", "settings": {}}]
        groups = []
    return {"id": board_id, "name": f"board {board_id}", "columns": columns, "groups": groups}


class Scripted:
    """An HTTP server answering monday requests with whatever ``answer(request_json, headers)`` returns."""

    def __init__(self, answer):
        self.answer = answer
        self.requests: list[dict] = []
        self.headers: list[dict] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        if "BoardSchema" in body["query"]:
            return web.json_response({"data": {"complexity": complexity(),
                                               "boards": [board_answer(body["variables"]["board_ids"][0])]}})
        result = self.answer(body, request.headers)
        if asyncio.iscoroutine(result):
            result = await result
        if isinstance(result, web.StreamResponse):
            return result
        return web.json_response(result)

    @property
    def writes(self):
        return [r for r in self.requests if r["query"].lstrip().startswith("mutation")]


def in_loop(test):
    """Run an async test in a fresh event loop (the project has no pytest-asyncio)."""
    @functools.wraps(test)
    def run(*args, **kwargs):
        asyncio.run(test(*args, **kwargs))
    return run


@contextlib.asynccontextmanager
async def serving(answer):
    server = Scripted(answer)
    app = web.Application()
    app.router.add_post("/v2", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server.url = f"http://127.0.0.1:{runner.addresses[0][1]}/v2"
    try:
        yield server
    finally:
        await runner.cleanup()


def aliases(body):
    return sorted(int(a) for a in re.findall(r"\bm(\d+):", body["query"]))


def created(body, id_of=lambda i: str(i + 1)):
    """monday's answer to a batch where every alias succeeded."""
    return {"data": {"complexity": complexity(), **{f"m{i}": {"id": id_of(i)} for i in aliases(body)}}}


def items(n, **values):
    return [ItemCreate(ref=f"r{i}", group_id="topics", name=f"STYLE {i}", key=f"K{i}", values=values)
            for i in range(n)]


# -- part 1: the client's reaction to each kind of answer ----------------------------------------------------

@in_loop
async def test_request_carries_version_token_and_an_idempotency_key_per_write():
    async with serving(lambda body, _: created(body, lambda i: str(100 + i))) as server:
        async with MondayClient(fast_config(), url=server.url, token=TOKEN) as client:
            results = await client.create_items(items(3))
        assert [r.monday_id for r in results] == ["100", "101", "102"]
        write_headers = server.headers[-1]
        assert write_headers["Authorization"] == TOKEN and write_headers["API-Version"] == "2026-07"
        assert re.fullmatch(r"[0-9a-f]{32}", write_headers["Idempotency-Key"])
        assert "Idempotency-Key" not in server.headers[0]  # reads carry none
        variables = server.writes[0]["variables"]
        assert json.loads(variables["column_values_2"]) == {"text_sync_key": "K2"}
        assert variables["item_name_2"] == "STYLE 2" and variables["board_id"] == BOARD


@in_loop
async def test_partial_failure_maps_each_alias_to_its_own_record():
    def answer(body, _):
        data = {"complexity": complexity()}
        errors = []
        for i in aliases(body):  # answers deliberately listed out of order; alias m3 fails
            if i == 3:
                data[f"m{i}"] = None
                errors.append({"message": "invalid value - label does not exist in column", "path": [f"m{i}"],
                               "extensions": {"code": "ColumnValueException", "status_code": 200}})
            else:
                data[f"m{i}"] = {"id": str(500 + i)}
        return {"data": dict(reversed(list(data.items()))), "errors": errors}

    async with serving(answer) as server:
        async with MondayClient(fast_config(), url=server.url, token=TOKEN) as client:
            results = await client.create_items(items(25))
        assert len(server.writes) == 1
        assert [r.ref for r in results] == [f"r{i}" for i in range(25)]
        failed = [r for r in results if not r.ok]
        assert [(r.ref, r.code, r.permanent) for r in failed] == [("r3", "ColumnValueException", True)]
        assert "label does not exist" in failed[0].error
        assert all(r.monday_id == str(500 + int(r.ref[1:])) for r in results if r.ok)


@in_loop
async def test_bad_values_are_dropped_before_sending_with_a_clear_error():
    async with serving(lambda body, _: created(body)) as server:
        batch = items(4)
        batch[1] = dataclasses.replace(batch[1], values={"numbers_total_qty": "n/a"})
        batch[2] = dataclasses.replace(batch[2], name="N" * 300)
        batch[3] = dataclasses.replace(batch[3], values={"status_delivery": "RAIL"})
        async with MondayClient(fast_config(), url=server.url, token=TOKEN) as client:
            results = await client.create_items(batch)
        assert [r.ok for r in results] == [True, False, False, False]
        assert aliases(server.writes[0]) == [0]  # only the good record was sent
        assert all(part in results[1].error for part in ("record r1", "numbers_total_qty", "'n/a'"))
        assert "300 characters" in results[2].error
        assert "'RAIL'" in results[3].error and "status_delivery" in results[3].error
        assert {r.code for r in results[1:]} == {"INVALID_VALUE"} and all(r.permanent for r in results[1:])


@in_loop
async def test_each_final_result_is_heard_as_soon_as_its_request_is_answered():
    heard: list[str] = []
    heard_when_sent: list[list[str]] = []

    def answer(body, _):
        heard_when_sent.append(list(heard))
        if body["variables"]["item_name_0"] == "STYLE 4":  # the last record: the board stays locked
            return web.json_response({"error_message": "Resource is locked", "status_code": 423}, status=423)
        return created(body, lambda i: f"{body['variables']['item_name_0'][-1]}{i}")

    async with serving(answer) as server:
        batch = items(5)
        batch[1] = dataclasses.replace(batch[1], values={"numbers_total_qty": "n/a"})
        config = fast_config(mutations_per_request=1, max_concurrent_requests=1, max_retries=1)
        async with MondayClient(config, url=server.url, token=TOKEN) as client:
            with pytest.raises(MondayTransientError) as caught:  # the retry round got no answer at all
                await client.create_items(batch, on_result=lambda result: heard.append(result.ref))
        results = caught.value.results
        # the refused value before anything was sent, then each request's record before the next request
        assert heard_when_sent[:3] == [["r1"], ["r1", "r0"], ["r1", "r0", "r2"]]
        assert heard_when_sent[3:] and all(seen == ["r1", "r0", "r2", "r3"] for seen in heard_when_sent[3:])
        assert heard == ["r1", "r0", "r2", "r3"]  # r4 only failed for now: it is left to the returned list
        assert [r.ok for r in results] == [True, False, True, True, False] and not results[4].permanent


@in_loop
async def test_budget_exhausted_waits_retry_in_seconds_then_succeeds():
    calls = []

    def answer(body, _):
        calls.append(1)
        if len(calls) == 1:
            return web.json_response({"errors": [{"message": "Complexity budget exhausted", "extensions": {
                "code": "COMPLEXITY_BUDGET_EXHAUSTED", "retry_in_seconds": 1}}]}, status=429)
        return created(body)

    async with serving(answer) as server:
        async with MondayClient(fast_config(), url=server.url, token=TOKEN) as client:
            results = await client.create_items(items(1))
            assert client.stats.http_429 == 1 and client.stats.budget_waits >= 1
        assert results[0].ok and len(server.writes) == 2
        # refused before it ran: the retry is a new request (a cached refusal could never replay into it)
        first, second = (h["Idempotency-Key"] for h, r in zip(server.headers, server.requests, strict=True)
                         if r in server.writes)
        assert first != second


@pytest.mark.parametrize(("headers", "extensions", "wait"), [
    ({"Retry-After": "1"}, {"code": "maxConcurrencyExceeded"}, 1.0),
    ({"Retry-After": "1"}, {"code": "maxConcurrencyExceeded", "retry_in_seconds": 3}, 3.0),
    ({}, {"code": "maxConcurrencyExceeded"}, 10.0),
    ({"Retry-After": "2"}, {"code": "COMPLEXITY_BUDGET_EXHAUSTED"}, 2.0),
])
def test_a_429_waits_retry_in_else_retry_after_else_ten_seconds(headers, extensions, wait):
    problem = classify(429, headers, {"errors": [{"message": "Too many requests", "extensions": extensions}]})
    assert problem.kind in ("rate", "budget") and problem.wait == wait
    assert classify(429, headers, None).wait == (float(headers["Retry-After"]) if headers else 10.0)


@in_loop
async def test_daily_limit_stops_cleanly_and_keeps_what_was_written():
    def answer(body, _):
        if body["variables"].get("item_name_0") == "STYLE 0":
            return created(body)
        return {"errors": [{"message": "Daily limit exceeded",
                            "extensions": {"code": "DAILY_LIMIT_EXCEEDED"}}]}

    async with serving(answer) as server:
        config = fast_config(mutations_per_request=2, max_concurrent_requests=1)
        async with MondayClient(config, url=server.url, token=TOKEN) as client:
            with pytest.raises(DailyLimitExceeded, match="daily call limit") as caught:
                await client.create_items(items(6))
        results = caught.value.results
        assert [r.ok for r in results] == [True, True, False, False, False, False]
        assert {r.code for r in results[2:]} == {"NOT_SENT"}
        assert len(server.writes) == 2  # nothing more was sent after the refusal


@in_loop
async def test_unauthorized_is_permanent_and_never_retried(caplog):
    async with serving(lambda body, _: web.json_response({"errors": [{"message": "Not Authenticated"}]},
                                                                  status=401)) as server:
        caplog.set_level(logging.DEBUG)
        async with MondayClient(fast_config(), url=server.url, token=TOKEN) as client:
            # the board read itself is answered by the scripted board; the write meets the 401
            with pytest.raises(MondayPermanentError, match="401") as caught:
                await client.create_items(items(2))
        assert len(server.writes) == 1
        assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value) and TOKEN not in caplog.text
        assert TOKEN not in repr(client)


@in_loop
async def test_server_errors_and_hangs_are_retried_and_never_leak_the_token(caplog):
    calls = []

    async def answer(body, _):
        calls.append(1)
        if len(calls) == 1:
            return web.Response(status=500, text=f"boom {TOKEN}")  # even if a server echoed it
        if len(calls) == 2:
            await asyncio.sleep(1.3)  # past the 1 s request timeout
        return created(body, lambda i: "9")

    async with serving(answer) as server:
        caplog.set_level(logging.DEBUG)
        async with MondayClient(fast_config(), url=server.url, token=TOKEN) as client:
            results = await client.create_items(items(1))
            assert client.stats.statuses[500] == 1 and client.stats.statuses["timeout"] == 1
        assert results[0].ok and results[0].monday_id == "9"
        assert "retry" in caplog.text and TOKEN not in caplog.text


@in_loop
async def test_outage_outliving_retries_raises_transient_with_maybe_applied_creates(caplog):
    async with serving(lambda body, _: web.Response(status=503, text="unavailable")) as server:
        caplog.set_level(logging.DEBUG)
        async with MondayClient(fast_config(max_retries=2), url=server.url, token=TOKEN) as client:
            with pytest.raises(MondayTransientError) as caught:
                await client.create_items(items(2))
        assert [r.ok for r in caught.value.results] == [False, False]
        assert all(r.maybe_applied and not r.permanent for r in caught.value.results)
        assert TOKEN not in str(caught.value) and TOKEN not in caplog.text


@in_loop
async def test_subitems_of_one_parent_never_travel_in_concurrent_requests():
    in_flight: dict[str, int] = {}
    overlaps = []

    async def answer(body, _):
        parents = {v for k, v in body["variables"].items() if k.startswith("parent_item_id")}
        for p in parents:
            if in_flight.get(p):
                overlaps.append(p)
            in_flight[p] = in_flight.get(p, 0) + 1
        await asyncio.sleep(0.02)
        for p in parents:
            in_flight[p] -= 1
        return created(body)

    async with serving(answer) as server:
        subitems = [SubitemCreate(ref=f"p{p}-{s}", parent_item_id=f"{p}", name=f"S{s}",
                                  values={"numbers_qty": str(s)}) for p in range(5) for s in range(12)]
        config = fast_config(mutations_per_request=5, max_concurrent_requests=8)
        async with MondayClient(config, url=server.url, token=TOKEN) as client:
            results = await client.create_subitems(subitems)
        assert all(r.ok for r in results) and overlaps == []
        assert sum(len(aliases(w)) for w in server.writes) == 60
        assert max(len(aliases(w)) for w in server.writes) == 5


# -- part 2: acceptance against the monday emulator ---------------------------------------------------------

def order(i: int) -> ItemCreate:
    values = {"text_order_number": str(1000 + i), "numbers_total_qty": str(12 * i), "date_eta": "2026-05-01",
              "status_delivery": "SEA", "dropdown_order_type": "ACTIVE", "long_text_notes": f"notes {i}"}
    return ItemCreate(ref=f"order-{i}", group_id=None, name=f"STYLE{i} NAVY {1000 + i}",
                      key=f"{1000 + i}|SEA|S{i}", values=values)


def sizes(item_results, per_item: int) -> list[SubitemCreate]:
    return [SubitemCreate(ref=f"{r.ref}/size-{s}", parent_item_id=r.monday_id, name=f"SIZE {s}",
                          values={"text_size": f"SIZE {s}", "numbers_qty": str(s + 1)})
            for r in item_results for s in range(per_item)]


def assert_board_holds(emulator, item_results, orders, subitem_results, per_item):
    """Every id maps back to its own record, and the board holds each record exactly once."""
    by_ref = {o.ref: o for o in orders}
    assert all(r.ok for r in item_results + subitem_results)
    for result in item_results:
        item = emulator.item(result.monday_id)
        assert item["name"] == by_ref[result.ref].name
        assert item["values"]["text_sync_key"] == by_ref[result.ref].key
        assert item["values"]["numbers_total_qty"] == by_ref[result.ref].values["numbers_total_qty"]
    for result in subitem_results:
        parent_ref, size = result.ref.split("/size-")
        subitem = emulator.item(result.monday_id)
        assert subitem["name"] == f"SIZE {size}"
        assert subitem["parent_id"] == next(r.monday_id for r in item_results if r.ref == parent_ref)
    items = emulator.items(BOARD)
    assert len(items) == len(orders) and emulator.duplicates(BOARD, "text_sync_key") == {}
    for item in items:
        names = [s["name"] for s in emulator.subitems(item["id"])]
        assert sorted(names) == [f"SIZE {s}" for s in range(per_item)]  # no twin, none missing
    assert len(emulator.items(SUBBOARD)) == len(orders) * per_item


@in_loop
async def test_emulator_250_items_and_1000_subitems_in_requests_of_25():
    async with MondayEmulator(token=TOKEN, complexity_budget=200_000_000) as emulator:
        orders = [dataclasses.replace(order(i), group_id="topics") for i in range(250)]
        async with MondayClient(fast_config(), url=emulator.url, token=TOKEN) as client:
            item_results = await client.create_items(orders)
            subitem_results = await client.create_subitems(sizes(item_results, 4))
        assert_board_holds(emulator, item_results, orders, subitem_results, 4)
        requests = emulator.requests()
        assert max(r.aliases for r in requests) == 25
        assert len(requests) / 1250 <= 0.05, f"{len(requests)} requests for 1,250 records"
        assert emulator.counters.http_429 == 0 and emulator.counters.replays == 0


@pytest.mark.parametrize(("field", "bad", "message"), [
    ("status_delivery", "RAIL", "'RAIL' is not a label"),
    ("numbers_total_qty", "n/a", "'n/a' is not a number"),
    ("name", "N" * 300, "300 characters long"),
])
@in_loop
async def test_emulator_one_bad_value_fails_alone(field, bad, message):
    async with MondayEmulator(token=TOKEN) as emulator:
        orders = [dataclasses.replace(order(i), group_id="topics") for i in range(25)]
        if field == "name":
            orders[7] = dataclasses.replace(orders[7], name=bad)
        else:
            orders[7] = dataclasses.replace(orders[7], values={**orders[7].values, field: bad})
        async with MondayClient(fast_config(), url=emulator.url, token=TOKEN) as client:
            results = await client.create_items(orders)
        failed = [r for r in results if not r.ok]
        assert [r.ref for r in failed] == ["order-7"] and message in failed[0].error and failed[0].permanent
        assert len(emulator.items(BOARD)) == 24
        assert {r.monday_id for r in results if r.ok} == {i["id"] for i in emulator.items(BOARD)}


@in_loop
async def test_emulator_refusal_of_one_alias_fails_only_its_record():
    async with MondayEmulator(token=TOKEN) as emulator:
        emulator.faults.add("fail_alias", match="create_item", alias="m3", code="ColumnValueException",
                            message="invalid value - label does not exist in column")
        orders = [dataclasses.replace(order(i), group_id="topics") for i in range(10)]
        async with MondayClient(fast_config(), url=emulator.url, token=TOKEN) as client:
            results = await client.create_items(orders)
        assert [(r.ref, r.code) for r in results if not r.ok] == [("order-3", "ColumnValueException")]
        assert "label does not exist" in results[3].error
        assert len(emulator.items(BOARD)) == 9


@in_loop
async def test_emulator_low_budget_is_paced_without_a_429():
    # 150 creates cost 4.5M points against a budget of 1M per 1 s window: the client must wait for resets.
    async with MondayEmulator(token=TOKEN, complexity_budget=1_000_000, window_seconds=1.0) as emulator:
        orders = [dataclasses.replace(order(i), group_id="topics") for i in range(150)]
        async with MondayClient(fast_config(), url=emulator.url, token=TOKEN) as client:
            results = await client.create_items(orders)
            assert client.stats.budget_waits > 0
        assert all(r.ok for r in results) and len(emulator.items(BOARD)) == 150
        assert emulator.counters.http_429 == 0
        assert max(r.complexity for r in emulator.requests()) <= 1_000_000


@in_loop
async def test_emulator_faults_leave_every_record_exactly_once(caplog):
    caplog.set_level(logging.DEBUG)
    # 20 % of write requests meet a fault; the search index lags creates by 0.3 s.
    async with MondayEmulator(token=TOKEN, index_lag=0.3, seed=7, complexity_budget=10**9) as emulator:
        for kind, params in (("http_500_after", {}), ("hang_after", {"seconds": 2.0}), ("http_423", {}),
                             ("fail_alias", {"code": "INTERNAL_SERVER_ERROR", "status_code": 500,
                                             "message": "Internal server error"}),
                             ("drop_connection", {})):
            emulator.faults.add(kind, count=None, match="mutation", probability=0.04, **params)
        orders = [dataclasses.replace(order(i), group_id="topics") for i in range(500)]
        config = fast_config(request_timeout_seconds=0.5, max_retries=6, lookup_delay_seconds=0.2,
                             lookup_attempts=3)
        async with MondayClient(config, url=emulator.url, token=TOKEN) as client:
            item_results = await client.create_items(orders)
            subitem_results = await client.create_subitems(sizes(item_results, 4))
            stats = client.stats
        fired = {f.kind: f.fired for f in emulator.faults._faults}
        assert all(fired.values()), fired  # every kind of fault did happen
        assert stats.replays > 0  # lost answers were replayed through the Idempotency-Key
        assert_board_holds(emulator, item_results, orders, subitem_results, 4)
    assert TOKEN not in caplog.text


@in_loop
async def test_emulator_wrong_token_is_permanent_and_not_logged(caplog):
    caplog.set_level(logging.DEBUG)
    async with MondayEmulator(token="the-right-token") as emulator:
        async with MondayClient(fast_config(), url=emulator.url, token=TOKEN) as client:
            with pytest.raises(MondayPermanentError, match="401"):
                await client.board_schema()
        assert emulator.counters.http_401 == 1  # not retried
    assert TOKEN not in caplog.text


@in_loop
async def test_emulator_groups_are_created_once():
    async with MondayEmulator(token=TOKEN) as emulator:
        async with MondayClient(fast_config(), url=emulator.url, token=TOKEN) as first, \
                MondayClient(fast_config(), url=emulator.url, token=TOKEN) as second:
            a, b = await asyncio.gather(first.ensure_groups(["GREYSON SS26", "TITLE NINE FW26"]),
                                        first.ensure_groups(["greyson  ss26"]))
            again = await second.ensure_groups(["GREYSON SS26"])
        titles = [g["title"] for g in emulator.groups(BOARD)]
        assert titles.count("GREYSON SS26") == 1 and titles.count("TITLE NINE FW26") == 1
        assert a["GREYSON SS26"] == b["greyson ss26"] == again["GREYSON SS26"]


@in_loop
async def test_emulator_lookups_by_key_and_subitems_and_board_pages():
    async with MondayEmulator(token=TOKEN) as emulator:
        parent = emulator.add_item(BOARD, "STYLE A", group_id="topics", values={"text_sync_key": "K-1"})
        emulator.add_item(BOARD, "STYLE A twin", group_id="topics", values={"text_sync_key": "K-1"})
        emulator.add_subitem(parent, "SIZE M", values={"numbers_qty": "4"})
        for i in range(620):  # more than one page of 500
            emulator.add_item(BOARD, f"filler {i}", group_id="topics", values={"text_sync_key": f"F-{i}"})
        async with MondayClient(fast_config(), url=emulator.url, token=TOKEN) as client:
            found = await client.find_items_by_key(["K-1", "F-3", "absent"])
            children = await client.subitems_of([parent, "123"])
            keys = [item.key async for item in client.iter_board_items()]
        assert len(found["K-1"]) == 2 and [i.name for i in found["F-3"]] == ["filler 3"]
        assert found["absent"] == []
        assert [(s.name, s.values["numbers_qty"]) for s in children[parent]] == [("SIZE M", "4")]
        assert children["123"] == []
        assert len(keys) == 622 and "F-619" in keys


@in_loop
async def test_emulator_unknown_outcome_is_adopted_not_created_twice():
    # The replay cache is gone (ttl ~0) and every retry fails before applying: only the look-up can tell that
    # the first attempt created the items / subitems. The search index lags creates by 0.3 s. 8 orders of 3
    # sizes keep each kind of write in one request, so the faults meet one request's attempts.
    async with MondayEmulator(token=TOKEN, idempotency_ttl=0.001, index_lag=0.3) as emulator:
        config = fast_config(max_retries=2, lookup_delay_seconds=0.2, lookup_attempts=4)
        for field in ("create_item", "create_subitem"):
            emulator.faults.add("http_500_after", count=1, match=field)
            emulator.faults.add("http_500_before", count=config.monday.max_retries, match=field)
        orders = [dataclasses.replace(order(i), group_id="topics") for i in range(8)]
        async with MondayClient(config, url=emulator.url, token=TOKEN) as client:
            item_results = await client.create_items(orders)
            subitem_results = await client.create_subitems(sizes(item_results, 3))
        assert all(r.adopted for r in item_results + subitem_results)
        assert_board_holds(emulator, item_results, orders, subitem_results, 3)
