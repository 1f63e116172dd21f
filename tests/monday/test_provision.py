"""Deciding what ``board provision`` creates (pure), and create_column on the emulator through the client."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import pytest

from shared.common.errors import MondayPermanentError
from shared.config import load_config
from shared.monday import MondayClient, ProvisionProblems, missing_columns
from shared.monday.board import Board, BoardSchema
from shared.monday.columns import ColumnInfo
from shared.monday.provision import MAX_STATUS_LABELS, ColumnToCreate, column_type
from shared.monday_emulator import run_emulator_in_thread

from ..conftest import DEFAULT_CONFIG

CONFIG = load_config(DEFAULT_CONFIG, "development")
PRODUCTION = load_config(DEFAULT_CONFIG, "production").environment


def empty_boards() -> BoardSchema:
    name = {"name": ColumnInfo("name", "Name", "name")}
    return BoardSchema(Board("9609317401", "items", name), Board("9609317402", "subitems", name))


def test_types_come_from_column_types_else_the_prefix_monday_gives():
    env = CONFIG.environment
    assert [column_type(env, c) for c in ("text_x", "long_text_x", "numbers_x", "date_x", "status_x",
                                          "dropdown_x")] == ["text", "long_text", "numbers", "date", "status",
                                                             "dropdown"]
    assert column_type(PRODUCTION, "numeric_mkr7qty") == "numbers"  # older monday ids
    assert column_type(PRODUCTION, "color_mkr7method") == "status"
    assert column_type(env, "notes") is None
    assert column_type(dataclasses.replace(env, column_types={"notes": "long_text"}), "notes") == "long_text"


def test_every_mapped_column_and_the_key_on_empty_boards():
    labels = {("items", "PLANNED DELIVERY METHOD"): ["SEA", "AIR", " AIR ", ""], ("items", "ORDER TYPE"): []}
    creates = missing_columns(empty_boards(), CONFIG.environment,
                              lambda side, source: labels.get((side, source), []))
    env = CONFIG.environment
    assert [c.column_id for c in creates] == [env.key_column, *env.item_columns.values(),
                                              *env.subitem_columns.values()]
    by_id = {c.column_id: c for c in creates}
    assert by_id["text_sync_key"] == ColumnToCreate("9609317401", "items board", "text_sync_key", "Order key",
                                                     "text", "business key")
    status = by_id["status_delivery"]
    assert status.labels == ("AIR", "SEA") and json.loads(status.defaults()) == {"labels": {"1": "AIR",
                                                                                          "2": "SEA"}}
    assert by_id["dropdown_order_type"].defaults() is None  # no values stored yet: no labels
    assert by_id["text_size"].title == "Size" and by_id["text_size"].board_id == "9609317402"


def test_problems_are_all_named_and_nothing_is_planned():
    env = dataclasses.replace(CONFIG.environment, column_types={"numbers_price": "date"})
    many = [f"M{n}" for n in range(MAX_STATUS_LABELS + 1)]
    with pytest.raises(ProvisionProblems) as caught:
        missing_columns(empty_boards(), env, lambda side, source: many if "METHOD" in source else [])
    problems = caught.value.problems
    assert any(p.startswith('numbers_price (Excel "CUSTOMER PRICE"): a date column cannot take its price')
               for p in problems)
    assert any(p.startswith('status_delivery (Excel "PLANNED DELIVERY METHOD"): the stored orders hold 41')
               for p in problems)
    with pytest.raises(ProvisionProblems, match="text_mkr7sync .business key.: monday creates a column with "
                                                "a chosen id only when the id is 1 to 20 lower-case"):
        missing_columns(empty_boards(), PRODUCTION, lambda side, source: [])


def test_create_column_on_the_emulator():
    async def scenario(url: str) -> None:
        async with MondayClient(CONFIG, url=url, token="test-token") as client:
            before = await client.board_schema()
            assert "status_new" not in before.items.columns
            await client.create_column("9609317401", "status_new", "New", "status",
                                       json.dumps({"labels": {"1": "B", "2": "A"}}))
            await client.create_column("9609317402", "dropdown_new", "Pick", "dropdown",
                                       json.dumps({"settings": {"labels": [{"id": 1, "name": "X"}]}}))
            after = await client.board_schema()  # read again: the cached schema was dropped
            assert after.items.columns["status_new"].labels == ("B", "A")
            assert after.subitems.columns["dropdown_new"].labels == ("X",)
            with pytest.raises(MondayPermanentError, match="already exists"):
                await client.create_column("9609317401", "status_new", "Again", "status")
            with pytest.raises(MondayPermanentError, match="lower-case letters and underscores"):
                await client.create_column("9609317401", "text_mkr7x", "Digits", "text")

    with run_emulator_in_thread() as emulator:
        asyncio.run(scenario(emulator.url))
