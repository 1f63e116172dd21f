"""Idempotency-Keys with the right lifetime, and text from the network never carrying the token.

A key is reused only while a request goes unanswered; once monday has answered (a failure, a replayed
failure) what failed is sent again as a new request under a new key, and only what failed. Part 1 pins each
rule to an exact answer of a scripted server; part 2 runs the failures monday caches against the emulator,
which replays cached answers, failed ones included, as monday does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging

import pytest
from aiohttp import web

from shared.common.errors import MondayTransientError
from shared.monday import ItemUpdate, MondayClient, SubitemCreate
from shared.monday_emulator import MondayEmulator

from .test_client import (
    BOARD,
    TOKEN,
    aliases,
    complexity,
    created,
    fast_config,
    in_loop,
    items,
    order,
    serving,
)

GATEWAY_500 = {"error_message": "Internal server error", "status_code": 500}  # no GraphQL result
INTERNAL = {"message": "Internal server error", "extensions": {"code": "INTERNAL_SERVER_ERROR",
                                                               "status_code": 500}}


def keys(server) -> list[str]:
    return [h["Idempotency-Key"] for h, r in zip(server.headers, server.requests, strict=True)
            if r["query"].lstrip().startswith("mutation")]


# -- part 1: one rule per answer -----------------------------------------------------------------------------

@in_loop
async def test_a_request_without_an_answer_keeps_its_key():
    calls = []

    async def answer(body, _):
        calls.append(1)
        if len(calls) == 1:
            await asyncio.sleep(1.3)  # past the 1 s timeout
        if len(calls) == 2:
            return web.Response(status=502, text="<html>Bad gateway</html>")
        if len(calls) == 3:
            return web.json_response(GATEWAY_500, status=500)
        if len(calls) == 4:
            return web.json_response({"errors": [{"message": "in progress"}]}, status=409,
                                     headers={"Retry-After": "0"})
        return created(body)

    async with serving(answer) as server:
        async with MondayClient(fast_config(max_retries=5), url=server.url, token=TOKEN) as client:
            results = await client.create_items(items(2))
        assert all(r.ok for r in results) and len(keys(server)) == 5
        assert len(set(keys(server))) == 1  # timeout, 502, 500 without a result, 409: all the same request


def updates(n):
    return [ItemUpdate(ref=f"u{i}", item_id=str(700 + i), values={"numbers_total_qty": str(i)})
            for i in range(n)]


def answers_in_turn(*first, then=created):
    """An answer function giving ``first`` answers one per request, then ``then(body)``."""
    queue = list(first)

    def answer(body, _):
        return queue.pop(0) if queue else then(body)

    return answer


@in_loop
async def test_an_answered_failure_is_sent_again_under_a_new_key():
    # monday answered (HTTP 200): the whole request failed. Asking again under its key would only replay that.
    async with serving(answers_in_turn({"data": None, "errors": [INTERNAL]})) as server:
        async with MondayClient(fast_config(), url=server.url, token=TOKEN) as client:
            results = await client.update_items(updates(3))
        assert all(r.ok for r in results)
        assert len(keys(server)) == 2 and keys(server)[0] != keys(server)[1]


@in_loop
async def test_a_replayed_failure_is_not_asked_for_again():
    first = web.json_response(GATEWAY_500, status=500)  # no answer yet: the same key again
    replayed = web.json_response(GATEWAY_500, status=500, headers={"Idempotency-Replayed": "true"})
    async with serving(answers_in_turn(first, replayed)) as server:
        async with MondayClient(fast_config(), url=server.url, token=TOKEN) as client:
            results = await client.update_items(updates(2))
        assert all(r.ok for r in results)
        assert keys(server)[0] == keys(server)[1] != keys(server)[2]


@in_loop
async def test_only_the_failed_alias_is_sent_again_and_under_a_new_key():
    sent: list[list[str]] = []

    def answer(body, _):
        if "items_page_by_column_values" in body["query"]:  # the look-up before creating it again
            return {"data": {"items_page_by_column_values": {"cursor": None, "items": []}}}
        names = [body["variables"][f"item_name_{i}"] for i in aliases(body)]
        sent.append(names)
        data = {"complexity": complexity(), **{f"m{i}": {"id": str(900 + int(n.split()[-1]))}
                                                for i, n in enumerate(names)}}
        if len(sent) == 1:  # one alias of 25 failed, the other 24 were applied
            data["m7"] = None
            return {"data": data, "errors": [{**INTERNAL, "path": ["m7"]}]}
        return {"data": data}

    async with serving(answer) as server:
        async with MondayClient(fast_config(lookup_attempts=1), url=server.url, token=TOKEN) as client:
            results = await client.create_items(items(25))
        assert all(r.ok for r in results) and results[7].monday_id == "907"
        assert sent[1:] == [["STYLE 7"]]  # after the look-up found nothing, only the failed record again
        assert len(set(keys(server))) == 2


@in_loop
async def test_an_error_body_echoing_the_token_is_redacted_everywhere(caplog):
    caplog.set_level(logging.DEBUG)
    echo = {"errors": [{"message": f"bad request; headers: Authorization: {TOKEN}, API-Version: 2026-07",
                        "path": ["m0"], "extensions": {"code": "InvalidArgumentException",
                                                       "headers": {"Authorization": TOKEN}}}],
            "data": {"m0": None}}

    async with serving(lambda body, _: echo) as server:
        async with MondayClient(fast_config(), url=server.url, token=TOKEN) as client:
            (result,) = await client.create_items(items(1))
        assert not result.ok and result.permanent and "Authorization: [token]" in result.error
        assert TOKEN not in result.error and TOKEN not in caplog.text

    async def echo_500(body, _):
        return web.json_response({"error_message": f"upstream said: {json.dumps(TOKEN)[1:-1]}"}, status=500)

    async with serving(echo_500) as server:
        async with MondayClient(fast_config(max_retries=1), url=server.url, token=TOKEN) as client:
            with pytest.raises(MondayTransientError) as caught:
                await client.create_items(items(1))
        assert TOKEN not in str(caught.value) and TOKEN not in caught.value.results[0].error
        assert TOKEN not in caplog.text and "[token]" in caught.value.results[0].error


# -- part 2: failures monday caches, against the emulator ----------------------------------------------------

TRANSIENT = {"code": "INTERNAL_SERVER_ERROR", "message": "Internal server error", "status_code": 500}


@in_loop
async def test_a_failed_create_group_is_not_replayed_into_every_retry():
    async with MondayEmulator(token=TOKEN) as emulator:
        emulator.faults.add("fail_alias", count=2, match="create_group", **TRANSIENT)
        async with MondayClient(fast_config(), url=emulator.url, token=TOKEN) as client:
            groups = await client.ensure_groups(["GREYSON SS27"])
        titles = [g["title"] for g in emulator.groups(BOARD)]
        assert titles.count("GREYSON SS27") == 1 and groups["GREYSON SS27"] in {g["id"] for g in
                                                                                emulator.groups(BOARD)}
        writes = [r for r in emulator.requests() if r.fields == ("create_group",)]
        assert len(writes) == 3 and len({r.idempotency_key for r in writes}) == 3
        assert emulator.counters.replays == 0


@pytest.mark.parametrize("lost", [None, "http_500_after", "hang_after", "drop_connection"])
@in_loop
async def test_one_failed_create_among_25_is_made_once_even_when_its_answer_is_lost(lost):
    async with MondayEmulator(token=TOKEN) as emulator:
        emulator.faults.add("fail_alias", match="create_item", alias="m11", **TRANSIENT)
        if lost:  # the answer (with the failed alias) is cached, then lost on the way: the retry replays it
            params = {"seconds": 2.0} if lost == "hang_after" else {}
            emulator.faults.add(lost, match="create_item", **params)
        orders = [dataclasses.replace(order(i), group_id="topics") for i in range(25)]
        config = fast_config(request_timeout_seconds=0.5, lookup_attempts=1)
        async with MondayClient(config, url=emulator.url, token=TOKEN) as client:
            results = await client.create_items(orders)
        assert all(r.ok for r in results) and len({r.monday_id for r in results}) == 25
        assert len(emulator.items(BOARD)) == 25 and emulator.duplicates(BOARD, "text_sync_key") == {}
        writes = [r for r in emulator.requests() if "create_item" in r.fields]
        assert [r.aliases for r in writes][-1] == 1  # only the failed record went again, as a new request
        assert writes[-1].idempotency_key not in {r.idempotency_key for r in writes[:-1]}
        assert emulator.counters.replays == (1 if lost else 0)


@in_loop
async def test_a_failed_create_subitem_is_made_again_under_its_parent_once():
    async with MondayEmulator(token=TOKEN) as emulator:
        parent = emulator.add_item(BOARD, "STYLE 1", group_id="topics", values={"text_sync_key": "K-1"})
        emulator.faults.add("fail_alias", match="create_subitem", alias="m2", **TRANSIENT)
        subitems = [SubitemCreate(ref=f"s{i}", parent_item_id=parent, name=f"SIZE {i}",
                                  values={"numbers_qty": str(i + 1)}) for i in range(4)]
        async with MondayClient(fast_config(), url=emulator.url, token=TOKEN) as client:
            results = await client.create_subitems(subitems)
        assert all(r.ok for r in results)
        assert sorted(s["name"] for s in emulator.subitems(parent)) == [f"SIZE {i}" for i in range(4)]
        writes = [r for r in emulator.requests() if "create_subitem" in r.fields]
        assert [r.aliases for r in writes] == [4, 1]
        assert writes[0].idempotency_key != writes[1].idempotency_key
