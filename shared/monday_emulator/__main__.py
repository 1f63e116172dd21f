"""``python -m shared.monday_emulator --port 8765``: serve the emulator until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .server import MondayEmulator, new_token


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.monday_emulator",
                                     description="A local monday.com API v2 (the development order book).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", help="the Authorization value to demand (default: a new random one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per mutation (monday: 0.3-1.5)")
    parser.add_argument("--budget", type=int, default=10_000_000, help="complexity points per window")
    parser.add_argument("--window", type=float, default=60.0, help="seconds in a budget / rate window")
    parser.add_argument("--requests-per-window", type=int, help="requests allowed per window")
    parser.add_argument("--max-concurrency", type=int, help="requests allowed in flight at once")
    parser.add_argument("--daily-limit", type=int, help="calls allowed per UTC day")
    parser.add_argument("--index-lag", type=float, default=0.0,
                        help="seconds before items_page_by_column_values finds a new item")
    args = parser.parse_args(argv)
    token = args.token or new_token()
    emulator = MondayEmulator(token=token, host=args.host, port=args.port, latency=args.latency,
                              complexity_budget=args.budget, window_seconds=args.window,
                              requests_per_window=args.requests_per_window,
                              max_concurrency=args.max_concurrency,
                              daily_limit=args.daily_limit, index_lag=args.index_lag)

    async def serve() -> None:
        async with emulator:
            print(f"monday emulator listening on {emulator.url}", flush=True)
            print(f"token: {token}", flush=True)
            print(f"  export MONDAY_API_URL={emulator.url} MONDAY_API_TOKEN={token}", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
