"""Benchmark the sync: N orders × M sizes against the monday emulator with monday's latency and budget.

    python scripts/bench_sync.py [--orders 1000] [--sizes 4] [--latency 0.3] [--scale 10]

monday answers a mutation in ~0.3 s and grants 10,000,000 complexity points per minute (a create costs
30,000). To keep the run short, time is scaled down by ``--scale``: the emulator's per-mutation latency and
its budget window are both divided by it, so every figure measured in seconds is multiplied back by it to give
the real-time equivalent. Not a test: it prints figures (records/s, requests per record, the share of the
budget used, 429s) and compares them with the old system's 0.6 records/s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.config import load_config
from shared.excel import ingest_files
from shared.monday_emulator import run_emulator_in_thread  # noqa: E402
from shared.sync import run_sync

ROOT = Path(__file__).resolve().parent.parent
OLD_SYSTEM_RECORDS_PER_SECOND = 0.6
CUSTOMERS = ("GREYSON", "B'HOOD", "TITLE NINE", "JOHNNIE-O", "NORTHWIND OUTFITTERS")
SIZES = ("XS", "S", "M", "L", "XL", "2XL")
HEADER = ("AAG ORDER NUMBER", "CUSTOMER NAME", "CUSTOMER SEASON", "PO NUMBER", "CUSTOMER STYLE",
          "CUSTOMER COLOUR DESCRIPTION", "PLANNED DELIVERY METHOD", "ETA CUSTOMER WAREHOUSE DATE",
          "EX FACTORY DATE", "ORDER TYPE", "CUSTOMER PRICE", "NOTES", "UNIT OF MEASURE")


def write_order_list(path: Path, orders: int, sizes: int) -> None:
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("MASTER")
        columns = (*HEADER, *SIZES[:sizes], "TOTAL QTY")
        for column, name in enumerate(columns):
            sheet.write_string(0, column, name)
        for number in range(orders):
            quantities = [12 * (1 + (number + size) % 5) for size in range(sizes)]
            row = (f"AAG-{50000 + number}", CUSTOMERS[number % len(CUSTOMERS)], ("SS27", "FW27")[number % 2],
                   f"PO-{number}", f"ST-{number:05}", ("NAVY", "WHITE", "OLIVE")[number % 3],
                   ("SEA", "AIR", "COURIER")[number % 3], f"2027-0{1 + number % 9}-15",
                   f"2027-0{1 + number % 9}-01",
                   ("ACTIVE", "REPEAT")[number % 2], f"{10 + number % 40}.50", "", "EA", *quantities,
                   sum(quantities))
            for column, value in enumerate(row):
                sheet.write(number + 1, column, value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--sizes", type=int, default=4, choices=range(1, len(SIZES) + 1))
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per mutation (real time)")
    parser.add_argument("--scale", type=float, default=10.0, help="time runs this many times faster")
    parser.add_argument("--budget", type=int, default=10_000_000, help="complexity points per window")
    parser.add_argument("--window", type=float, default=60.0, help="budget window in seconds (real time)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        config = load_config(ROOT / "configs" / "sync_order_list.toml", "development")
        config = replace(config, environment=replace(config.environment,
                                                     database=f"sqlite:///{Path(folder) / 'bench.db'}"))
        workbook = Path(folder) / "bench.xlsx"
        write_order_list(workbook, args.orders, args.sizes)
        started = time.perf_counter()
        report = ingest_files(config, [workbook]).files[0]
        ingest_seconds = time.perf_counter() - started
        records = report.new + report.lines_new
        window = args.window / args.scale
        with run_emulator_in_thread(latency=args.latency / args.scale, complexity_budget=args.budget,
                                    window_seconds=window) as emulator:
            started = time.perf_counter()
            summary = run_sync(config, url=emulator.url, token="bench")
            seconds = time.perf_counter() - started
            counters = emulator.counters
            http_429 = counters.statuses[429]

    real_seconds = seconds * args.scale
    rate = summary.records_written / real_seconds
    budget_available = args.budget * max(seconds / window, 1.0)
    print(f"orders {report.new}, lines {report.lines_new} ({records} records); ingest {ingest_seconds:.2f} s")
    print(f"emulator: {args.latency} s per mutation, {args.budget:,} complexity per {args.window:.0f} s, "
          f"time scaled down {args.scale:g}x (measured {seconds:.1f} s = {real_seconds:.0f} s real time)")
    print(f"sync: ok={summary.ok}, written {summary.records_written} (items {summary.items_created}, "
          f"subitems {summary.subitems_created}, groups {len(summary.groups_created)}), "
          f"failed {len(summary.failed)}")
    print(f"records/s (real-time equivalent): {rate:.2f}  — {rate / OLD_SYSTEM_RECORDS_PER_SECOND:.0f}x "
          f"the old system's {OLD_SYSTEM_RECORDS_PER_SECOND}")
    per_record = summary.requests / max(summary.records_written, 1)
    print(f"requests: {summary.requests} ({per_record:.3f} per record), "
          f"mutations per request {counters.mutations / max(counters.mutation_requests, 1):.1f}")
    print(f"complexity: {summary.complexity:,} spent = {summary.complexity / budget_available:.0%} of the "
          f"budget the run's {seconds / window:.1f} windows offered")
    print(f"429s: client saw {summary.rate_limited}, emulator answered {http_429} (target 0)")


if __name__ == "__main__":
    main()
