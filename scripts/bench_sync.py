"""Benchmark the sync (ingest, plan, batches, monday) against the emulator at monday's real service times.

    .venv/bin/python scripts/bench_sync.py [small] [binding] [--orders N] [--sizes 3] [--customers N]
        [--latency 0.3] [--request-latency 0.15] [--windows 6 60] [--roundings up nearest down] [--json]

``small`` (acceptance 3): 100 orders + 300 sizes of one customer (one order list), the budget not binding,
the emulator answering in 0.15 s per request + 0.3 s per mutation. Prints records/s beside the ceiling, and
requests per record. The ceiling is the rate no client could beat at these service times with the config's
requests in flight: the run takes at least the longest of (a) the work spread over every slot (each request
0.15 s + 0.3 s per mutation, at most 25 mutations each) and (b) the chain each order waits through: the board
read (2 requests), its group (a read and the create), the look-up by key, an item request, then its
subitems' request.

``binding`` (acceptance 2): 800 orders / 2,400 sizes of five customers under a binding budget, for each way
the emulator rounds reset hints, at a 6 s window (6,000,000 points, real time) and at monday's 60 s window
(10,000,000 points, time scaled down 10x on the emulator's clock and the client's budget clock alike, so the
ratios are a real-time run's). Prints 429s and the share of the budget used over the run's complete windows
(see scripts/bench_monday.py).

Not a test: it prints figures. The old system managed 0.6 records/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import xlsxwriter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.config import load_config
from shared.excel import ingest_files
from shared.monday import MondayClient
from shared.monday_emulator import MondayEmulator  # noqa: E402
from shared.store import open_store
from shared.sync import RunSummary
from shared.sync.engine import sync_pending

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench"
UNBOUND = 2_000_000_000  # a budget no small sync binds (complexity figures are 32-bit integers)
CUSTOMERS = ("GREYSON", "B'HOOD", "TITLE NINE", "JOHNNIE-O", "NORTHWIND OUTFITTERS")
SIZES = ("XS", "S", "M", "L", "XL", "2XL")
HEADER = ("AAG ORDER NUMBER", "CUSTOMER NAME", "CUSTOMER SEASON", "PO NUMBER", "CUSTOMER STYLE",
          "CUSTOMER COLOUR DESCRIPTION", "PLANNED DELIVERY METHOD", "ETA CUSTOMER WAREHOUSE DATE",
          "EX FACTORY DATE", "ORDER TYPE", "CUSTOMER PRICE", "NOTES", "UNIT OF MEASURE")


def write_order_list(path: Path, orders: int, sizes: int, customers: int) -> None:
    with xlsxwriter.Workbook(str(path)) as book:
        sheet = book.add_worksheet("MASTER")
        columns = (*HEADER, *SIZES[:sizes], "TOTAL QTY")
        for column, name in enumerate(columns):
            sheet.write_string(0, column, name)
        for number in range(orders):
            quantities = [12 * (1 + (number + size) % 5) for size in range(sizes)]
            row = (f"AAG-{50000 + number}", CUSTOMERS[number % customers], "SS27", f"PO-{number}",
                   f"ST-{number:05}", ("NAVY", "WHITE", "OLIVE")[number % 3],
                   ("SEA", "AIR", "COURIER")[number % 3], f"2027-0{1 + number % 9}-15",
                   f"2027-0{1 + number % 9}-01", ("ACTIVE", "REPEAT")[number % 2],
                   f"{10 + number % 40}.50", "", "EA", *quantities, sum(quantities))
            for column, value in enumerate(row):
                sheet.write(number + 1, column, value)


async def sync_everything(config, emulator: MondayEmulator) -> RunSummary:
    """What ``run_sync`` does (plan, then the batches side by side on one client), with the client's budget on
    the emulator's clock (scaled time)."""
    summary = RunSummary()
    with open_store(config) as store:
        async with MondayClient(config, url=emulator.url, token=TOKEN) as client:
            client.budget.clock, client.budget.speed = emulator.timing.clock, emulator.timing.scale
            await sync_pending(config, store, client, summary)
    return summary.finish()


async def run(args, orders: int, customers: int, budget: int, window: float, rounding: str, scale: float
              ) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        config = load_config(ROOT / "configs" / "sync_order_list.toml", "development")
        config = replace(config, environment=replace(config.environment,
                                                     database=f"sqlite:///{Path(folder) / 'bench.db'}"))
        workbook = Path(folder) / "bench.xlsx"
        write_order_list(workbook, orders, args.sizes, customers)
        report = ingest_files(config, [workbook]).files[0]
        async with MondayEmulator(latency=args.latency, request_latency=args.request_latency,
                                  complexity_budget=budget, window_seconds=window, reset_rounding=rounding,
                                  time_scale=scale) as emulator:
            started = emulator.timing.clock()
            summary = await sync_everything(config, emulator)
            seconds = emulator.timing.clock() - started
            windows = emulator.budget.windows()
    records = report.new + report.lines_new
    complete = windows[:-1]
    given = budget * (windows[-1][0] - windows[0][0]) / window
    return {
        "orders": report.new, "sizes": report.lines_new, "customers": customers, "ok": summary.ok,
        "records_written": summary.records_written, "records": records, "seconds": round(seconds, 2),
        "records_per_second": round(summary.records_written / seconds, 2),
        "requests": summary.requests, "requests_per_record": round(summary.requests / max(records, 1), 4),
        "http_429": emulator.counters.http_429, "window_seconds": window, "rounding": rounding,
        "time_scale": scale, "budget": budget, "windows": round(seconds / window, 2),
        "budget_used": round(sum(points for _, points in complete) / given, 4) if given else None,
        "ceiling": ceiling(config, args, orders, customers),
        "concurrency": config.monday.max_concurrent_requests,
    }


def ceiling(config, args, orders: int, customers: int) -> float:
    """Records per second no client could beat here (see the module's docstring)."""
    per_request, per_mutation = args.request_latency, args.latency
    most = config.monday.mutations_per_request
    parents_per_request = max(1, most // args.sizes)  # a parent's subitems travel in one request
    batches = sum(math.ceil(math.ceil(orders / customers) / config.sync.orders_per_message)
                  for _ in range(customers))
    item_requests = max(batches, math.ceil(orders / most))
    subitem_requests = max(batches, math.ceil(orders / parents_per_request))
    mutations = customers + orders * (1 + args.sizes)
    requests = 2 + 2 * customers + batches + item_requests + subitem_requests
    work = (requests * per_request + mutations * per_mutation) / config.monday.max_concurrent_requests
    item_request = per_request + per_mutation * min(most, math.ceil(orders / batches))
    subitem_request = per_request + per_mutation * min(parents_per_request * args.sizes,
                                                        math.ceil(orders / batches) * args.sizes)
    chain = 2 * per_request + (2 * per_request + per_mutation) + per_request + item_request + subitem_request
    return round(orders * (1 + args.sizes) / max(work, chain), 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", choices=("small", "binding"), default=["small", "binding"])
    parser.add_argument("--orders", type=int, help="orders (small: 100, binding: 800)")
    parser.add_argument("--sizes", type=int, default=3, choices=range(1, len(SIZES) + 1))
    parser.add_argument("--customers", type=int, help="customers (small: 1, binding: 5)")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per mutation (monday: ~0.3)")
    parser.add_argument("--request-latency", type=float, default=0.15, help="seconds per request")
    parser.add_argument("--windows", type=float, nargs="+", default=[6.0, 60.0])
    parser.add_argument("--roundings", nargs="+", default=["up", "nearest", "down"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results, ok = [], True
    if "small" in args.scenarios:
        small = asyncio.run(run(args, args.orders or 100, args.customers or 1, UNBOUND, 60.0, "up", 1.0))
        results.append(small)
        ok &= small["ok"] and small["records_per_second"] >= 15 and small["requests_per_record"] <= 0.06
        if not args.json:
            print(f"small sync: {small['orders']} orders + {small['sizes']} sizes of {small['customers']} "
                  f"customer(s), 0.15 s per request + 0.3 s per mutation, {small['concurrency']} requests in "
                  f"flight, budget not binding")
            print(f"  {small['records_per_second']:.1f} records/s (ceiling {small['ceiling']:.1f}, "
                  f"target 15), {small['requests']} requests = {small['requests_per_record']:.4f} per record "
                  f"(target <= 0.06), {small['seconds']:.1f} s, ok={small['ok']}")
    if "binding" in args.scenarios:
        if not args.json:
            print(f"binding budget: {args.orders or 800} orders x {args.sizes} sizes of "
                  f"{args.customers or 5} customers")
            print(f"{'window':>7} {'rounding':>8} {'records':>8} {'rec/s':>6} {'req/rec':>7} {'429s':>5} "
                  f"{'windows':>7} {'budget used':>11}")
        for window in args.windows:
            budget, scale = (6_000_000, 1.0) if window < 30 else (10_000_000, 10.0)
            for rounding in args.roundings:
                result = asyncio.run(run(args, args.orders or 800, args.customers or 5, budget, window,
                                         rounding, scale))
                results.append(result)
                ok &= result["ok"] and result["http_429"] == 0 and (result["budget_used"] or 0) >= 0.9
                if not args.json:
                    print(f"{window:>6g}s {rounding:>8} {result['records_written']:>8} "
                          f"{result['records_per_second']:>6.1f} {result['requests_per_record']:>7.4f} "
                          f"{result['http_429']:>5} {result['windows']:>7.2f} {result['budget_used']:>10.1%}")
    if args.json:
        print(json.dumps(results, indent=2))
    print("goals (small: >= 15 records/s and <= 0.06 requests per record; binding: 0 x 429, >= 90 % of the "
          "budget used):", "met" if ok else "NOT met", file=sys.stderr if args.json else sys.stdout)
    return 0 if ok else 1


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    sys.exit(code)
