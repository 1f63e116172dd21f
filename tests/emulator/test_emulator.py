"""The monday emulator over real HTTP (aiohttp on 127.0.0.1): answers, errors, limits, idempotency, faults."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
import urllib.request

import aiohttp
import pytest

from shared.monday_emulator import (
    BoardSpec,
    ColumnSpec,
    MondayEmulator,
    SchemaNotFound,
    run_emulator_in_thread,
)

TOKEN = "tok-emulator-test-123"
BOARD, SUBBOARD = "9609317401", "9609317402"

CREATE_ITEM = """
mutation ($board: ID!, $name: String!, $group: String, $values: JSON, $labels: Boolean) {
  complexity { before after query reset_in_x_seconds }
  create_item(board_id: $board, item_name: $name, group_id: $group, column_values: $values,
              create_labels_if_missing: $labels) { id name }
}"""
CREATE_SUBITEM = """
mutation ($parent: ID!, $name: String!, $values: JSON) {
  create_subitem(parent_item_id: $parent, item_name: $name, column_values: $values) { id board { id } }
}"""
CHANGE = """
mutation ($board: ID!, $item: ID, $values: JSON!) {
  change_multiple_column_values(board_id: $board, item_id: $item, column_values: $values) { id name }
}"""
READ_ITEMS = """
query ($ids: [ID!]) {
  items(ids: $ids) {
    id name state group { id }
    column_values { id text value type }
    subitems { id name board { id } column_values(ids: ["text_size", "numbers_qty"]) { id text value } }
  }
}"""
PAGE = """
query ($board: [ID!], $limit: Int!) {
  boards(ids: $board) { items_page(limit: $limit) { cursor items { id name } } }
}"""
NEXT_PAGE = """
query ($cursor: String!, $limit: Int!) {
  next_items_page(cursor: $cursor, limit: $limit) { cursor items { id } }
}"""
BY_VALUES = """
query ($board: ID!, $columns: [ItemsPageByColumnValuesQuery!], $limit: Int!) {
  items_page_by_column_values(board_id: $board, columns: $columns, limit: $limit) {
    cursor items { id name column_values(ids: ["text_sync_key"]) { id text } }
  }
}"""


def batch(mutations: list[tuple[str, str]]) -> str:
    """A mutation with one alias per (alias, field call); each call names its own variables."""
    variables = sorted({v for _, call in mutations for v in _variables(call)})
    types = {"board": "ID!", "item": "ID", "values": "JSON", "labels": "Boolean"}
    header = ", ".join(f"${v}: {types.get(v.rstrip('0123456789'), 'String!')}" for v in variables)
    body = "\n".join(f"  {alias}: {call} {{ id }}" for alias, call in mutations)
    return f"mutation ({header}) {{\n{body}\n}}"


def _variables(call: str) -> list[str]:
    return [part.split(")")[0].split(",")[0].strip() for part in call.split("$")[1:]]


class Api:
    def __init__(self, session: aiohttp.ClientSession, url: str):
        self.session, self.url = session, url

    async def post(self, query: str, variables: dict | None = None, **headers) -> tuple[int, dict, dict]:
        headers = {k.replace("_", "-"): v for k, v in headers.items()}
        async with self.session.post(self.url, json={"query": query, "variables": variables or {}},
                                     headers=headers) as response:
            return response.status, dict(response.headers), await response.json(content_type=None)

    async def create(self, name: str, values: dict | None = None, **headers) -> str:
        status, _, body = await self.post(CREATE_ITEM, {"board": BOARD, "name": name,
                                                        "values": json.dumps(values or {})}, **headers)
        assert status == 200 and "errors" not in body, body
        return body["data"]["create_item"]["id"]


def async_test(test):
    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        asyncio.run(asyncio.wait_for(test(*args, **kwargs), timeout=15))

    return wrapper


@contextlib.asynccontextmanager
async def serve(**options):
    async with MondayEmulator(token=TOKEN, **options) as emu, aiohttp.ClientSession(
            headers={"Authorization": TOKEN, "API-Version": "2026-07"}) as session:
        yield emu, Api(session, emu.url)


# -- the schema ----------------------------------------------------------------------------------------------

@async_test
async def test_documents_are_validated_against_the_schema():
    async with serve() as (emu, api):
        status, _, body = await api.post("query { boards(ids: [1]) { id nope } }")
        assert status == 200
        assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "nope" in body["errors"][0]["message"] and "data" not in body
        status, _, body = await api.post("query { boards(ids: [1]) { id ")
        assert status == 200 and body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
        status, _, body = await api.post(CREATE_ITEM, {"board": BOARD})  # $name is required
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert emu.counters.validation_errors == 3 and emu.counters.queries == 0
        assert emu.items(BOARD) == []


def test_a_missing_schema_names_the_folder(tmp_path):
    with pytest.raises(SchemaNotFound, match=str(tmp_path)):
        MondayEmulator(schema_file=tmp_path / "schema.graphql")


@async_test
async def test_board_schema_has_columns_settings_and_groups():
    async with serve() as (_, api):
        query = ("query ($ids: [ID!]) { complexity { query } boards(ids: $ids) { id name "
                 "columns { id title type settings settings_str } groups { id title } } }")
        status, headers, body = await api.post(query, {"ids": [BOARD, SUBBOARD]})
    assert status == 200 and "errors" not in body
    items_board, sub_board = body["data"]["boards"]
    columns = {c["id"]: c for c in items_board["columns"]}
    assert items_board["name"] == "Order Book (dev)" and items_board["groups"] == [{"id": "topics",
                                                                                     "title": "Group Title"}]
    assert columns["subitems"]["type"] == "subtasks" and columns["subitems"]["settings"]["boardIds"] == [
        int(SUBBOARD)]
    assert [label["label"] for label in columns["status_delivery"]["settings"]["labels"]] == [
        "SEA", "AIR", "COURIER", "TRUCK"]
    assert json.loads(columns["status_delivery"]["settings_str"])["labels"]["1"] == "AIR"
    assert [label["name"] for label in columns["dropdown_order_type"]["settings"]["labels"]] == [
        "ACTIVE", "REPEAT", "SAMPLE", "CANCELLED"]
    assert columns["text_sync_key"] == {"id": "text_sync_key", "title": "Sync Key", "type": "text",
                                        "settings": {}, "settings_str": "{}"}
    assert [c["id"] for c in sub_board["columns"]] == ["name", "text_size", "numbers_qty"]
    assert body["data"]["complexity"]["query"] > 0
    assert '"complexity";q=10000000;w=60' in headers["RateLimit-Policy"]


# -- reads and writes ----------------------------------------------------------------------------------------

EVERY_TYPE = BoardSpec("500", "Every type", (
    ColumnSpec("text_a", "text"), ColumnSpec("long_text_a", "long_text"), ColumnSpec("numbers_a", "numbers"),
    ColumnSpec("date_a", "date"), ColumnSpec("status_a", "status", labels=("Open", "Done")),
    ColumnSpec("dropdown_a", "dropdown", labels=("Red", "Blue")), ColumnSpec("email_a", "email"),
    ColumnSpec("link_a", "link"), ColumnSpec("checkbox_a", "checkbox")),
    subitems=BoardSpec("501", "Subitems of Every type", (ColumnSpec("text_size", "text"),
                                                         ColumnSpec("numbers_qty", "numbers"))))


@async_test
async def test_groups_items_and_subitems_with_every_column_type():
    async with serve(boards=[EVERY_TYPE]) as (emu, api):
        query = "mutation ($b: ID!, $n: String!) { create_group(board_id: $b, group_name: $n) { id title } }"
        _, _, body = await api.post(query, {"b": "500", "n": "GREYSON SS26"})
        group = body["data"]["create_group"]
        assert group["title"] == "GREYSON SS26" and group["id"] != "topics"
        values = {"text_a": "hello", "long_text_a": {"text": "long words"}, "numbers_a": 12.5,
                  "date_a": {"date": "2026-03-01"}, "status_a": {"label": "Done"},
                  "dropdown_a": {"labels": ["Red", "Blue"]}, "email_a": {"email": "a@b.co", "text": "A"},
                  "link_a": {"url": "https://x.example", "text": "X"}, "checkbox_a": {"checked": "true"}}
        status, _, body = await api.post(CREATE_ITEM, {"board": "500", "name": "Item one",
                                                       "group": group["id"], "values": json.dumps(values)})
        assert status == 200 and "errors" not in body, body
        item_id = body["data"]["create_item"]["id"]
        assert item_id.isdigit() and len(item_id) == 10
        sizes = json.dumps({"text_size": "M", "numbers_qty": "7"})
        _, _, body = await api.post(CREATE_SUBITEM, {"parent": item_id, "name": "M", "values": sizes})
        assert body["data"]["create_subitem"]["board"]["id"] == "501"
        _, _, body = await api.post(READ_ITEMS, {"ids": [item_id]})
    (item,) = body["data"]["items"]
    texts = {v["id"]: v["text"] for v in item["column_values"]}
    raw = {v["id"]: json.loads(v["value"]) if v["value"] else None for v in item["column_values"]}
    assert item["group"] == {"id": group["id"]} and item["state"] == "active"
    assert texts == {"subitems": "M", "text_a": "hello", "long_text_a": "long words", "numbers_a": "12.5",
                     "date_a": "2026-03-01", "status_a": "Done", "dropdown_a": "Red, Blue",
                     "email_a": "a@b.co", "link_a": "X - https://x.example", "checkbox_a": "v"}
    assert raw["status_a"]["index"] == 1 and raw["dropdown_a"] == {"ids": [1, 2]}
    assert raw["numbers_a"] == "12.5" and raw["checkbox_a"] == {"checked": True}
    assert item["subitems"][0]["column_values"] == [{"id": "text_size", "text": "M", "value": '"M"'},
                                                    {"id": "numbers_qty", "text": "7", "value": '"7"'}]
    assert emu.subitems(item_id)[0]["values"] == {"text_size": "M", "numbers_qty": "7"}
    assert emu.counters.items_created == 1 and emu.counters.subitems_created == 1
    assert emu.counters.groups_created == 1


@async_test
async def test_paging_through_all_items_and_finding_by_column_values():
    async with serve() as (_, api):
        ids = [await api.create(f"order {n}", {"text_sync_key": f"K{n % 3}"}) for n in range(5)]
        _, _, body = await api.post(PAGE, {"board": [BOARD], "limit": 2})
        page = body["data"]["boards"][0]["items_page"]
        seen = [i["id"] for i in page["items"]]
        while page["cursor"]:
            _, _, body = await api.post(NEXT_PAGE, {"cursor": page["cursor"], "limit": 2})
            page = body["data"]["next_items_page"]
            seen += [i["id"] for i in page["items"]]
        assert seen == ids
        columns = [{"column_id": "text_sync_key", "column_values": ["K1", "K2"]}]
        _, _, body = await api.post(BY_VALUES, {"board": BOARD, "columns": columns, "limit": 50})
        found = body["data"]["items_page_by_column_values"]["items"]
        assert sorted(i["id"] for i in found) == sorted([ids[1], ids[2], ids[4]])
        _, _, body = await api.post(NEXT_PAGE, {"cursor": "no-such-cursor", "limit": 2})
        assert body["errors"][0]["extensions"]["code"] == "CursorException"


@async_test
async def test_bad_values_fail_their_own_alias_and_the_others_apply():
    async with serve() as (emu, api):
        document = batch([(f"m{i}", f"create_item(board_id: $board, item_name: $name{i}, column_values: "
                                    f"$values{i}, create_labels_if_missing: $labels{i})") for i in range(7)])
        cases = [("ok", {"numbers_total_qty": "12"}, False),
                 ("bad number", {"numbers_total_qty": "n/a"}, False),
                 ("bad column", {"text_nope": "x"}, False),
                 ("bad label", {"status_delivery": {"label": "RAIL"}}, False),
                 ("new label", {"status_delivery": "RAIL"}, True),
                 ("x" * 256, {}, False),
                 ("bad date", {"date_eta": "31/12/2026"}, False)]
        variables = {"board": BOARD}
        for i, (name, values, labels) in enumerate(cases):
            variables |= {f"name{i}": name, f"values{i}": json.dumps(values), f"labels{i}": labels}
        status, _, body = await api.post(document, variables)
    assert status == 200
    assert [alias for alias, value in body["data"].items() if value] == ["m0", "m4"]
    codes = {e["path"][0]: e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"m1": "ColumnValueException", "m2": "InvalidColumnIdException",
                     "m3": "ColumnValueException", "m5": "ItemNameTooLongException",
                     "m6": "ColumnValueException"}
    bad_number = next(e for e in body["errors"] if e["path"] == ["m1"])
    assert bad_number["extensions"]["error_data"]["column_id"] == "numbers_total_qty"
    assert [i["name"] for i in emu.items(BOARD)] == ["ok", "new label"]
    assert "RAIL" in next(c for c in emu.board(BOARD)["columns"] if c["id"] == "status_delivery")["labels"]


@async_test
async def test_subitem_changes_need_the_subitems_board_id():
    async with serve() as (emu, api):
        parent = await api.create("parent")
        _, _, body = await api.post(CREATE_SUBITEM, {"parent": parent, "name": "S"})
        sub = body["data"]["create_subitem"]["id"]
        values = json.dumps({"numbers_qty": "4"})
        _, _, body = await api.post(CHANGE, {"board": BOARD, "item": sub, "values": values})
        assert body["data"]["change_multiple_column_values"] is None
        assert body["errors"][0]["extensions"]["code"] == "ResourceNotFoundException"
        _, _, body = await api.post(CHANGE, {"board": SUBBOARD, "item": sub,
                                             "values": json.dumps({"numbers_qty": "4", "name": "S2"})})
        assert body["data"]["change_multiple_column_values"] == {"id": sub, "name": "S2"}
        assert emu.subitems(parent)[0]["values"] == {"numbers_qty": "4"}


@async_test
async def test_delete_and_archive():
    async with serve() as (emu, api):
        keep, archived, deleted = [await api.create(n) for n in ("keep", "archived", "deleted")]
        document = batch([("a", "archive_item(item_id: $item1)"), ("d", "delete_item(item_id: $item2)")])
        _, _, body = await api.post(document, {"item1": archived, "item2": deleted})
        assert body["data"] == {"a": {"id": archived}, "d": {"id": deleted}}
        _, _, body = await api.post(batch([("d", "delete_item(item_id: $item)")]), {"item": deleted})
        assert body["errors"][0]["extensions"]["code"] == "ResourceNotFoundException"
        _, _, body = await api.post(PAGE, {"board": [BOARD], "limit": 10})
        assert [i["id"] for i in body["data"]["boards"][0]["items_page"]["items"]] == [keep]
        _, _, body = await api.post(READ_ITEMS, {"ids": [archived, deleted]})
        assert [(i["id"], i["state"]) for i in body["data"]["items"]] == [(archived, "archived")]
        assert [i["id"] for i in emu.items(BOARD, include_archived=True)] == [keep, archived]


@async_test
async def test_new_items_reach_the_search_index_after_the_lag():
    async with serve(index_lag=0.4) as (_, api):
        await api.create("lagging", {"text_sync_key": "K9"})
        columns = [{"column_id": "text_sync_key", "column_values": ["K9"]}]
        _, _, body = await api.post(BY_VALUES, {"board": BOARD, "columns": columns, "limit": 5})
        assert body["data"]["items_page_by_column_values"]["items"] == []
        await asyncio.sleep(0.5)
        _, _, body = await api.post(BY_VALUES, {"board": BOARD, "columns": columns, "limit": 5})
        assert [i["name"] for i in body["data"]["items_page_by_column_values"]["items"]] == ["lagging"]


# -- limits --------------------------------------------------------------------------------------------------

@async_test
async def test_complexity_budget_runs_out_and_resets_after_the_window():
    async with serve(complexity_budget=70_000, window_seconds=1.0) as (emu, api):
        variables = {"board": BOARD, "name": "one", "values": "{}"}
        status, _, first = await api.post(CREATE_ITEM, variables)
        cost = first["data"]["complexity"]["query"]
        assert first["data"]["complexity"]["before"] == 70_000
        assert first["data"]["complexity"]["after"] == 70_000 - cost and cost >= 30_000
        status, _, second = await api.post(CREATE_ITEM, variables)
        assert second["data"]["complexity"]["before"] == 70_000 - cost
        status, headers, refused = await api.post(CREATE_ITEM, variables)
        assert status == 429
        error = refused["errors"][0]
        assert error["extensions"]["code"] == "COMPLEXITY_BUDGET_EXHAUSTED"
        assert error["extensions"]["retry_in_seconds"] == 1 and headers["Retry-After"] == "1"
        assert len(emu.items(BOARD)) == 2
        await asyncio.sleep(1.05)
        status, _, third = await api.post(CREATE_ITEM, variables)
        assert status == 200 and third["data"]["complexity"]["before"] == 70_000
        assert emu.counters.http_429 == 1 and emu.counters.complexity_spent == 3 * cost


@async_test
async def test_requests_per_window_and_daily_limit():
    async with serve(requests_per_window=2, window_seconds=30) as (_, api):
        statuses = [(await api.post(PAGE, {"board": [BOARD], "limit": 1}))[0] for _ in range(2)]
        status, headers, body = await api.post(PAGE, {"board": [BOARD], "limit": 1})
        assert statuses == [200, 200] and status == 429
        assert body["errors"][0]["extensions"]["code"] == "RATE_LIMIT_EXCEEDED"
        assert 1 <= body["errors"][0]["extensions"]["retry_in_seconds"] <= 30 and "Retry-After" in headers
    async with serve(daily_limit=1) as (_, api):
        assert (await api.post(PAGE, {"board": [BOARD], "limit": 1}))[0] == 200
        status, _, body = await api.post(PAGE, {"board": [BOARD], "limit": 1})
        assert status == 429 and body["errors"][0]["extensions"]["code"] == "DAILY_LIMIT_EXCEEDED"


@async_test
async def test_concurrency_cap():
    async with serve(max_concurrency=2, latency=0.3) as (emu, api):
        answers = await asyncio.gather(*(api.post(CREATE_ITEM, {"board": BOARD, "name": f"n{i}"})
                                         for i in range(3)))
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200, 200, 429]
    refused = next(body for status, _, body in answers if status == 429)
    assert refused["errors"][0]["extensions"]["code"] == "maxConcurrencyExceeded"
    assert emu.counters.items_created == 2


@async_test
async def test_writes_to_an_item_in_flight_get_423():
    async with serve(latency=0.3) as (emu, api):
        item = await api.create("busy")
        values = json.dumps({"text_customer": "A"})
        answers = await asyncio.gather(*(api.post(CHANGE, {"board": BOARD, "item": item, "values": values})
                                         for _ in range(2)))
    assert sorted(status for status, _, _ in answers) == [200, 423]
    assert emu.counters.items_updated == 1


@async_test
async def test_a_wrong_token_is_refused_and_the_api_version_is_recorded():
    async with serve() as (emu, api):
        status, _, body = await api.post(PAGE, {"board": [BOARD], "limit": 1}, Authorization="wrong")
        assert status == 401 and body["errors"][0]["message"] == "Not Authenticated"
        await api.post(PAGE, {"board": [BOARD], "limit": 1}, API_Version="2026-10")
        assert [(r.status, r.api_version) for r in emu.requests()] == [(401, "2026-07"), (200, "2026-10")]


# -- idempotency ---------------------------------------------------------------------------------------------

@async_test
async def test_a_repeated_idempotency_key_replays_the_first_answer():
    async with serve() as (emu, api):
        variables = {"board": BOARD, "name": "once", "values": "{}"}
        status1, headers1, body1 = await api.post(CREATE_ITEM, variables, Idempotency_Key="key-1")
        status2, headers2, body2 = await api.post(CREATE_ITEM, variables, Idempotency_Key="key-1")
        assert (status1, status2) == (200, 200) and body1 == body2
        assert headers2["Idempotency-Replayed"] == "true" and "Idempotency-Replayed" not in headers1
        assert len(emu.items(BOARD)) == 1 and emu.counters.replays == 1
    async with MondayEmulator() as emu, aiohttp.ClientSession() as session:  # keys are scoped per token
        for token in ("token-a", "token-b"):
            await Api(session, emu.url).post(CREATE_ITEM, variables, Authorization=token, Idempotency_Key="k")
        assert len(emu.items(BOARD)) == 2


@async_test
async def test_a_duplicate_while_the_first_is_in_flight_gets_409():
    async with serve(latency=0.3) as (emu, api):
        variables = {"board": BOARD, "name": "once"}
        answers = await asyncio.gather(*(api.post(CREATE_ITEM, variables, Idempotency_Key="same")
                                         for _ in range(2)))
    assert sorted(status for status, _, _ in answers) == [200, 409]
    assert next(headers for status, headers, _ in answers if status == 409)["Retry-After"] == "1"
    assert emu.counters.items_created == 1


# -- faults --------------------------------------------------------------------------------------------------

@async_test
async def test_http_500_before_applies_nothing_and_500_after_applies_then_replays():
    async with serve() as (emu, api):
        emu.faults.add("http_500_before", match="create_item")
        status, _, body = await api.post(CREATE_ITEM, {"board": BOARD, "name": "a"})
        assert status == 500 and body["errors"][0]["message"] == "Internal server error"
        assert emu.items(BOARD) == []
        emu.faults.add("http_500_after", match="create_item")
        status, _, _ = await api.post(CREATE_ITEM, {"board": BOARD, "name": "b"}, Idempotency_Key="k-b")
        assert status == 500 and [i["name"] for i in emu.items(BOARD)] == ["b"]
        status, headers, body = await api.post(CREATE_ITEM, {"board": BOARD, "name": "b"},
                                               Idempotency_Key="k-b")
        assert status == 200 and headers["Idempotency-Replayed"] == "true"
        assert body["data"]["create_item"]["id"] == emu.items(BOARD)[0]["id"] and len(emu.items(BOARD)) == 1


@async_test
async def test_hang_after_applies_and_never_answers():
    async with serve() as (emu, api):
        emu.faults.add("hang_after", match="mutation")
        with pytest.raises(asyncio.TimeoutError):
            async with api.session.post(api.url, json={"query": CREATE_ITEM, "variables": {
                    "board": BOARD, "name": "hung"}}, timeout=aiohttp.ClientTimeout(total=0.3)) as response:
                await response.read()
        assert [i["name"] for i in emu.items(BOARD)] == ["hung"]
        assert emu.requests()[-1].status == "hang"


@async_test
async def test_http_423_and_slow_and_dropped_connections():
    async with serve() as (emu, api):
        emu.faults.add("http_423")
        status, headers, body = await api.post(CREATE_ITEM, {"board": BOARD, "name": "locked"})
        assert status == 423 and headers["Retry-After"] == "1" and emu.items(BOARD) == []
        emu.faults.add("slow", seconds=0.3)
        started = time.monotonic()
        assert (await api.post(PAGE, {"board": [BOARD], "limit": 1}))[0] == 200
        assert time.monotonic() - started >= 0.3
        emu.faults.add("drop_connection", match="create_item")
        with pytest.raises(aiohttp.ClientConnectionError):
            await api.post(CREATE_ITEM, {"board": BOARD, "name": "dropped"})
        emu.faults.add("drop_connection", match="create_item", applied=False)
        with pytest.raises(aiohttp.ClientConnectionError):
            await api.post(CREATE_ITEM, {"board": BOARD, "name": "never"})
        assert [i["name"] for i in emu.items(BOARD)] == ["dropped"]
        assert emu.counters.http_423 == 1 and emu.counters.statuses["dropped"] == 2


@async_test
async def test_fail_alias_fails_one_alias_and_applies_the_rest():
    async with serve() as (emu, api):
        emu.faults.add("fail_alias", alias="m1", code="InvalidArgumentException", message="injected",
                       status_code=400)
        document = batch([(f"m{i}", f"create_item(board_id: $board, item_name: $name{i})") for i in range(3)])
        status, _, body = await api.post(document, {"board": BOARD, "name0": "a", "name1": "b", "name2": "c"})
    assert status == 200 and body["data"]["m1"] is None and body["data"]["m0"] and body["data"]["m2"]
    assert body["errors"] == [{"message": "injected", "locations": body["errors"][0]["locations"],
                               "path": ["m1"], "extensions": {"code": "InvalidArgumentException",
                                                              "status_code": 400, "error_data": {}}}]
    assert [i["name"] for i in emu.items(BOARD)] == ["a", "c"]


@async_test
async def test_probability_faults_repeat_with_the_same_seed():
    patterns = []
    for _ in range(2):
        async with serve(seed=7) as (emu, api):
            emu.faults.add("http_500_before", count=None, probability=0.5)
            patterns.append([(await api.post(PAGE, {"board": [BOARD], "limit": 1}))[0] for _ in range(12)])
    assert patterns[0] == patterns[1] and {200, 500} == set(patterns[0])


# -- sync code -----------------------------------------------------------------------------------------------

def test_the_threaded_runner_serves_sync_code():
    with run_emulator_in_thread(token=TOKEN) as emu:
        for name in ("dup", "dup", "single"):
            body = json.dumps({"query": CREATE_ITEM, "variables": {
                "board": BOARD, "name": name, "values": json.dumps({"text_sync_key": name})}}).encode()
            request = urllib.request.Request(emu.url, data=body, headers={
                "Authorization": TOKEN, "Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=5) as response:
                assert json.loads(response.read())["data"]["create_item"]["name"] == name
        assert [i["name"] for i in emu.items(BOARD)] == ["dup", "dup", "single"]
        assert list(emu.duplicates(BOARD, "text_sync_key")) == ["dup"]
        emu.add_item(BOARD, "seeded", values={"text_sync_key": "single"})
        assert sorted(emu.duplicates(BOARD, "text_sync_key")) == ["dup", "single"]
        assert emu.counters.items_created == 3
        emu.reset_counters()
        assert emu.counters.items_created == 0 and emu.requests() == []
