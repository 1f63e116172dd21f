"""The emulator at monday's edges, over real HTTP: reset hints rounded up / to the nearest / down, a scaled
clock, per-request latency, spurious 429s, and failed answers that are cached and replayed as monday does."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from shared.monday_emulator.timing import Timing

from ..conftest import ROOT
from .test_emulator import BOARD, CREATE_ITEM, PAGE, async_test, batch, serve


@pytest.mark.parametrize(("rounding", "seconds", "hint"), [
    ("up", 2.3, 3), ("nearest", 2.3, 2), ("down", 2.3, 2),
    ("up", 2.7, 3), ("nearest", 2.7, 3), ("down", 2.7, 2),
    ("up", 0.2, 1), ("nearest", 0.2, 0), ("down", 0.9, 0),
])
def test_hints_round_as_the_switch_says(rounding, seconds, hint):
    assert Timing(rounding).hint(seconds) == hint


def test_a_rounding_or_scale_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="up, nearest, down"):
        Timing("sideways")
    with pytest.raises(ValueError, match="above 0"):
        Timing(scale=0)


@pytest.mark.parametrize(("rounding", "told"), [("up", 3), ("nearest", 2), ("down", 2)])
@async_test
async def test_every_reset_hint_of_an_answer_uses_the_rounding(rounding, told):
    # A 2.3 s window: the first call opens it, so every hint of that answer says ~2.3 s, rounded.
    async with serve(complexity_budget=40_000, window_seconds=2.3, reset_rounding=rounding) as (emu, api):
        status, headers, body = await api.post(CREATE_ITEM, {"board": BOARD, "name": "first"})
        assert status == 200 and body["data"]["complexity"]["reset_in_x_seconds"] == told
        assert f't={told}' in headers["RateLimit"] and ';w=3' in headers["RateLimit-Policy"]
        status, headers, refused = await api.post(CREATE_ITEM, {"board": BOARD, "name": "second"})
        assert status == 429 and refused["errors"][0]["extensions"]["retry_in_seconds"] == told
        assert headers["Retry-After"] == str(told)


@async_test
async def test_a_scaled_clock_runs_windows_and_latency_faster():
    # 60 emulated seconds pass in 0.6 wall seconds; a mutation of 2 emulated seconds takes 0.02 s.
    async with serve(complexity_budget=40_000, window_seconds=60, time_scale=100, latency=2.0) as (emu, api):
        started = time.monotonic()
        status, _, body = await api.post(CREATE_ITEM, {"board": BOARD, "name": "first"})
        assert status == 200 and body["data"]["complexity"]["reset_in_x_seconds"] == 60
        assert (await api.post(CREATE_ITEM, {"board": BOARD, "name": "second"}))[0] == 429
        while (await api.post(CREATE_ITEM, {"board": BOARD, "name": "later"}))[0] == 429:
            assert time.monotonic() - started < 5
        assert 0.5 <= time.monotonic() - started and len(emu.items(BOARD)) == 2


@async_test
async def test_every_request_takes_the_request_latency():
    async with serve(request_latency=0.2) as (_, api):
        started = time.monotonic()
        assert (await api.post(PAGE, {"board": [BOARD], "limit": 1}))[0] == 200
        assert time.monotonic() - started >= 0.2


@async_test
async def test_a_spurious_429_applies_nothing_and_leaves_the_key_free():
    async with serve() as (emu, api):
        emu.faults.add("http_429", match="create_item", retry_in=2)
        variables = {"board": BOARD, "name": "a"}
        status, headers, body = await api.post(CREATE_ITEM, variables, Idempotency_Key="k")
        error = body["errors"][0]["extensions"]
        assert status == 429 and error["code"] == "COMPLEXITY_BUDGET_EXHAUSTED"
        assert error["retry_in_seconds"] == 2
        assert headers["Retry-After"] == "2" and emu.items(BOARD) == []
        emu.faults.add("http_429", code="RATE_LIMIT_EXCEEDED")
        status, _, body = await api.post(PAGE, {"board": [BOARD], "limit": 1})
        assert status == 429 and body["errors"][0]["extensions"]["code"] == "RATE_LIMIT_EXCEEDED"
        status, headers, _ = await api.post(CREATE_ITEM, variables, Idempotency_Key="k")
        assert status == 200 and "Idempotency-Replayed" not in headers and len(emu.items(BOARD)) == 1
        assert [r.fault for r in emu.requests()] == ["http_429", "http_429", None]


INTERNAL = {"code": "INTERNAL_SERVER_ERROR", "message": "Internal server error", "status_code": 500}
FIVE = batch([(f"m{i}", f"create_item(board_id: $board, item_name: $name{i})") for i in range(5)])


def five(prefix: str) -> dict:
    return {"board": BOARD, **{f"name{i}": f"{prefix}{i}" for i in range(5)}}


@async_test
async def test_an_answer_with_a_failed_alias_is_replayed_failure_and_all():
    async with serve() as (emu, api):
        emu.faults.add("fail_alias", alias="m2", **INTERNAL)
        first = await api.post(FIVE, five("a"), Idempotency_Key="k-1")
        again = await api.post(FIVE, five("a"), Idempotency_Key="k-1")
        assert first[0] == again[0] == 200 and first[2] == again[2]
        assert again[1]["Idempotency-Replayed"] == "true" and again[2]["errors"][0]["path"] == ["m2"]
        assert len(emu.items(BOARD)) == 4 and emu.counters.replays == 1  # nothing ran again
        fresh = await api.post(FIVE, five("a"), Idempotency_Key="k-2")  # a new key is a new request
        assert "errors" not in fresh[2] and len(emu.items(BOARD)) == 9


@async_test
async def test_a_failed_answer_lost_on_the_way_is_what_the_retry_replays():
    async with serve() as (emu, api):
        emu.faults.add("fail_alias", alias="m1", **INTERNAL)
        emu.faults.add("http_500_after", match="create_item")
        lost = await api.post(FIVE, five("b"), Idempotency_Key="k")
        assert lost[0] == 500 and "data" not in lost[2]
        status, headers, replay = await api.post(FIVE, five("b"), Idempotency_Key="k")
        assert status == 200 and headers["Idempotency-Replayed"] == "true"
        assert replay["data"]["m1"] is None and replay["errors"][0]["path"] == ["m1"]
        assert [i["name"] for i in emu.items(BOARD)] == ["b0", "b2", "b3", "b4"]
        assert emu.requests()[0].fault == "fail_alias+http_500_after"


def test_the_command_line_refuses_an_unknown_fault_with_the_known_ones():
    run = subprocess.run([sys.executable, "-m", "shared.monday_emulator", "--fault", "http_999=0.1"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "unknown fault kind 'http_999'" in run.stderr and "http_429" in run.stderr
    run = subprocess.run([sys.executable, "-m", "shared.monday_emulator", "--fault", "http_423=often"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "KIND=PROBABILITY" in run.stderr


def test_the_command_line_arms_faults_and_the_rounding():
    command = [sys.executable, "-m", "shared.monday_emulator", "--port", "0", "--token", "cli-token",
               "--reset-rounding", "down", "--fault", "http_423=1", "--seed", "3"]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().split()[-1]

        def post(query: str) -> tuple[int, dict]:
            request = urllib.request.Request(url, json.dumps({"query": query, "variables": {
                "board": BOARD, "name": "n", "board_ids": [BOARD]}}).encode(), headers={
                "Authorization": "cli-token", "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read())

        status, body = post(CREATE_ITEM)
        assert status == 423 and body["errors"][0]["extensions"]["code"] == "ResourceLocked"
        assert post("query { complexity { reset_in_x_seconds } }")[0] == 200  # opens the 60 s window
        time.sleep(0.05)
        status, body = post("query { complexity { reset_in_x_seconds } }")
        assert status == 200 and body["data"]["complexity"]["reset_in_x_seconds"] == 59  # 59.95 s rounded
    finally:
        server.terminate()
        server.wait(timeout=10)
