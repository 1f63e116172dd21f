"""Moving items between groups (move_item_to_group over HTTP), and the test API that changes the board behind
the integration's back: deletes, moves, edits, duplicates, an emptied board."""

from __future__ import annotations

import json

from .test_emulator import BOARD, READ_ITEMS, async_test, batch, serve

MOVE = """
mutation ($item: ID, $group: String!) {
  complexity { query }
  move_item_to_group(item_id: $item, group_id: $group) { id group { id title } }
}"""


@async_test
async def test_move_item_to_group_moves_the_item_and_refuses_unknown_groups_and_subitems():
    async with serve() as (emu, api):
        item = await api.create("order")
        target = emu.add_group(BOARD, "GREYSON FW27")
        _, _, body = await api.post(MOVE, {"item": item, "group": target})
        assert body["data"]["move_item_to_group"] == {"id": item, "group": {"id": target,
                                                                          "title": "GREYSON FW27"}}
        assert body["data"]["complexity"]["query"] >= 10_000
        assert emu.item(item)["group_id"] == target and emu.counters.items_moved == 1

        _, _, body = await api.post(MOVE, {"item": item, "group": "group_nope"})
        assert body["errors"][0]["extensions"]["code"] == "InvalidGroupIdException"
        sub = emu.add_subitem(item, "M")
        _, _, body = await api.post(MOVE, {"item": sub, "group": target})
        assert body["errors"][0]["extensions"]["code"] == "InvalidArgumentException"
        _, _, body = await api.post(batch([("d", "delete_item(item_id: $item)")]), {"item": item})
        _, _, body = await api.post(MOVE, {"item": item, "group": target})
        assert body["errors"][0]["extensions"]["code"] == "ResourceNotFoundException"
        assert emu.counters.items_moved == 1


@async_test
async def test_the_test_api_changes_the_board_without_a_request():
    async with serve() as (emu, api):
        first = await api.create("first", {"text_sync_key": "K1", "numbers_total_qty": "30"})
        second = await api.create("second", {"text_sync_key": "K2"})
        small = emu.add_subitem(first, "S", values={"numbers_qty": "10"})
        emu.add_subitem(first, "M", values={"numbers_qty": "20"})
        requests = emu.counters.requests

        copy = emu.duplicate_item(first)
        assert emu.duplicates(BOARD, "text_sync_key") == {"K1": [first, copy]}
        assert [(s["name"], s["values"]) for s in emu.subitems(copy)] == [
            ("S", {"numbers_qty": "10"}), ("M", {"numbers_qty": "20"})]
        emu.set_values(first, {"numbers_total_qty": "31", "name": "renamed"})
        emu.set_values(small, {"numbers_qty": "11"})
        emu.archive_item(emu.subitems(copy)[0]["id"])
        group = emu.add_group(BOARD, "elsewhere")
        emu.move_item(second, group)
        assert emu.item(first)["values"]["numbers_total_qty"] == "31" and emu.item(first)["name"] == "renamed"
        assert emu.subitems(first)[0]["values"] == {"numbers_qty": "11"}
        assert [s["name"] for s in emu.subitems(copy)] == ["M"]  # an archived subitem is not listed
        _, _, body = await api.post(READ_ITEMS, {"ids": [copy]})
        assert [s["name"] for s in body["data"]["items"][0]["subitems"]] == ["M"]
        assert emu.item(second)["group_id"] == group

        emu.delete_item(small)
        assert [s["name"] for s in emu.subitems(first)] == ["M"]
        assert emu.empty_board(BOARD) == 3 and emu.items(BOARD) == []
        assert emu.counters.requests == requests + 1  # only the read above was a request
        assert json.dumps(emu.counters.as_dict())
