"""Loads and checks ``configs/sync_order_list.toml``: one file, several environments.

Every problem is reported as a :class:`ConfigError` naming the file and the key. Secrets never live here:
the monday token and SQL passwords come from environment variables / app settings only.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any

from ..common.errors import ConfigError
from .settings import (
    PROVISION_TYPES,
    Config,
    Customer,
    Environment,
    ExcelSettings,
    MondaySettings,
    OrderSettings,
    SyncSettings,
    known_columns,
    name_key,
    normalise_name,
)
from .templates import Template, TemplateSyntaxError

_MONDAY_ID = re.compile(r"^[A-Za-z0-9_]{1,100}$")
_BOARD_ID = re.compile(r"^[0-9]{1,20}$")
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,115}$")

DEFAULT_CONFIG_PATH = Path("configs/sync_order_list.toml")
LINE_FIELDS = ("size_code", "qty")

def load_config(path: str | os.PathLike | None = None, environment: str | None = None) -> Config:
    """Read the TOML at ``path`` (else $ORDERSYNC_CONFIG, else configs/sync_order_list.toml)."""
    path = Path(path or os.environ.get("ORDERSYNC_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "(file)", "no such file; set ORDERSYNC_CONFIG or pass --config") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, "(file)", f"cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "(file)", f"is not valid TOML: {exc}") from None
    return _Loader(path).build(raw, environment or os.environ.get("ORDERSYNC_ENV"))


class _Loader:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(self.path, key, problem)

    # -- small typed readers ---------------------------------------------------------------------------------
    def table(self, raw: Any, key: str, allowed: set[str], required: set[str] = frozenset()) -> dict:
        if not isinstance(raw, dict):
            raise self.fail(key, "must be a table")
        for name in raw:
            if name not in allowed:
                raise self.fail(f"{key}.{name}" if key else name,
                                f"unknown key (allowed: {', '.join(sorted(allowed))})")
        for name in sorted(required - raw.keys()):
            raise self.fail(f"{key}.{name}" if key else name, "is required")
        return raw

    def text(self, raw: Any, key: str, pattern: re.Pattern | None = None, what: str = "") -> str:
        if not isinstance(raw, str) or not raw.strip():
            raise self.fail(key, "must be a non-empty string")
        if pattern and not pattern.match(raw):
            raise self.fail(key, f"{raw!r} is not {what}")
        return raw

    def names(self, raw: Any, key: str, allow_empty: bool = False) -> tuple[str, ...]:
        if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() for v in raw):
            raise self.fail(key, "must be a list of non-empty strings")
        if not raw and not allow_empty:
            raise self.fail(key, "must not be empty")
        return tuple(normalise_name(v) for v in raw)

    def integer(self, raw: Any, key: str, low: int, high: int) -> int:
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
            raise self.fail(key, f"must be a whole number from {low} to {high}")
        return raw

    def number(self, raw: Any, key: str, low: float, high: float) -> float:
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not low <= raw <= high:
            raise self.fail(key, f"must be a number from {low} to {high}")
        return float(raw)

    def choice(self, raw: Any, key: str, allowed: tuple[str, ...]) -> str:
        if raw not in allowed:
            raise self.fail(key, f"must be one of {', '.join(repr(a) for a in allowed)}")
        return raw

    def template(self, raw: Any, key: str) -> Template:
        try:
            return Template.parse(raw)
        except TemplateSyntaxError as exc:
            raise self.fail(key, str(exc)) from None

    # -- sections --------------------------------------------------------------------------------------------
    def build(self, raw: dict, chosen: str | None) -> Config:
        self.table(raw, "",
                   {"default_environment", "environments", "excel", "orders", "customers", "sync", "monday"},
                   {"environments", "orders"})
        environments = self.table(raw["environments"], "environments", set(raw["environments"]) if isinstance(
            raw["environments"], dict) else set())
        if not environments:
            raise self.fail("environments", "must define at least one environment")
        chosen = chosen or raw.get("default_environment")
        if not chosen:
            raise self.fail("default_environment", "is required when ORDERSYNC_ENV is not set")
        if chosen not in environments:
            raise self.fail("environments",
                            f"unknown environment {chosen!r} (defined: {', '.join(environments)})")
        # Check every environment, not only the chosen one, so a typo in production fails in development too.
        envs = {name: self.environment(name, body) for name, body in environments.items()}
        excel = self.excel(raw.get("excel", {}))
        orders = self.orders(raw["orders"])
        customers = self.customers(raw.get("customers", []))
        sync = self.sync(raw.get("sync", {}))
        monday = self.monday(raw.get("monday", {}))
        aliases = self.alias_index(customers)
        for env in envs.values():
            self.check_templates(env, excel, orders, customers)
        # Environments use other boards, so other column ids: an id must be mapped in one of them (a typo
        # fails), and only the chosen environment's ids ever meet a value.
        mapped = {column for env in envs.values()
                  for column in (*env.item_columns.values(), *env.subitem_columns.values())}
        for column in sync.create_labels_if_missing:
            if column not in mapped:
                raise self.fail("sync.create_labels_if_missing",
                                f"{column!r} is not a monday column mapped in any environment")
        environment = envs[chosen]
        database = os.environ.get("ORDERSYNC_DATABASE") or environment.database
        environment = Environment(**{**environment.__dict__, "database": database})
        return Config(self.path, environment, excel, orders, customers, sync, monday, aliases)

    def environment(self, name: str, raw: Any) -> Environment:
        key = f"environments.{name}"
        required = {"database", "orders_table", "lines_table", "board_id", "key_column", "item_columns"}
        self.table(raw, key, required | {"subitem_columns", "column_types"}, required)
        orders_table = self.text(raw["orders_table"], f"{key}.orders_table", _TABLE_NAME,
                                 "a plain table name")
        lines_table = self.text(raw["lines_table"], f"{key}.lines_table", _TABLE_NAME, "a plain table name")
        if orders_table.casefold() == lines_table.casefold():
            raise self.fail(f"{key}.lines_table", "must differ from orders_table")
        key_column = self.text(raw["key_column"], f"{key}.key_column", _MONDAY_ID, "a monday column id")
        item_columns = self.mapping(raw["item_columns"], f"{key}.item_columns",
                                    reserved={key_column: "key_column"})
        subitem_columns = self.mapping(raw.get("subitem_columns", {}), f"{key}.subitem_columns", reserved={})
        for line_field in subitem_columns:
            if line_field not in LINE_FIELDS:
                raise self.fail(f"{key}.subitem_columns.{line_field}",
                                f"unknown line field (allowed: {', '.join(LINE_FIELDS)})")
        column_types = self.column_types(raw.get("column_types", {}), f"{key}.column_types",
                                         {key_column, *item_columns.values(), *subitem_columns.values()})
        if column_types.get(key_column, "text") != "text":
            raise self.fail(f"{key}.column_types.{key_column}", "the key column must be a text column")
        return Environment(
            column_types=column_types,
            name=name,
            database=self.text(raw["database"], f"{key}.database"),
            orders_table=orders_table,
            lines_table=lines_table,
            board_id=self.text(str(raw["board_id"]), f"{key}.board_id", _BOARD_ID, "a numeric board id"),
            key_column=key_column,
            item_columns=item_columns,
            subitem_columns=subitem_columns,
        )

    def column_types(self, raw: Any, key: str, mapped: set[str]) -> dict[str, str]:
        """monday column id -> the type ``board provision`` creates it with; only mapped ids, known types."""
        if not isinstance(raw, dict):
            raise self.fail(key, "must be a table of monday column id = column type")
        for column, kind in raw.items():
            if column not in mapped:
                raise self.fail(f"{key}.{column}", "is not a monday column this environment maps "
                                                   "(key_column, item_columns or subitem_columns)")
            if kind not in PROVISION_TYPES:
                raise self.fail(f"{key}.{column}", f"must be one of {', '.join(PROVISION_TYPES)}")
        return dict(raw)

    def mapping(self, raw: Any, key: str, reserved: dict[str, str]) -> dict[str, str]:
        if not isinstance(raw, dict):
            raise self.fail(key, "must be a table of column = monday column id")
        result: dict[str, str] = {}
        targets: dict[str, str] = dict(reserved)
        for source, target in raw.items():
            name = normalise_name(source)
            target = self.text(target, f'{key}."{source}"', _MONDAY_ID, "a monday column id")
            if name in result:
                raise self.fail(f'{key}."{source}"', "is mapped twice (names compare with spaces collapsed)")
            if target in targets:
                raise self.fail(f'{key}."{source}"', f"maps to monday column {target!r}, "
                                                     f"already the target of {targets[target]!r}")
            targets[target] = name
            result[name] = target
        return result

    def excel(self, raw: Any) -> ExcelSettings:
        defaults = ExcelSettings()
        self.table(raw, "excel", set(ExcelSettings.__dataclass_fields__))
        return ExcelSettings(
            sheet=self.text(raw.get("sheet", defaults.sheet), "excel.sheet"),
            sizes_after=normalise_name(
                self.text(raw.get("sizes_after", defaults.sizes_after), "excel.sizes_after")),
            sizes_before=normalise_name(self.text(raw.get("sizes_before", defaults.sizes_before),
                                                  "excel.sizes_before")),
            required_columns=self.names(raw.get("required_columns", list(defaults.required_columns)),
                                        "excel.required_columns"),
            extra_columns=self.names(raw.get("extra_columns", []), "excel.extra_columns", allow_empty=True),
            header_search_rows=self.integer(raw.get("header_search_rows", defaults.header_search_rows),
                                            "excel.header_search_rows", 1, 1000),
            **self.excel_limits(raw, defaults),
        )

    def excel_limits(self, raw: dict, defaults: ExcelSettings) -> dict:
        """The [excel] limits and the complete-list keys; every limit has a floor a real order list passes."""
        limits = {"max_sheet_bytes": (1_000_000, 10_000_000_000), "max_rows": (100, 1_048_576),
                  "max_columns": (50, 16_384), "max_cells": (10_000, 17_179_869_184),
                  "max_sheets": (1, 100_000)}
        values = {name: self.integer(raw.get(name, getattr(defaults, name)), f"excel.{name}", low, high)
                  for name, (low, high) in limits.items()}
        complete = raw.get("complete_lists", defaults.complete_lists)
        if not isinstance(complete, bool):
            raise self.fail("excel.complete_lists", "must be true or false")
        values["complete_lists"] = complete
        fraction = raw.get("max_removed_fraction", defaults.max_removed_fraction)
        values["max_removed_fraction"] = self.number(fraction, "excel.max_removed_fraction", 0, 1)
        return values

    def orders(self, raw: Any) -> OrderSettings:
        self.table(raw, "orders", {"key", "group_name", "item_name", "subitem_name"}, {"key", "group_name",
                                                                                        "item_name"})
        return OrderSettings(
            key=self.names(raw["key"], "orders.key"),
            group_name=self.template(raw["group_name"], "orders.group_name"),
            item_name=self.template(raw["item_name"], "orders.item_name"),
            subitem_name=self.template(raw.get("subitem_name", "{size_code}"), "orders.subitem_name"),
        )

    def customers(self, raw: Any) -> tuple[Customer, ...]:
        if not isinstance(raw, list):
            raise self.fail("customers", "must be an array of tables ([[customers]])")
        result = []
        for index, body in enumerate(raw):
            key = f"customers[{index}]"
            self.table(body, key, {"name", "aliases", "key"}, {"name"})
            result.append(Customer(
                name=normalise_name(self.text(body["name"], f"{key}.name")),
                aliases=self.names(body.get("aliases", []), f"{key}.aliases", allow_empty=True),
                key=self.names(body["key"], f"{key}.key") if "key" in body else None,
            ))
        return tuple(result)

    def alias_index(self, customers: tuple[Customer, ...]) -> dict[str, Customer]:
        index: dict[str, Customer] = {}
        for position, customer in enumerate(customers):
            for alias in (customer.name, *customer.aliases):
                other = index.get(name_key(alias))
                if other is not None and other is not customer:
                    raise self.fail(f"customers[{position}].aliases",
                                    f"{alias!r} already names customer {other.name!r}")
                index[name_key(alias)] = customer
        return index

    def sync(self, raw: Any) -> SyncSettings:
        d = SyncSettings()
        self.table(raw, "sync", set(SyncSettings.__dataclass_fields__))
        labels = raw.get("create_labels_if_missing", [])
        if not isinstance(labels, list) or not all(isinstance(v, str) for v in labels):
            raise self.fail("sync.create_labels_if_missing", "must be a list of monday column ids")
        return SyncSettings(
            orders_per_message=self.integer(raw.get("orders_per_message", d.orders_per_message),
                                            "sync.orders_per_message", 1, 1000),
            max_attempts=self.integer(raw.get("max_attempts", d.max_attempts), "sync.max_attempts", 1, 100),
            create_labels_if_missing=tuple(labels),
            retry_base_seconds=self.integer(raw.get("retry_base_seconds", d.retry_base_seconds),
                                            "sync.retry_base_seconds", 0, 86400),
            retry_max_seconds=self.integer(raw.get("retry_max_seconds", d.retry_max_seconds),
                                           "sync.retry_max_seconds", 0, 7 * 86400),
            claim_timeout_seconds=self.integer(raw.get("claim_timeout_seconds", d.claim_timeout_seconds),
                                               "sync.claim_timeout_seconds", 10, 86400),
            lease_seconds=self.integer(raw.get("lease_seconds", d.lease_seconds), "sync.lease_seconds",
                                       1, 3600),
        )

    def monday(self, raw: Any) -> MondaySettings:
        d = MondaySettings()
        self.table(raw, "monday", set(MondaySettings.__dataclass_fields__))
        return MondaySettings(
            api_version=self.text(raw.get("api_version", d.api_version), "monday.api_version",
                                  re.compile(r"^\d{4}-\d{2}$"), "a version such as 2026-07"),
            mutations_per_request=self.integer(raw.get("mutations_per_request", d.mutations_per_request),
                                               "monday.mutations_per_request", 1, 100),
            max_concurrent_requests=self.integer(
                raw.get("max_concurrent_requests", d.max_concurrent_requests),
                "monday.max_concurrent_requests", 1, 250),
            request_timeout_seconds=self.number(raw.get("request_timeout_seconds", d.request_timeout_seconds),
                                                "monday.request_timeout_seconds", 1, 600),
            max_retries=self.integer(raw.get("max_retries", d.max_retries), "monday.max_retries", 0, 20),
            retry_base_seconds=self.number(raw.get("retry_base_seconds", d.retry_base_seconds),
                                           "monday.retry_base_seconds", 0, 600),
            retry_max_seconds=self.number(raw.get("retry_max_seconds", d.retry_max_seconds),
                                          "monday.retry_max_seconds", 0, 3600),
            max_request_bytes=self.integer(raw.get("max_request_bytes", d.max_request_bytes),
                                           "monday.max_request_bytes", 10_000, 10_000_000),
            lookup_attempts=self.integer(raw.get("lookup_attempts", d.lookup_attempts),
                                         "monday.lookup_attempts", 1, 20),
            lookup_delay_seconds=self.number(raw.get("lookup_delay_seconds", d.lookup_delay_seconds),
                                             "monday.lookup_delay_seconds", 0, 60),
            subitem_removal=self.choice(raw.get("subitem_removal", d.subitem_removal),
                                        "monday.subitem_removal", ("delete", "archive")),
        )

    def check_templates(self, env: Environment, excel: ExcelSettings, orders: OrderSettings,
                        customers: tuple[Customer, ...]) -> None:
        known = known_columns(excel, orders.key, customers, env.item_columns)
        for name in ("group_name", "item_name"):
            for column in sorted(getattr(orders, name).columns - known):
                raise self.fail(f"orders.{name}", f"names column {column!r}, which is not an order column "
                                                  f"(add it to [excel].extra_columns if your files have it)")
        for column in sorted(orders.subitem_name.columns - known - set(LINE_FIELDS)):
            raise self.fail("orders.subitem_name", f"names {column!r}, which is neither a line field "
                                                   f"({', '.join(LINE_FIELDS)}) nor an order column")
