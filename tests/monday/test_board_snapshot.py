"""What reconcile needs of the client, against the emulator over HTTP: the board snapshot read page by page,
items moved between groups and archived, an update that writes the key again; and how monday's shown texts
compare with the store's values."""

from __future__ import annotations

import pytest

from shared.monday import ItemArchive, ItemMove, ItemUpdate, MondayClient, shows_value
from shared.monday.columns import ColumnInfo
from shared.monday_emulator import MondayEmulator

from .test_client import BOARD, TOKEN, fast_config, in_loop


@in_loop
async def test_the_snapshot_reads_every_item_with_group_key_columns_and_subitems_in_pages_of_500():
    async with MondayEmulator(token=TOKEN) as emulator:
        group = emulator.add_group(BOARD, "GREYSON SS27")
        first = emulator.add_item(BOARD, "ST-1 NAVY AAG-1", group_id=group, values={
            "text_sync_key": "AAG-1|SEA|ST-1", "numbers_total_qty": "30", "date_eta": "2027-03-01",
            "status_delivery": {"label": "SEA"}, "text_po_number": "PO-77"})
        emulator.add_subitem(first, "S", values={"text_size": "S", "numbers_qty": "10"})
        emulator.add_subitem(first, "M", values={"text_size": "M", "numbers_qty": "20"})
        for number in range(1, 1100):
            emulator.add_item(BOARD, f"filler {number}", group_id="topics",
                              values={"text_sync_key": f"K-{number}"})
        archived = emulator.add_item(BOARD, "archived", values={"text_sync_key": "gone"})
        emulator.archive_item(archived)
        async with MondayClient(fast_config(request_timeout_seconds=30), url=emulator.url,
                                token=TOKEN) as client:
            snapshot = await client.board_snapshot()
            requests = client.stats.requests

    assert requests == 3  # 1,100 items: the first page and two more
    assert len(snapshot.items) == 1100 and snapshot.subitem_count == 2
    assert snapshot.groups[group] == "GREYSON SS27" and snapshot.groups["topics"] == "Group Title"
    item = snapshot.items[0]
    assert (item.id, item.name, item.group_id) == (first, "ST-1 NAVY AAG-1", group)
    assert item.key == "AAG-1|SEA|ST-1"
    assert item.values["numbers_total_qty"] == "30" and item.values["status_delivery"] == "SEA"
    assert item.values["date_eta"] == "2027-03-01" and item.values["text_season"] == ""
    assert "text_sync_key" not in item.values  # the key travels on its own
    assert [(s.name, s.values) for s in item.subitems] == [
        ("S", {"text_size": "S", "numbers_qty": "10"}), ("M", {"text_size": "M", "numbers_qty": "20"})]
    assert "archived" not in {i.name for i in snapshot.items}


@in_loop
async def test_moves_archives_and_an_update_that_writes_the_key_again():
    async with MondayEmulator(token=TOKEN) as emulator:
        target = emulator.add_group(BOARD, "GREYSON FW27")
        keep, moved, archived, gone = (emulator.add_item(BOARD, name, group_id="topics",
                                                         values={"text_sync_key": name})
                                       for name in ("keep", "moved", "archived", "gone"))
        emulator.delete_item(gone)
        emulator.set_values(keep, {"text_sync_key": "edited by hand"})
        heard = []
        async with MondayClient(fast_config(), url=emulator.url, token=TOKEN) as client:
            moves = await client.move_items([ItemMove("a", moved, target), ItemMove("b", gone, target),
                                             ItemMove("c", keep, "group_nope")], on_result=heard.append)
            archives = await client.archive_items([ItemArchive("d", archived), ItemArchive("e", gone)])
            (update,) = await client.update_items([ItemUpdate("f", keep, {}, key="keep")])

    assert [(r.ref, r.ok) for r in moves] == [("a", True), ("b", False), ("c", False)]
    assert moves[1].gone and moves[2].code == "InvalidGroupIdException" and moves[2].permanent
    assert sorted(r.ref for r in heard) == ["a", "b", "c"]
    assert emulator.item(moved)["group_id"] == target and emulator.counters.items_moved == 1
    assert [(r.ref, r.ok) for r in archives] == [("d", True), ("e", True)]  # already gone counts as done
    assert emulator.item(archived)["state"] == "archived" and emulator.counters.items_archived == 1
    assert update.ok and emulator.item(keep)["values"]["text_sync_key"] == "keep"


def column(type_: str, labels: tuple[str, ...] = ()) -> ColumnInfo:
    return ColumnInfo(id=f"{type_}_x", title="x", type=type_, labels=labels)


@pytest.mark.parametrize(("type_", "stored", "shown", "same"), [
    ("numbers", "12", "12.0", True), ("numbers", "1,200", "1200", True), ("numbers", "12", "13", False),
    ("numbers", None, "", True), ("numbers", "12", "", False),
    ("date", "2027-03-01", "2027-03-01", True), ("date", "2027-03-01", "2027-03-02", False),
    ("date", "2027-03-01T10:30:00", "2027-03-01 10:30", True),
    ("date", "2027-03-01", "2027-03-01 10:30", False),
    ("status", "sea", "SEA", True), ("status", "SEA", "AIR", False), ("status", None, "", True),
    ("dropdown", "active", "ACTIVE", True), ("dropdown", "ACTIVE", "ACTIVE, REPEAT", False),
    ("long_text", "line one\r\nline two ", "line one\nline two", True), ("long_text", "a", "b", False),
    ("text", " PO 1 ", "PO 1", True), ("text", "PO 1", "PO 2", False), ("text", None, "", True),
    ("email", "Ops@Example.com", "ops@example.com", True),
    ("link", "https://x.example/a", "shop - https://x.example/a", True),
    ("link", "https://x.example/a", "https://x.example/b", False),
    ("checkbox", "yes", "v", True), ("checkbox", "no", "", True), ("checkbox", "yes", "", False),
    ("status", "RAIL", "RAIL", True),  # not a label the board knows: the sync fails it, the texts compare
])
def test_values_compare_the_way_monday_shows_them(type_, stored, shown, same):
    labels = {"status": ("SEA", "AIR"), "dropdown": ("ACTIVE", "REPEAT")}.get(type_, ())
    assert shows_value(column(type_, labels), stored, shown) is same
