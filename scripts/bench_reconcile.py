"""Benchmark reconcile: what comparing a board of N items (M subitems each) with the store costs on monday.

    python scripts/bench_reconcile.py [--orders 2000] [--sizes 2] [--drift 20]

The board is built to mirror the store exactly without the sync (the emulator's test API puts each item and
subitem on the board, the store's own write-back records their ids), so a 2,000-item board is ready in
seconds. Then:

1. ``reconcile`` on the exact board: the requests, the complexity (all of it and the dearest request, against
   monday's 5,000,000 per query and 10,000,000 per minute) and the drift found (must be none);
2. ``--drift`` items deleted and as many values changed behind ordersync's back, then ``reconcile --repair``:
   the requests and complexity of finding, repairing, syncing and checking again.

Not a test: it prints figures. tests/sync/test_reconcile_cost.py asserts the request count of step 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync import write_order_list  # noqa: E402

from shared.config import load_config  # noqa: E402
from shared.excel import ingest_files  # noqa: E402
from shared.monday import read_board_schema  # noqa: E402
from shared.monday.columns import column_values  # noqa: E402
from shared.monday_emulator import run_emulator_in_thread  # noqa: E402
from shared.store import open_store  # noqa: E402
from shared.sync import run_reconcile  # noqa: E402
from shared.sync.plan import plan_batch_work  # noqa: E402
from shared.sync.planner import utc_now  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token"
QUERY_LIMIT, MINUTE_BUDGET = 5_000_000, 10_000_000


def bench_config(folder: Path):
    config = load_config(ROOT / "configs" / "sync_order_list.toml", "development")
    database = f"sqlite:///{folder / 'orders.db'}"
    return replace(config, environment=replace(config.environment, database=database))


def seed_mirrored_board(config, emulator, orders: int, sizes: int, folder: Path) -> None:
    """Ingest N orders, then put exactly what the sync would write on the board and record the ids."""
    workbook = folder / "orders.xlsx"
    write_order_list(workbook, orders, sizes, customers=5)  # every customer of bench_sync
    ingest_files(config, [workbook])
    board = config.environment.board_id
    schema = asyncio.run(read_board_schema(config, url=emulator.url, token=TOKEN))
    items_columns, subitem_columns = schema.items.columns, schema.subitems.columns
    now = utc_now()
    with open_store(config) as store:
        rows = store.mirror_rows(now)
        plan = plan_batch_work(config, rows.orders, rows.lines)
        groups = {title: emulator.add_group(board, title) for title in plan.group_titles}
        sizes_of: dict[str, list] = {}
        for write in plan.subitem_creates:
            sizes_of.setdefault(write.record_uuid, []).append(write)
        made = emulator.add_items(board, [
            {"name": write.name, "group_id": groups[write.group_title],
             "values": {**column_values(items_columns, _filled(write.columns)),
                        config.environment.key_column: write.business_key},
             "subitems": [{"name": size.name, "values": column_values(subitem_columns, _filled(size.columns))}
                          for size in sizes_of.get(write.record_uuid, ())]}
            for write in plan.item_creates])

        seeding = "bench-seed"  # the write-back is a claim holder's: the seed claims every order first
        store.claim_orders([write.record_uuid for write in plan.item_creates], seeding, now,
                           now + timedelta(hours=1))
        claimed = store.claimed_by(seeding)

        def write_back() -> None:
            for write, (item_id, subitem_ids) in zip(plan.item_creates, made, strict=True):
                claimed.order_synced(write.record_uuid, item_id, groups[write.group_title], write.row_hash,
                                     now)
                for size, subitem_id in zip(sizes_of.get(write.record_uuid, ()), subitem_ids, strict=True):
                    claimed.line_synced(size.line_uuid, subitem_id, item_id, size.qty, now)

        store.run_in_transaction(write_back)  # one commit for the whole board
        store.release_claim(seeding)


def _filled(columns: dict) -> dict:
    return {column: value for column, value in columns.items() if value is not None and str(value).strip()}


def measure(config, emulator, *, repair: bool = False) -> tuple[object, float, int]:
    """The reconcile's report, its wall time and its dearest request's complexity."""
    emulator.reset_counters()
    started = time.perf_counter()
    report = run_reconcile(config, repair_drift=repair, url=emulator.url, token=TOKEN)
    seconds = time.perf_counter() - started
    return report, seconds, max((r.complexity for r in emulator.requests()), default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--sizes", type=int, default=2)
    parser.add_argument("--drift", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, run_emulator_in_thread(complexity_budget=2 * 10**9) as emu:
        config = bench_config(Path(folder))
        started = time.perf_counter()
        seed_mirrored_board(config, emu, args.orders, args.sizes, Path(folder))
        print(f"board: {args.orders:,} items, {args.orders * args.sizes:,} subitems, mirrored in "
              f"{time.perf_counter() - started:.1f} s (seeded, not synced)")

        report, seconds, dearest = measure(config, emu)
        print(f"reconcile of the exact board: {report.requests} requests, {report.complexity:,} complexity "
              f"({report.complexity / MINUTE_BUDGET:.1%} of monday's 10M a minute), dearest request "
              f"{dearest:,} ({dearest / QUERY_LIMIT:.1%} of the 5M per query), drift {report.found.total}, "
              f"{seconds:.1f} s against the emulator")

        items = [item["id"] for item in emu.items(config.environment.board_id)]
        for item_id in items[:args.drift]:
            emu.delete_item(item_id)
        for item_id in items[args.drift:2 * args.drift]:
            emu.set_values(item_id, {"text_colour": "CHANGED BY HAND"})
        report, seconds, dearest = measure(config, emu, repair=True)
        sync = report.sync
        print(f"reconcile --repair of {2 * args.drift} drifted items: {report.requests} requests, "
              f"{report.complexity:,} complexity, {report.passes} pass(es), result {report.result}; the sync "
              f"wrote {sync.records_written if sync else 0} records; {seconds:.1f} s")
        check, _, _ = measure(config, emu)
        print(f"reconcile afterwards: drift {check.found.total}, {check.requests} requests")


if __name__ == "__main__":
    main()
