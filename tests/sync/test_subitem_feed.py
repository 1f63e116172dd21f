"""Subitems start as soon as their item's id is known, not after the whole item step, and still travel in
whole requests (SQLite and the emulator over HTTP)."""

from __future__ import annotations

from dataclasses import replace

from shared.excel import ingest_files
from shared.sync import run_sync

from .mirror import TOKEN, assert_mirror, fifty_orders, sync_config, write_order_list


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
