"""Times OrderStore.apply_ingest on a fresh SQLite file: a large batch, the same orders again (unchanged),
then with a tenth of them changed. Prints the figures; asserts nothing.

    .venv/bin/python scripts/bench_store.py [--orders 20000] [--columns 150] [--sizes 8]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.common.records import IncomingOrder, IngestBatch  # noqa: E402
from shared.config import load_config
from shared.store import open_store

SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL", "4XL", "5XL", "6XL", "7XL")


def make_batch(orders: int, columns: int, sizes: int, version: str) -> IngestBatch:
    extra = (f"COLUMN {n:03d} (USD) / NOTE'S" for n in range(columns - 2))
    names = ("AAG ORDER NUMBER", "CUSTOMER NAME", *extra)
    rows = []
    for index in range(orders):
        values = {name: f"{name[:6]}-{index}-{version if position == 5 else ''}" for position, name in
                  enumerate(names)}
        values["CUSTOMER NAME"] = "GREYSON"
        order_sizes = {code: index % 7 + 1 for code in SIZES[:sizes]}
        digest = hashlib.sha256(repr((sorted(values.items()), order_sizes)).encode()).hexdigest()
        rows.append(IncomingOrder(f"PO-{index:06d}|AIR|STYLE", "GREYSON", values, order_sizes, digest,
                                  index + 2))
    content_hash = hashlib.sha256(version.encode()).hexdigest()
    return IngestBatch(f"bench-{version}.xlsx", content_hash, names, tuple(rows), orders, 0)


def timed(label: str, work) -> None:
    start = time.perf_counter()
    counts = work()
    print(f"{label:<44} {time.perf_counter() - start:7.2f} s   new={counts.new} changed={counts.changed} "
          f"unchanged={counts.unchanged} lines new={counts.lines_new} changed={counts.lines_changed}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--columns", type=int, default=150)
    parser.add_argument("--sizes", type=int, default=8)
    args = parser.parse_args()
    first = make_batch(args.orders, args.columns, args.sizes, "v1")
    again = dataclasses.replace(first, file_name="bench-resaved.xlsx", content_hash="resaved")
    tenth = set(range(0, args.orders, 10))
    changed = dataclasses.replace(first, file_name="bench-v2.xlsx", content_hash="v2", orders=tuple(
        dataclasses.replace(order, sizes={**order.sizes, "M": 99}, row_hash=order.row_hash[::-1])
        if index in tenth else order for index, order in enumerate(first.orders)))
    with tempfile.TemporaryDirectory() as folder:
        config = load_config(Path(__file__).resolve().parent.parent / "configs" / "sync_order_list.toml")
        environment = dataclasses.replace(config.environment, database=f"sqlite:///{folder}/bench.db")
        config = dataclasses.replace(config, environment=environment)
        with open_store(config) as store:
            print(f"{args.orders} orders x {args.columns} columns x {args.sizes} sizes, fresh SQLite file")
            timed("apply_ingest, fresh file (all new)", lambda: store.apply_ingest(first))
            timed("apply_ingest, same orders again (unchanged)", lambda: store.apply_ingest(again))
            timed("apply_ingest, 10% changed (one size each)", lambda: store.apply_ingest(changed))
        print(f"database file {Path(folder, 'bench.db').stat().st_size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
