"""The configuration as the rest of ordersync sees it: frozen settings per section, the chosen environment,
the customers and their aliases, and how names compare (:func:`name_key`). Made by :mod:`.loader`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .templates import Template

# Columns of the production order list. Templates may name these, the columns the config itself mentions,
# and any listed under [excel].extra_columns; anything else is a typo caught at load.
STANDARD_ORDER_COLUMNS = frozenset((
    'AAG ORDER NUMBER', 'CUSTOMER NAME', 'ORDER DATE PO RECEIVED', 'PO NUMBER', 'CUSTOMER ALT PO',
    'AAG SEASON', 'CUSTOMER SEASON', 'DROP', 'MONTH', 'RANGE / COLLECTION', 'CATEGORY', 'PATTERN ID',
    'PLANNER', 'MAKE OR BUY', 'ALIAS/RELATED ITEM', 'CUSTOMER STYLE', 'STYLE DESCRIPTION',
    "CUSTOMER'S COLOUR CODE (CUSTOM FIELD) CUSTOMER PROVIDES THIS", 'CUSTOMER COLOUR DESCRIPTION',
    'UNIT OF MEASURE', 'TOTAL QTY', 'DESTINATION', 'DESTINATION WAREHOUSE', 'ALLOCATION (CHANNEL)',
    'ETA CUSTOMER WAREHOUSE DATE', 'EX FACTORY DATE', 'DELIVERY TERMS', 'PLANNED DELIVERY METHOD', 'NOTES',
    'ORDER TYPE', 'CUSTOMER PRICE', 'FINAL FOB (USD)', 'FREIGHT', 'HS CODE',
))

_SPACES = re.compile(r"\s+")
# The monday column types ``board provision`` may create ([environments.<env>.column_types]).
PROVISION_TYPES = ("text", "long_text", "numbers", "date", "status", "dropdown", "checkbox", "email", "link")

# A password in an ODBC connection string: PWD=... or Password=..., braced ({...}, "}}" inside) or up to ";".
_ODBC_SECRET = re.compile(r"(?i)\b(pwd|password)(\s*=\s*)(\{(?:[^}]|\}\})*\}|[^;]*)")


def normalise_text(text: str) -> str:
    """Text in Unicode compatibility form (NFKC) without format characters (zero-width spaces, BOMs, soft
    hyphens), so look-alike names and keys are one name: full-width ``ＡＢＣ`` is ``ABC``, ``A\u200bB``
    is ``AB``. ASCII text is returned as it is (it is already in that form)."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKC", text)
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def normalise_name(text: str) -> str:
    """Header and customer names compare in NFKC without format characters, white space collapsed."""
    return _SPACES.sub(" ", normalise_text(str(text))).strip()


def name_key(name: str) -> str:
    """Customer names and group titles compare with white space collapsed and case folded."""
    return normalise_name(name).casefold()


def redacted_database(database: str) -> str:
    """The database setting as it may be shown: an ODBC password becomes ``***``."""
    return _ODBC_SECRET.sub(lambda match: f"{match[1]}{match[2]}***", database)


@dataclass(frozen=True)
class Environment:
    name: str
    database: str
    orders_table: str
    lines_table: str
    board_id: str
    key_column: str
    item_columns: Mapping[str, str]  # order column -> monday column id (items board)
    subitem_columns: Mapping[str, str]  # line field -> monday column id (subitems board)
    column_types: Mapping[str, str] = field(default_factory=dict)  # monday column id -> type, for provision

    def __repr__(self) -> str:  # the database string may hold a password: never shown
        shown = {name: redacted_database(value) if name == "database" else value
                 for name, value in self.__dict__.items()}
        return f"Environment({', '.join(f'{name}={value!r}' for name, value in shown.items())})"


@dataclass(frozen=True)
class ExcelSettings:
    sheet: str = "MASTER"
    sizes_after: str = "UNIT OF MEASURE"
    sizes_before: str = "TOTAL QTY"
    required_columns: tuple[str, ...] = ("AAG ORDER NUMBER", "CUSTOMER NAME")
    extra_columns: tuple[str, ...] = ()
    header_search_rows: int = 20
    # Limits a workbook must keep, checked while it is read (a hostile or broken file stops within seconds).
    max_sheet_bytes: int = 1_000_000_000  # uncompressed XML of one part (the sheet, the shared strings ...)
    max_rows: int = 1_048_576  # Excel's own limit
    max_columns: int = 16_384  # Excel's own limit
    max_cells: int = 50_000_000  # non-empty cells of the sheet
    max_sheets: int = 1_000
    # Each accepted file is the complete order list of every customer it holds: missing orders are REMOVED.
    complete_lists: bool = False
    max_removed_fraction: float = 0.5  # a file removing more of a customer's live orders is rejected whole


@dataclass(frozen=True)
class OrderSettings:
    key: tuple[str, ...]
    group_name: Template
    item_name: Template
    subitem_name: Template


@dataclass(frozen=True)
class Customer:
    name: str
    aliases: tuple[str, ...] = ()
    key: tuple[str, ...] | None = None


@dataclass(frozen=True)
class SyncSettings:
    orders_per_message: int = 50
    max_attempts: int = 5
    create_labels_if_missing: tuple[str, ...] = ()
    retry_base_seconds: int = 60  # first retry of a failed order; doubles per attempt
    retry_max_seconds: int = 3600
    claim_timeout_seconds: int = 900  # a planned batch's claim: how long its message may wait in the queue
    lease_seconds: int = 60  # a running worker's claim, renewed every third of it: a dead worker's frees soon


@dataclass(frozen=True)
class MondaySettings:
    api_version: str = "2026-07"
    mutations_per_request: int = 25
    max_concurrent_requests: int = 16  # per client; monday allows 40-250 per account by plan
    request_timeout_seconds: float = 60.0
    max_retries: int = 6
    retry_base_seconds: float = 1.0  # first backoff of a failed request; doubles per attempt, with jitter
    retry_max_seconds: float = 30.0
    max_request_bytes: int = 1_000_000  # a batch request's body stays under this
    lookup_attempts: int = 4  # look-ups of a create whose outcome is unknown (monday's search index lags)
    lookup_delay_seconds: float = 3.0
    subitem_removal: str = "delete"  # or "archive": what happens to the subitem of a removed size


@dataclass(frozen=True)
class Config:
    path: Path
    environment: Environment
    excel: ExcelSettings
    orders: OrderSettings
    customers: tuple[Customer, ...]
    sync: SyncSettings
    monday: MondaySettings
    _aliases: Mapping[str, Customer] = field(default_factory=dict, repr=False)

    def canonical_customer(self, name: str) -> tuple[str, bool]:
        """(canonical name, known?) for a customer name as it appears in a file."""
        customer = self._aliases.get(name_key(name))
        return (customer.name, True) if customer else (normalise_name(name), False)

    def close_customer(self, name: str) -> tuple[str, str] | None:
        """(canonical name, the configured name or alias it is close to) for an unknown customer name that
        looks like a typo of a known one (difflib similarity of 0.8 or more, without case), else None."""
        match = difflib.get_close_matches(name_key(name), self._aliases, n=1, cutoff=0.8)
        if not match:
            return None
        customer = self._aliases[match[0]]
        spelled = next(alias for alias in (customer.name, *customer.aliases) if name_key(alias) == match[0])
        return customer.name, spelled

    def key_columns(self, canonical_customer: str) -> tuple[str, ...]:
        customer = self._aliases.get(name_key(canonical_customer))
        return customer.key if customer and customer.key else self.orders.key


def known_columns(excel: ExcelSettings, key: tuple[str, ...], customers: tuple[Customer, ...],
                   item_columns: Mapping[str, str]) -> frozenset[str]:
    known = set(STANDARD_ORDER_COLUMNS) | set(excel.required_columns) | set(excel.extra_columns)
    known |= {excel.sizes_after, excel.sizes_before} | set(key) | set(item_columns)
    for customer in customers:
        known |= set(customer.key or ())
    return frozenset(known)
