"""Pacing benchmark: the monday client against the emulator with a deliberately small complexity budget.

    .venv/bin/python scripts/bench_monday.py [--items 400] [--subitems-per-item 4] [--budget 6000000]
                                             [--window 5] [--latency 0.02] [--json]

Creates the items, then their subitems (2,000 mutations by default), and prints: mutations, requests,
requests per record, HTTP 429 answers, budget waits, complexity spent, and the share of the budget the run was
given that it used. "Given" is the budget per window times the run's length in windows (the time from the
first write to the last answer, over the window length), so time lost waiting past a reset counts against the
client. Goal: 0 × 429 and >= 90 % used.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.config import load_config
from shared.monday import ItemCreate, MondayClient, SubitemCreate
from shared.monday_emulator import MondayEmulator, new_token  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


async def bench(args: argparse.Namespace) -> dict:
    config = load_config(ROOT / "configs" / "sync_order_list.toml", "development")
    token = new_token()
    async with MondayEmulator(token=token, complexity_budget=args.budget, window_seconds=args.window,
                              latency=args.latency) as emulator:
        group = emulator.add_group(config.environment.board_id, "BENCH SS26")  # no request: the run's
        async with MondayClient(config, url=emulator.url, token=token) as client:  # first call opens a window
            started = time.monotonic()
            items = [ItemCreate(f"o{i}", group, f"STYLE {i} NAVY", f"BENCH-{i}",
                                {"numbers_total_qty": str(10 * i), "date_eta": "2026-05-01",
                                 "status_delivery": "SEA", "text_customer": "BENCH"})
                     for i in range(args.items)]
            created = await client.create_items(items)
            subitems = [SubitemCreate(f"o{i}-{s}", result.monday_id, f"SIZE {s}",
                                      {"text_size": f"SIZE {s}", "numbers_qty": str(s + 1)})
                        for i, result in enumerate(created) if result.ok
                        for s in range(args.subitems_per_item)]
            subitem_results = await client.create_subitems(subitems)
            elapsed = time.monotonic() - started
    counters = emulator.counters
    records = len(items) + len(subitems)
    given = args.budget * elapsed / args.window
    return {
        "mutations": counters.mutations,
        "records_ok": sum(r.ok for r in created) + sum(r.ok for r in subitem_results),
        "records": records,
        "requests": counters.requests,
        "requests_per_record": round(counters.requests / records, 4),
        "http_429": counters.http_429,
        "budget_waits": client.stats.budget_waits,
        "seconds": round(elapsed, 2),
        "complexity_spent": counters.complexity_spent,
        "budget_given": round(given),
        "budget_used_ratio": round(counters.complexity_spent / given, 4),
        "settings": {"budget": args.budget, "window_seconds": args.window, "latency": args.latency,
                     "mutations_per_request": config.monday.mutations_per_request,
                     "max_concurrent_requests": config.monday.max_concurrent_requests},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=400)
    parser.add_argument("--subitems-per-item", type=int, default=4)
    parser.add_argument("--budget", type=int, default=6_000_000, help="complexity points per window")
    parser.add_argument("--window", type=float, default=5.0, help="window length in seconds (monday: 60)")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds per mutation in the emulator")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(bench(args))
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, value in figures.items():
            print(f"{name:>22}: {value}")
    ok = figures["http_429"] == 0 and figures["budget_used_ratio"] >= 0.9 and figures["records_ok"] == \
        figures["records"]
    print("goal (0 x 429, >= 90 % of the budget used, every record written):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
