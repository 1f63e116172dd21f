"""Generate the sample order lists in samples/ (deterministic; run again to recreate them byte for byte).

    python scripts/make_samples.py [--out samples]

Four workbooks shaped like the production order lists: several customers (some rows under an alias, one
customer the configuration does not know), differing column orders and size sets, a sheet named MASTER in most
but not all files, title rows above the header, stray spaces in header names, Excel dates and text dates, long
notes. :func:`write_modified_copy` writes a copy of one sample with a few known changes, for tests.
"""

from __future__ import annotations

import argparse
import datetime
import random
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
SEED = 20260701
SIZES_AFTER, SIZES_BEFORE = "UNIT OF MEASURE", "TOTAL QTY"
ETA = "ETA CUSTOMER WAREHOUSE DATE"
DATE_COLUMNS = ("ORDER DATE PO RECEIVED", ETA, "EX FACTORY DATE")

SIZE_SETS = {
    "adult": ("XS", "S", "M", "L", "XL", "2XL"),
    "kids": ("S(6-8)", "M(10-12)", "L(14-16)"),
    "baby": ("3/6 MTHS", "6/12 MTHS", "12/18 MTHS"),
    "bras": ("32DD", "34B", "34C", "36C"),
    "waist": ("30/32", "32/32", "34/32", "36/32"),
    "one size": ("One Sz",),
    "accessory": ("O/S",),
}
BEFORE_SIZES = (
    "AAG ORDER NUMBER", "CUSTOMER NAME", "ORDER DATE PO RECEIVED", "PO NUMBER", "CUSTOMER ALT PO",
    "AAG SEASON", "CUSTOMER SEASON", "DROP", "MONTH", "RANGE / COLLECTION", "CATEGORY", "PATTERN ID",
    "PLANNER", "MAKE OR BUY", "ALIAS/RELATED ITEM", "CUSTOMER STYLE", "STYLE DESCRIPTION",
    "CUSTOMER'S COLOUR CODE (CUSTOM FIELD) CUSTOMER PROVIDES THIS", "CUSTOMER COLOUR DESCRIPTION",
)
AFTER_SIZES = (
    "DESTINATION", "DESTINATION WAREHOUSE", "ALLOCATION (CHANNEL)", ETA, "EX FACTORY DATE", "DELIVERY TERMS",
    "PLANNED DELIVERY METHOD", "NOTES", "ORDER TYPE", "CUSTOMER PRICE", "FINAL FOB (USD)", "FREIGHT",
    "HS CODE",
)
COLOURS = ("BLACK", "NAVY", "HEATHER GREY", "WHITE", "OLIVE", "SAND", "BURGUNDY", "SKY BLUE")
GARMENTS = ("POLO", "TEE", "HOODIE", "JOGGER", "SPORTS BRA", "CHINO", "ROMPER", "BEANIE", "QUARTER ZIP")
LONG_NOTE = ("Customer asked to hold the shipment until the revised care labels are approved; the factory "
             "confirmed the trims on the last call, packing is by size ratio per carton, and the hang tags "
             "must carry the new barcode format. Re-check the carton marks against the routing guide before "
             "booking, and copy the merchandiser on every change to the ex-factory date. ")


@dataclass
class SampleFile:
    name: str
    sheet: str
    customers: tuple[tuple[str, tuple[str, ...]], ...]  # (canonical or unknown name, spellings used in rows)
    size_sets: tuple[str, ...]
    orders: int
    first_order: int
    title_rows: tuple[str, ...] = ()
    text_dates: str = ""  # "", "us" (M/D/YYYY) or "iso"
    spaced_headers: bool = False
    shuffle_columns: bool = False
    leading_sheet: str | None = None  # a sheet without the header, placed before the order sheet
    rows: list[dict[str, object]] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)


SAMPLES = (
    SampleFile("greyson_title_nine.xlsx", "MASTER",
               (("GREYSON", ("GREYSON", "Greyson Clothiers LLC", "GREYSON CLOTHIERS")),
                ("TITLE NINE", ("TITLE NINE", "Title Nine Inc.", "TITLE 9"))),
               ("adult", "bras", "one size"), orders=110, first_order=10001),
    SampleFile("bhood_kids_baby.xlsx", "MASTER",
               (("B'HOOD", ("B'HOOD", "Brotherhood Apparel", "BHOOD")),),
               ("baby", "kids", "adult"), orders=90, first_order=20001,
               title_rows=("B'HOOD ORDER LIST", "Exported from the planning system"), text_dates="us",
               spaced_headers=True),
    SampleFile("johnnie_o.xlsx", "Orders",
               (("JOHNNIE-O", ("JOHNNIE-O", "johnnie-O LLC", "JOHNNIE O")),),
               ("waist", "adult", "accessory"), orders=80, first_order=30001, shuffle_columns=True,
               leading_sheet="README"),
    SampleFile("mixed_customers.xlsx", "MASTER",
               (("GREYSON", ("GREYSON",)), ("B'HOOD", ("B'HOOD",)),
                ("NORTHWIND OUTFITTERS", ("NORTHWIND OUTFITTERS",))),
               ("adult", "one size", "kids"), orders=70, first_order=40001, title_rows=("MIXED ORDERS",),
               text_dates="iso", shuffle_columns=True),
)


def build(sample: SampleFile) -> SampleFile:
    """Fill in ``sample.columns`` and ``sample.rows`` (deterministic for the sample's name)."""
    rnd = random.Random(f"{SEED}:{sample.name}")
    sizes = [size for name in sample.size_sets for size in SIZE_SETS[name]]
    before, after = list(BEFORE_SIZES), list(AFTER_SIZES)
    if sample.shuffle_columns:
        rnd.shuffle(before)
        rnd.shuffle(after)
    sample.columns = [*before, SIZES_AFTER, *sizes, SIZES_BEFORE, *after]
    sample.rows = [order_row(rnd, sample, number) for number in range(sample.orders)]
    return sample


def order_row(rnd: random.Random, sample: SampleFile, number: int) -> dict[str, object]:
    customer, spellings = sample.customers[number % len(sample.customers)]
    size_set = SIZE_SETS[sample.size_sets[number % len(sample.size_sets)]]
    order_number = f"AAG-{sample.first_order + number // 2}"  # two style lines per order number
    garment = rnd.choice(GARMENTS)
    received = datetime.date(2026, 1, 5) + datetime.timedelta(days=rnd.randrange(0, 120))
    ex_factory = received + datetime.timedelta(days=rnd.randrange(45, 90))
    season = rnd.choice(("SS27", "FW27"))
    quantities = {size: rnd.choice((0, 0, 6, 12, 24, 36, 48, 60, 120)) for size in size_set}
    quantities[rnd.choice(size_set)] = rnd.choice((12, 24, 36))  # never an order without quantity
    price = rnd.choice((12, 14.5, 18.25, 22, 9.99, 31.5))
    return {
        "AAG ORDER NUMBER": order_number,
        "CUSTOMER NAME": rnd.choice(spellings),
        "ORDER DATE PO RECEIVED": received,
        "PO NUMBER": f"PO{rnd.randrange(100000, 999999)}",
        "CUSTOMER ALT PO": rnd.choice(("", f"ALT-{rnd.randrange(1000, 9999)}")),
        "AAG SEASON": season,
        "CUSTOMER SEASON": rnd.choice(("", season.replace("SS", "SPRING 20").replace("FW", "FALL 20"))),
        "DROP": f"DROP {rnd.randrange(1, 4)}",
        "MONTH": received.strftime("%B").upper(),
        "RANGE / COLLECTION": rnd.choice(("CORE", "GOLF", "RESORT", "ESSENTIALS")),
        "CATEGORY": garment,
        "PATTERN ID": f"P{rnd.randrange(1000, 9999)}",
        "PLANNER": rnd.choice(("ANNA", "RAVI", "MEI", "TOM")),
        "MAKE OR BUY": rnd.choice(("MAKE", "BUY")),
        "ALIAS/RELATED ITEM": "",
        "CUSTOMER STYLE": f"{customer[:3].replace(chr(39), '')}-{garment[:2]}{number:04d}",
        "STYLE DESCRIPTION": f"{rnd.choice(('MENS', 'WOMENS', 'KIDS'))} {garment}",
        "CUSTOMER'S COLOUR CODE (CUSTOM FIELD) CUSTOMER PROVIDES THIS": f"C{rnd.randrange(100, 999)}",
        "CUSTOMER COLOUR DESCRIPTION": rnd.choice(COLOURS),
        SIZES_AFTER: "EA",
        **quantities,
        SIZES_BEFORE: sum(quantities.values()),
        "DESTINATION": rnd.choice(("USA", "CANADA", "UK")),
        "DESTINATION WAREHOUSE": rnd.choice(("LA DC", "NJ DC", "TORONTO 3PL")),
        "ALLOCATION (CHANNEL)": rnd.choice(("WHOLESALE", "ECOM", "RETAIL")),
        ETA: ex_factory + datetime.timedelta(days=rnd.randrange(14, 40)),
        "EX FACTORY DATE": ex_factory,
        "DELIVERY TERMS": rnd.choice(("FOB", "DDP", "EXW")),
        "PLANNED DELIVERY METHOD": rnd.choice(("SEA", "SEA", "AIR", "COURIER")),
        "NOTES": rnd.choice(("", "", "Rush", LONG_NOTE, "Check trims  ")),
        "ORDER TYPE": rnd.choice(("ACTIVE", "ACTIVE", "REPEAT", "SAMPLE")),
        "CUSTOMER PRICE": price,
        "FINAL FOB (USD)": round(price * 0.55, 2),
        "FREIGHT": rnd.choice((0.35, 0.5, 1.2)),
        "HS CODE": rnd.choice(("6109.10.0012", "6110.20.2079", "6203.42.4016")),
    }


def write(sample: SampleFile, path: Path) -> None:
    with xlsxwriter.Workbook(str(path)) as book:
        book.set_properties({"created": datetime.datetime(2026, 7, 1)})  # fixed, so the bytes repeat
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        if sample.leading_sheet:
            book.add_worksheet(sample.leading_sheet).write(0, 0, "Order list exported for the order sync.")
        sheet = book.add_worksheet(sample.sheet)
        for row, title in enumerate(sample.title_rows):
            sheet.write_string(row, 0, title)
        header_row = len(sample.title_rows) + (1 if sample.title_rows else 0)  # a blank row below titles
        for column, name in enumerate(sample.columns):
            shown = f" {name.replace(' ', '  ', 1)} " if sample.spaced_headers and column % 3 == 0 else name
            sheet.write_string(header_row, column, shown)
        for offset, values in enumerate(sample.rows):
            row = header_row + 1 + offset
            for column, name in enumerate(sample.columns):
                write_cell(sheet, row, column, values.get(name), name, sample.text_dates, date_format)


def write_cell(sheet, row: int, column: int, value: object, name: str, text_dates: str, date_format) -> None:
    if value is None or value == "":
        return
    if isinstance(value, datetime.date):
        if text_dates == "us" and name == ETA:
            sheet.write_string(row, column, f"{value.month}/{value.day}/{value.year}")
        elif text_dates == "iso" and name != "ORDER DATE PO RECEIVED":
            sheet.write_string(row, column, value.isoformat())
        else:
            sheet.write_datetime(row, column, datetime.datetime.combine(value, datetime.time()), date_format)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    else:
        sheet.write_string(row, column, str(value))


def sample_by_name(name: str) -> SampleFile:
    for sample in SAMPLES:
        if sample.name == name:
            return build(SampleFile(**{**sample.__dict__, "rows": [], "columns": []}))
    raise KeyError(name)


@dataclass(frozen=True)
class Modification:
    """What :func:`write_modified_copy` changed, by worksheet row number and column."""

    quantity_changed: tuple[int, str, int, int]  # row, size, old qty, new qty
    size_zeroed: tuple[int, str]  # row, size
    eta_moved: tuple[int, datetime.date, datetime.date]  # row, old ETA, new ETA
    new_order_row: int  # the row of the added order (the last row)


def write_modified_copy(name: str, target: Path) -> Modification:
    """A copy of sample ``name``: one quantity changed, one size zeroed, one ETA moved, one new order."""
    sample = sample_by_name(name)
    first_data_row = len(sample.title_rows) + (2 if sample.title_rows else 1) + 1
    sizes = [size for set_name in sample.size_sets for size in SIZE_SETS[set_name]]
    filled = [(index, size) for index, row in enumerate(sample.rows) for size in sizes if row.get(size)]
    (changed_index, changed_size), (zeroed_index, zeroed_size) = filled[0], filled[-1]
    changed, zeroed = sample.rows[changed_index], sample.rows[zeroed_index]
    old_quantity = changed[changed_size]
    changed[changed_size] = old_quantity + 7
    changed[SIZES_BEFORE] += 7
    zeroed[SIZES_BEFORE] -= zeroed[zeroed_size]
    zeroed[zeroed_size] = 0
    moved_index = len(sample.rows) // 2
    old_eta = sample.rows[moved_index][ETA]
    sample.rows[moved_index][ETA] = old_eta + datetime.timedelta(days=10)
    new_order = dict(sample.rows[0], **{"AAG ORDER NUMBER": "AAG-99999", "CUSTOMER STYLE": "NEW-STYLE-1"})
    sample.rows.append(new_order)
    write(sample, target)
    return Modification((first_data_row + changed_index, changed_size, old_quantity, old_quantity + 7),
                        (first_data_row + zeroed_index, zeroed_size),
                        (first_data_row + moved_index, old_eta, old_eta + datetime.timedelta(days=10)),
                        first_data_row + len(sample.rows) - 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "samples", help="output folder (default: samples)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for sample in SAMPLES:
        path = args.out / sample.name
        write(sample_by_name(sample.name), path)
        print(f"{path}: {sample.orders} orders, {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
