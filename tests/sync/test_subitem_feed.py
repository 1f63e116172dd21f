"""Subitems start as soon as their item's id is known, not after the whole item step, and still travel in
whole requests (SQLite and the emulator over HTTP); a stop during the item step stops those sends too."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from shared.excel import ingest_files
from shared.sync import run_sync
from shared.sync.plan import SubitemWrite
from shared.sync.subitem_feed import SubitemFeed

from .mirror import TOKEN, assert_mirror, fifty_orders, sync_config, write_order_list

GENEROUS = 10  # seconds: a bound on a hang, never a timing assertion


def test_a_new_items_subitems_go_while_the_other_items_are_still_being_made(tmp_path, emulator):
    config = sync_config(tmp_path)
    config = replace(config, monday=replace(config.monday, mutations_per_request=5))
    ingest_files(config, [write_order_list(tmp_path / "greyson.xlsx", fifty_orders()[:10])])  # 2 sizes each
    seen = []

    def second_item_request(request) -> bool:
        if request.fields[:1] == ("create_item",):
            seen.append(request)
        return len(seen) == 2

    emulator.faults.add("slow", match=second_item_request, seconds=1.0)  # monday takes its time on it

    assert run_sync(config, url=emulator.url, token=TOKEN).ok

    answered = [(r.fields[0], r.aliases) for r in emulator.requests() if r.fields[:1] in (("create_item",),
                                                                                          ("create_subitem",))]
    last_item = max(i for i, (field, _) in enumerate(answered) if field == "create_item")
    # the first item request's subitems were made while monday still worked on the second item request
    assert any(field == "create_subitem" for field, _ in answered[:last_item])
    # and every subitem request was whole: 2 orders (4 lines) each, a third order's 2 lines would pass 5
    assert sorted(n for field, n in answered if field == "create_subitem") == [4, 4, 4, 4, 4]
    assert_mirror(config, emulator)



def test_a_feed_cancelled_during_the_item_step_cancels_the_sends_it_released_instead_of_waiting_for_them():
    sends: list[str] = []

    async def send(writes) -> None:  # monday holding a subitem request until the end of time
        sends.append(f"sent {len(writes)}")
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            sends.append("cancelled")
            raise

    async def stopped_while_the_item_ids_are_saved() -> None:
        lines = [SubitemWrite(f"line-{n}", "order-1", "KEY-1", f"SIZE {n}", {}, "1") for n in (1, 2)]
        feed = SubitemFeed(lines, send, per_request=2)

        async def item_step() -> None:
            feed.parent_known("order-1")  # the item's id arrived: its two lines fill a request and go
            await asyncio.Event().wait()  # the item ids being written back when the stop comes

        run = asyncio.create_task(feed.after(item_step()))
        while not sends:
            await asyncio.sleep(0)
        run.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(run, timeout=GENEROUS)  # a feed that waited for its sends would time out

    asyncio.run(stopped_while_the_item_ids_are_saved())
    assert sends == ["sent 2", "cancelled"]
