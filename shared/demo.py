"""``python -m shared demo``: the whole job on this machine, no monday account needed.

A local monday emulator (the development board, a realistic delay per mutation), a fresh SQLite file
(``.ordersync/demo.db``, recreated each run; the configured database is not touched), every ``samples/*.xlsx``
ingested, one sync, the board printed as a tree, then a second sync that must write nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .common.errors import ConfigError
from .config import Config
from .excel import REJECTED, IngestReport, ingest_files
from .monday import MondayClient
from .monday_emulator import order_book_board, run_emulator_in_thread
from .store import open_store
from .sync import RunSummary, TreeGroup, read_board_tree, render_board_tree, run_sync

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
DEMO_DATABASE = Path(".ordersync") / "demo.db"
MUTATION_LATENCY_SECONDS = 0.02
# monday allows 10M complexity points a minute; the samples' 1,431 creates cost ~43M, so at monday's pace the
# demo would spend four minutes waiting for budget. The emulator grants ten times that.
COMPLEXITY_BUDGET = 100_000_000
EMULATOR_TOKEN = "demo"  # the emulator accepts any token; the client insists on one
ITEMS_SHOWN_PER_GROUP = 2


@dataclass
class DemoResult:
    ingest: IngestReport
    first_sync: RunSummary
    second_sync: RunSummary
    board: list[TreeGroup] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (not any(report.outcome == REJECTED for report in self.ingest.files) and self.first_sync.ok
                and self.second_sync.ok and self.second_sync.records_written == 0)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "ingest": self.ingest.to_dict(), "first_sync": self.first_sync.to_dict(),
                "second_sync": self.second_sync.to_dict(),
                "board": {"groups": len(self.board), "items": sum(len(g.items) for g in self.board),
                          "subitems": sum(len(i.subitems) for g in self.board for i in g.items)}}


def run_demo(config: Config, *, say: Callable[[str], None] = print, samples: Path = SAMPLES_DIR,
             database: Path = DEMO_DATABASE) -> DemoResult:
    """Run the demo; ``say`` receives the progress text (the tree and the summaries included)."""
    _check_board_mapping(config)
    workbooks = sorted(samples.glob("*.xlsx"))
    if not workbooks:
        raise ConfigError(samples, "(samples)", "no sample workbooks (*.xlsx); run scripts/make_samples.py")
    for suffix in ("", "-wal", "-shm"):  # a fresh database every run
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    config = replace(config, environment=replace(config.environment, database=f"sqlite:///{database}"))
    open_store(config, warn_if_new=False).close()  # the demo's own new database: no warning about it

    emulated = run_emulator_in_thread(latency=MUTATION_LATENCY_SECONDS, complexity_budget=COMPLEXITY_BUDGET)
    with emulated as emulator:
        say(f"monday emulator at {emulator.url}: {MUTATION_LATENCY_SECONDS * 1000:.0f} ms per mutation, "
            f"complexity budget {COMPLEXITY_BUDGET:,} per minute; database {database} (new)")
        ingest = ingest_files(config, workbooks)
        for report in ingest.files:
            say(f"ingest {report.file_name}: {report.outcome}, {report.new} new orders, {report.lines_new} "
                f"sizes, {report.rejected} rows rejected" + (f": {report.message}" if report.message else ""))
        first = run_sync(config, url=emulator.url, token=EMULATOR_TOKEN, source="demo")
        board = asyncio.run(_read_board(config, emulator.url))
        say(render_board_tree(board, config.environment.subitem_columns,
                              items_per_group=ITEMS_SHOWN_PER_GROUP))
        say("first sync:\n" + first.render())
        second = run_sync(config, url=emulator.url, token=EMULATOR_TOKEN, source="demo")
        say("second sync (nothing changed, so nothing may be written):\n" + second.render())
    result = DemoResult(ingest, first, second, board)
    say("demo: " + ("OK" if result.ok else "FAILED (see above)"))
    return result


async def _read_board(config: Config, url: str) -> list[TreeGroup]:
    async with MondayClient(config, url=url, token=EMULATOR_TOKEN) as client:
        return await read_board_tree(client)


def _check_board_mapping(config: Config) -> None:
    """The emulator holds the development board; another environment's column ids would all be refused."""
    board = order_book_board()
    known = {column.id for column in board.columns} | {column.id for column in board.subitems.columns}
    env = config.environment
    missing = sorted(({env.key_column} | set(env.item_columns.values()) | set(env.subitem_columns.values()))
                     - known)
    if missing:
        raise ConfigError(config.path, f"environments.{env.name}",
                          f"the demo's emulated board has the development board's columns; "
                          f"{', '.join(missing)} are not among them (run the demo with --env development)")
