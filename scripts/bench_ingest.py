"""Ingest benchmark: our full ingest against openpyxl merely reading the same workbook, plus peak memory.

    python scripts/bench_ingest.py [--rows 20000] [--memory-rows 100000] [--quick] [--hostile]

Prints, from one run on one machine:
  * openpyxl (read_only, values_only) iterating every cell of a ROWS x 256 workbook;
  * our full ingest of it into a fresh SQLite file, and the ratio (target <= 1.0x);
  * re-ingesting the byte-identical file (a duplicate by content hash) and a re-saved copy with the same data
    but different bytes (parsed and compared by row hash; target <= 0.5x of the openpyxl read);
  * peak RSS of a child process ingesting a MEMORY_ROWS-row workbook (target <= 1 GB).
With --hostile, instead: full-size hostile workbooks (zip bombs of repeated and of unique rows, a cell in
column 1,000,000, one row of a million cells, 100,000 sheets, billion laughs), each ingested by a child
process with the default [excel] limits: its outcome, seconds and peak RSS (target: rejected within seconds,
< 300 MB).
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from make_samples import AFTER_SIZES, BEFORE_SIZES, SIZES_AFTER, SIZES_BEFORE  # noqa: E402

from shared.config import load_config  # noqa: E402
from shared.excel import ingest_files  # noqa: E402

# 57 order columns, 150 sizes, 49 more: 256, the shape of the production lists
ORDER_COLUMNS = [*BEFORE_SIZES, *(f"ORDER FIELD {n}" for n in range(1, 38)), SIZES_AFTER]
SIZE_BASES = ("XXS", "XS", "S", "M", "L", "XL", "2XL", "3XL", "4XL", "5XL", "S(6-8)", "M(10-12)", "L(14-16)",
              "3/6 MTHS", "6/12 MTHS", "12/18 MTHS", "30/32", "32/32", "34/32", "36/32", "32DD", "34B", "34C",
              "36C", "One Sz")
SIZE_COLUMNS = [f"{base}{suffix}" for suffix in ("", " TALL", " SHORT", " PETITE", " PLUS", " WIDE")
                for base in SIZE_BASES]  # 150 opaque size names
REST_COLUMNS = [SIZES_BEFORE, *AFTER_SIZES, *(f"SHIPPING FIELD {n}" for n in range(1, 36))]
HEADER = ORDER_COLUMNS + SIZE_COLUMNS + REST_COLUMNS
CUSTOMERS = ("GREYSON", "B'HOOD", "TITLE NINE", "JOHNNIE-O", "Greyson Clothiers LLC")
DATE_COLUMNS = {"ORDER DATE PO RECEIVED", "ETA CUSTOMER WAREHOUSE DATE", "EX FACTORY DATE"}


def make_workbook(path: Path, rows: int, constant_memory: bool = True) -> None:
    """A realistic order list: ~6-10 non-zero sizes per row, dates, prices, repeated texts."""
    rnd = random.Random(rows)
    with xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory,
                                         "strings_to_formulas": False, "strings_to_urls": False}) as book:
        dates = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet = book.add_worksheet("MASTER")
        sheet.write_row(0, 0, HEADER)
        position = {name: index for index, name in enumerate(HEADER)}
        first_size = position[SIZE_COLUMNS[0]]
        for row in range(1, rows + 1):
            customer = CUSTOMERS[row % len(CUSTOMERS)]
            for index, name in enumerate(ORDER_COLUMNS):
                if name in DATE_COLUMNS:
                    day = datetime.datetime(2026, 1, 1) + datetime.timedelta(days=row % 200)
                    sheet.write_datetime(row, index, day, dates)
                elif name == "AAG ORDER NUMBER":
                    sheet.write_string(row, index, f"AAG-{row:07d}")
                elif name == "CUSTOMER NAME":
                    sheet.write_string(row, index, customer)
                elif name == "CUSTOMER STYLE":
                    sheet.write_string(row, index, f"ST-{row % 5000:05d}")
                elif name == "CUSTOMER COLOUR DESCRIPTION":
                    sheet.write_string(row, index, ("NAVY", "BLACK", "HEATHER GREY")[row % 3])
                else:
                    sheet.write_string(row, index, f"{name[:8]} {rnd.randrange(40)}")
            start = rnd.randrange(0, 140)
            quantities = [rnd.choice((6, 12, 24, 36, 48, 60)) for _ in range(rnd.randint(6, 10))]
            for offset, quantity in enumerate(quantities):
                sheet.write_number(row, first_size + start + offset, quantity)
            for name in REST_COLUMNS:
                index = position[name]
                if name == "TOTAL QTY":
                    sheet.write_number(row, index, sum(quantities))
                elif name in DATE_COLUMNS:
                    sheet.write_datetime(row, index, datetime.datetime(2026, 6, 1) +
                                         datetime.timedelta(days=row % 90), dates)
                elif name == "PLANNED DELIVERY METHOD":
                    sheet.write_string(row, index, ("SEA", "AIR", "COURIER")[row % 3])
                elif name in ("CUSTOMER PRICE", "FINAL FOB (USD)", "FREIGHT"):
                    sheet.write_number(row, index, rnd.choice((12, 14.5, 9.99, 0.35)))
                elif rnd.random() < 0.6:
                    sheet.write_string(row, index, f"{name[:6]} {rnd.randrange(25)}")


def openpyxl_read(path: Path) -> float:
    import openpyxl

    started = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True)
    cells = 0
    for row in book["MASTER"].iter_rows(values_only=True):
        cells += len(row)
    book.close()
    return time.perf_counter() - started


def timed_ingest(config, path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    report = ingest_files(config, [path])
    elapsed = time.perf_counter() - started
    (file_report,) = report.files
    summary = (f"{file_report.outcome}: rows {file_report.rows}, new {file_report.new}, changed "
               f"{file_report.changed}, unchanged {file_report.unchanged}, rejected {file_report.rejected}")
    return elapsed, summary


def config_for(database: Path):
    os.environ["ORDERSYNC_DATABASE"] = f"sqlite:///{database}"
    return load_config(ROOT / "configs" / "sync_order_list.toml")


def child_peak_rss(path: Path, database: Path) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, outcome and message) of a child process ingesting ``path``; the child
    measures its own peak (:func:`own_peak_rss_mb`), so each file gets its own."""
    command = [sys.executable, __file__, "--child-ingest", str(path), str(database)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    answer = output.strip().splitlines()[-1]
    seconds, peak, outcome = answer.split(" ", 2)
    return float(seconds), float(peak), outcome


def own_peak_rss_mb() -> float:
    """This process's peak RSS since it started. Linux's VmHWM belongs to the process image, whereas
    ru_maxrss also counts what a forked child inherited from its parent before exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ingest(path: Path, database: Path) -> None:
    started = time.perf_counter()
    report = ingest_files(config_for(database), [path])
    (file_report,) = report.files
    seconds = time.perf_counter() - started
    peak = own_peak_rss_mb()
    print(f"{seconds:.2f} {peak:.0f} {file_report.outcome}: {file_report.message[:100]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows of the timed workbook (default 20000)")
    parser.add_argument("--memory-rows", type=int, default=100_000,
                        help="rows of the workbook whose peak memory is measured (default 100000)")
    parser.add_argument("--quick", action="store_true", help="2,000 and 10,000 rows: a smoke run")
    parser.add_argument("--hostile", action="store_true", help="time and memory of hostile workbooks")
    parser.add_argument("--child-ingest", nargs=2, metavar=("FILE", "DATABASE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_ingest:
        child_ingest(Path(args.child_ingest[0]), Path(args.child_ingest[1]))
        return
    if args.hostile:
        from hostile_workbooks import measure_hostile

        measure_hostile(child_peak_rss)
        return
    rows, memory_rows = (2_000, 10_000) if args.quick else (args.rows, args.memory_rows)
    with tempfile.TemporaryDirectory(prefix="bench_ingest_") as folder:
        folder = Path(folder)
        original, resaved, big = folder / "orders.xlsx", folder / "orders_resaved.xlsx", folder / "big.xlsx"
        started = time.perf_counter()
        make_workbook(original, rows)
        make_workbook(resaved, rows, constant_memory=False)  # same cells, shared strings: other bytes
        print(f"workbook: {rows} rows x {len(HEADER)} columns, {original.stat().st_size / 1e6:.1f} MB "
              f"(generated in {time.perf_counter() - started:.1f} s)")
        config = config_for(folder / "orders.db")
        baseline = openpyxl_read(original)
        first, first_summary = timed_ingest(config, original)
        duplicate, duplicate_summary = timed_ingest(config, original)
        again, again_summary = timed_ingest(config, resaved)
        print(f"openpyxl read_only, iterate all cells : {baseline:7.2f} s")
        print(f"ingest into fresh SQLite              : {first:7.2f} s  = {first / baseline:.2f}x  "
              f"(target <= 1.0x)  [{first_summary}]")
        print(f"re-ingest, byte-identical file        : {duplicate:7.2f} s  = {duplicate / baseline:.2f}x  "
              f"[{duplicate_summary}]")
        print(f"re-ingest, re-saved file, same data   : {again:7.2f} s  = {again / baseline:.2f}x  "
              f"(target <= 0.5x)  [{again_summary}]")
        make_workbook(big, memory_rows)
        seconds, peak, outcome = child_peak_rss(big, folder / "big.db")
        print(f"peak RSS ingesting {memory_rows} rows   : {peak:7.0f} MB  (target <= 1024 MB; "
              f"{seconds:.1f} s of ingest; {outcome})")


if __name__ == "__main__":
    main()
