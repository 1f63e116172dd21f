"""``python -m shared.monday_emulator --port 8765``: serve the emulator until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .faults import FAULT_KINDS
from .server import MondayEmulator, new_token
from .timing import ROUNDINGS

# What ``--fault KIND=P`` arms: the request kinds on mutations, and a transient alias error (a permanent one,
# such as ColumnValueException, would fail the record for good instead of testing retries).
_ANY_REQUEST = frozenset({"http_429", "slow"})
_CLI_PARAMS = {"fail_alias": {"code": "INTERNAL_SERVER_ERROR", "message": "Internal server error",
                              "status_code": 500},
               "hang_after": {"seconds": 30.0}}


def fault_option(text: str) -> tuple[str, float]:
    """``KIND=PROBABILITY`` -> (kind, probability); argparse shows the ValueError's message."""
    kind, _, probability = text.partition("=")
    if kind not in FAULT_KINDS:
        raise argparse.ArgumentTypeError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
    try:
        chance = float(probability)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write KIND=PROBABILITY, e.g. http_500_after=0.03"
                                         ) from None
    if not 0.0 <= chance <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: the probability must be between 0 and 1")
    return kind, chance


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m shared.monday_emulator",
                                     description="A local monday.com API v2 (the development order book).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", help="the Authorization value to demand (default: a new random one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per mutation (monday: 0.3-1.5)")
    parser.add_argument("--request-latency", type=float, default=0.0,
                        help="seconds every request takes before it is handled (monday: ~0.15)")
    parser.add_argument("--budget", type=int, default=10_000_000, help="complexity points per window")
    parser.add_argument("--window", type=float, default=60.0, help="seconds in a budget / rate window")
    parser.add_argument("--reset-rounding", choices=ROUNDINGS, default="up",
                        help="how reset hints are rounded to whole seconds (monday does not say)")
    parser.add_argument("--time-scale", type=float, default=1.0,
                        help="run the emulated clock this many times faster (windows, latencies, hints)")
    parser.add_argument("--requests-per-window", type=int, help="requests allowed per window")
    parser.add_argument("--max-concurrency", type=int, help="requests allowed in flight at once")
    parser.add_argument("--daily-limit", type=int, help="calls allowed per UTC day")
    parser.add_argument("--index-lag", type=float, default=0.0,
                        help="seconds before items_page_by_column_values finds a new item")
    parser.add_argument("--fault", type=fault_option, action="append", default=[], metavar="KIND=P",
                        help=f"inject a fault with probability P, repeatable ({', '.join(FAULT_KINDS)})")
    parser.add_argument("--seed", type=int, default=0,
                        help="the fault dice (a run repeats with the same seed)")
    args = parser.parse_args(argv)
    token = args.token or new_token()
    emulator = MondayEmulator(token=token, host=args.host, port=args.port, latency=args.latency,
                              request_latency=args.request_latency, complexity_budget=args.budget,
                              window_seconds=args.window, reset_rounding=args.reset_rounding,
                              time_scale=args.time_scale, requests_per_window=args.requests_per_window,
                              max_concurrency=args.max_concurrency, daily_limit=args.daily_limit,
                              index_lag=args.index_lag, seed=args.seed)
    for kind, probability in args.fault:
        emulator.faults.add(kind, count=None, match=None if kind in _ANY_REQUEST else "mutation",
                            probability=probability, **_CLI_PARAMS.get(kind, {}))

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
