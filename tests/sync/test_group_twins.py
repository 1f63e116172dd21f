"""Twin group titles (two processes each created the group before either saw the other's): every reader of
the board — the client's schema, its group refresh and the sync's group step — settles on the smallest id.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from shared.monday import MondayClient
from shared.monday_emulator import MondayEmulator, order_book_board
from shared.store import open_store
from shared.sync.groups import GroupTitles
from shared.sync.summary import RunSummary

from .mirror import TOKEN, sync_config

# Listed with the larger id last, so "the last twin seen wins" and "the smallest id wins" differ.
TWINS = (("topics", "Group Title"), ("group_a", "GREYSON SS26"), ("group_b", "greyson  ss26"))


def test_twin_titles_give_the_same_group_everywhere(tmp_path):
    config = sync_config(tmp_path)

    async def group_ids() -> list[str]:
        async with MondayEmulator([replace(order_book_board(), groups=TWINS)], token=TOKEN) as emulator:
            async with MondayClient(config, url=emulator.url, token=TOKEN) as from_schema, \
                    MondayClient(config, url=emulator.url, token=TOKEN) as refreshed:
                cached = await from_schema.ensure_groups(["GREYSON SS26"])  # the schema's map, no refresh
                read_again = await refreshed.ensure_groups(["Greyson SS26", "TITLE NINE FW26"])  # a refresh
                with open_store(config) as store:
                    preview = await GroupTitles(config, store, from_schema, RunSummary(),
                                                dry_run=True).ids_for(["GREYSON SS26"])
        return [cached["GREYSON SS26"], read_again["Greyson SS26"], preview["GREYSON SS26"]]

    assert asyncio.run(group_ids()) == ["group_a"] * 3
