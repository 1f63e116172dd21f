"""The configuration as the rest of ordersync sees it: frozen settings per section, the chosen environment,
the customers and their aliases, and how names compare (:func:`name_key`). Made by :mod:`.loader`.
"""

from __future__ import annotations

import re
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


def normalise_name(text: str) -> str:
    """Header and customer names compare with white space collapsed."""
    return _SPACES.sub(" ", str(text)).strip()


def name_key(name: str) -> str:
    """Customer names and group titles compare with white space collapsed and case folded."""
    return normalise_name(name).casefold()


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


@dataclass(frozen=True)
class ExcelSettings:
    sheet: str = "MASTER"
    sizes_after: str = "UNIT OF MEASURE"
    sizes_before: str = "TOTAL QTY"
    required_columns: tuple[str, ...] = ("AAG ORDER NUMBER", "CUSTOMER NAME")
    extra_columns: tuple[str, ...] = ()
    header_search_rows: int = 20


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
    claim_timeout_seconds: int = 900  # a claim older than this was abandoned by a dead worker


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

    def key_columns(self, canonical_customer: str) -> tuple[str, ...]:
        customer = self._aliases.get(name_key(canonical_customer))
        return customer.key if customer and customer.key else self.orders.key

    @property
    def known_order_columns(self) -> frozenset[str]:
        return known_columns(self.excel, self.orders.key, self.customers, self.environment.item_columns)


def known_columns(excel: ExcelSettings, key: tuple[str, ...], customers: tuple[Customer, ...],
                   item_columns: Mapping[str, str]) -> frozenset[str]:
    known = set(STANDARD_ORDER_COLUMNS) | set(excel.required_columns) | set(excel.extra_columns)
    known |= {excel.sizes_after, excel.sizes_before} | set(key) | set(item_columns)
    for customer in customers:
        known |= set(customer.key or ())
    return frozenset(known)
