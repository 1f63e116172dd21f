"""``retry``: FAILED and parked orders (and their sizes) due again now, attempts reset, once the cause is
fixed; the next ``sync`` (or timer run) takes them."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from ..config import Config
from ..store import open_store
from .customers import close_matches, resolve_customer
from .output import EXIT_OK, UsageError, add_command, print_json


def register(commands: argparse._SubParsersAction) -> None:
    retry = add_command(commands, "retry", cmd_retry,
                        "Make FAILED and parked orders (and their sizes) due now, attempts reset; the next "
                        "sync takes them.")
    retry.add_argument("--order", metavar="KEY", help="the order with this business key")
    retry.add_argument("--customer", help="this customer's failed orders (canonical name or alias)")
    retry.add_argument("--all", action="store_true", help="every failed order")
    retry.add_argument("--json", action="store_true", help="print the counts as JSON")


def cmd_retry(args: argparse.Namespace, config: Config) -> int:
    if not (args.order or args.customer or args.all):
        raise UsageError("say which orders: --order KEY, --customer NAME or --all")
    if args.all and (args.order or args.customer):
        raise UsageError("--all takes every failed order; leave out --order and --customer")
    customer = resolve_customer(config, args.customer)
    with open_store(config) as store:
        if args.order and not store.orders_by_key([args.order]):
            close = close_matches(args.order, store.business_keys())
            hint = f"; did you mean {', '.join(repr(k) for k in close)}?" if close else ""
            raise UsageError(f"no order has the business key {args.order!r}{hint}")
        counts = store.retry_failed(datetime.now(UTC), customer=customer, business_key=args.order)
    if args.json:
        print_json({"orders": counts.orders, "lines": counts.lines})
    elif counts.orders:
        print(f"retry: {counts.orders} orders ({counts.lines} of their sizes) are due now, attempts reset; "
              f"the next sync (or timer run) takes them")
    else:
        print("retry: nothing failed there, nothing to retry")
    return EXIT_OK
