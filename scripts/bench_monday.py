"""Pacing benchmark: the monday client against the emulator under a binding complexity budget, for each way
the emulator may round its reset hints (up, nearest, down), at a 6 s and a 60 s window.

    .venv/bin/python scripts/bench_monday.py [--items 800] [--subitems-per-item 3] [--windows 6 60]
        [--roundings up nearest down] [--budget-6 6000000] [--budget-60 10000000] [--scale-60 10]
        [--latency 0.3] [--request-latency 0.15] [--concurrency N] [--json]

The emulator answers at monday's real service times (0.15 s per request + 0.3 s per mutation). The client
creates the items and, as each item request is answered, that request's subitems (2,400 by default): 3,200
creates, 96,000,000 complexity points. A 6 s window runs in real time with 6,000,000 points per window; the
60 s window (monday's own, 10,000,000 points: a personal token) runs with time scaled down 10x, the emulator's
clock and the client's budget clock both, so hints stay whole seconds of the scaled clock and every ratio is
what a real-time run gives. Printed per run: requests, requests per record, budget probes, HTTP 429 answers,
the run's length in windows, and the share of the budget it used. That share is taken over the run's complete
windows, from the emulator's own record of them: the points charged before the last window opened, over the
budget per window times the time from the first window's start to the last one's, in windows. So a window
not spent to the end, and every moment between one window's end and the next one's first call (the client
waiting past a reset), count against the client; only the last window, which holds just the rest of the work,
is left out. Goal: 0 x 429 and >= 90 % used in every run.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.config import load_config
from shared.monday import ItemCreate, MondayClient, SubitemCreate, WriteResult
from shared.monday_emulator import MondayEmulator, new_token  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


async def bench(args: argparse.Namespace, window: float, rounding: str) -> dict:
    budget = args.budget_6 if window < 30 else args.budget_60
    scale = 1.0 if window < 30 else args.scale_60
    config = load_config(ROOT / "configs" / "sync_order_list.toml", "development")
    if args.concurrency:
        config = dataclasses.replace(config, monday=dataclasses.replace(
            config.monday, max_concurrent_requests=args.concurrency))
    token = new_token()
    async with MondayEmulator(token=token, complexity_budget=budget, window_seconds=window,
                              latency=args.latency, request_latency=args.request_latency,
                              reset_rounding=rounding, time_scale=scale) as emulator:
        group = emulator.add_group(config.environment.board_id, "BENCH SS26")  # no request: the run's
        async with MondayClient(config, url=emulator.url, token=token) as client:  # first call opens a window
            clock = emulator.timing.clock
            client.budget.clock, client.budget.speed = clock, scale
            items = [ItemCreate(f"o{i}", group, f"STYLE {i} NAVY", f"BENCH-{i}",
                                {"numbers_total_qty": str(10 * i), "date_eta": "2026-05-01",
                                 "status_delivery": "SEA", "text_customer": "BENCH"})
                     for i in range(args.items)]
            await client.board_schema()
            started = clock()
            results = await pipeline(client, items, args.subitems_per_item)
            elapsed = clock() - started
    counters = emulator.counters
    records = len(items) * (1 + args.subitems_per_item)
    return {
        "window_seconds": window, "rounding": rounding, "time_scale": scale, "budget": budget,
        "records": records, "records_ok": sum(r.ok for r in results),
        "requests": counters.requests, "requests_per_record": round(counters.requests / records, 4),
        "budget_probes": client.stats.budget_probes, "http_429": counters.http_429,
        "seconds": round(elapsed, 1), "windows": round(elapsed / window, 2),
        "complexity_spent": counters.complexity_spent, **budget_used(emulator, budget, window),
        "concurrency": config.monday.max_concurrent_requests,
    }


def budget_used(emulator: MondayEmulator, budget: int, window: float) -> dict:
    """The share of the budget used over the run's complete windows (all but the last)."""
    windows = emulator.budget.windows()
    complete, last_start = windows[:-1], windows[-1][0]
    given = budget * (last_start - windows[0][0]) / window
    spent = sum(points for _, points in complete)
    return {"complete_windows": len(complete), "budget_given": round(given),
            "budget_used": round(spent / given, 4) if given else None}


async def pipeline(client: MondayClient, items: list[ItemCreate], per_item: int) -> list[WriteResult]:
    """Create the items; each answered item request's subitems go out at once, as the sync does."""
    waiting: list[SubitemCreate] = []
    sends: list[asyncio.Task] = []

    def item_done(result: WriteResult) -> None:
        if result.ok:
            if not waiting:  # the first of this answer: send them all once the answer is read
                sends.append(asyncio.get_running_loop().create_task(send()))
            waiting.extend(SubitemCreate(f"{result.ref}-{s}", result.monday_id, f"SIZE {s}",
                                         {"text_size": f"SIZE {s}", "numbers_qty": str(s + 1)})
                           for s in range(per_item))

    async def send() -> list[WriteResult]:
        await asyncio.sleep(0)
        batch = list(waiting)
        waiting.clear()
        return await client.create_subitems(batch)

    results = await client.create_items(items, on_result=item_done)
    while sends:
        done = sends[:]
        sends.clear()
        for outcome in await asyncio.gather(*done):
            results += outcome
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=800)
    parser.add_argument("--subitems-per-item", type=int, default=3)
    parser.add_argument("--windows", type=float, nargs="+", default=[6.0, 60.0])
    parser.add_argument("--roundings", nargs="+", default=["up", "nearest", "down"])
    parser.add_argument("--budget-6", type=int, default=6_000_000, help="points per window under 30 s")
    parser.add_argument("--budget-60", type=int, default=10_000_000, help="points per window from 30 s")
    parser.add_argument("--scale-60", type=float, default=10.0, help="time runs this much faster from 30 s")
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per mutation (monday: ~0.3)")
    parser.add_argument("--request-latency", type=float, default=0.15, help="seconds per request")
    parser.add_argument("--concurrency", type=int, help="max_concurrent_requests (default: the config's)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runs = [asyncio.run(bench(args, window, rounding))
            for window in args.windows for rounding in args.roundings]
    if args.json:
        print(json.dumps(runs, indent=2))
    else:
        print(f"{'window':>7} {'rounding':>8} {'records':>8} {'requests':>8} {'req/rec':>7} {'probes':>6} "
              f"{'429s':>5} {'windows':>7} {'budget used':>11}")
        for run in runs:
            print(f"{run['window_seconds']:>6g}s {run['rounding']:>8} {run['records_ok']:>8} "
                  f"{run['requests']:>8} {run['requests_per_record']:>7.4f} {run['budget_probes']:>6} "
                  f"{run['http_429']:>5} {run['windows']:>7.2f} {run['budget_used']:>10.1%}")
    ok = all(r["http_429"] == 0 and r["budget_used"] >= 0.9 and r["records_ok"] == r["records"] for r in runs)
    print("goal (0 x 429, >= 90 % of the budget used, every record written, in every run):",
          "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
