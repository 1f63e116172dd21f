"""The app settings the functions read: storage (a connection string locally, the managed identity in
Azure), trigger names and schedules, the monday endpoint. Read once per process and checked, so a bad value
stops the host's indexing with one line naming the setting.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..common.errors import ConfigError
from ..config import DEFAULT_CONFIG_PATH, Config, load_config

if TYPE_CHECKING:
    from azure.storage.blob import BlobServiceClient
    from azure.storage.queue import QueueServiceClient

APP_ROOT = Path(__file__).resolve().parents[2]
STORAGE_SETTING = "AzureWebJobsStorage"  # the host's own storage connection; the triggers use it too
SETTINGS_SOURCE = "app settings"  # what a ConfigError names as its file
BLOB_TRIGGER_SOURCES = ("EventGrid", "LogsAndContainerScan")
POISON_SUFFIX = "-poison"  # the host's name for a queue's poison queue; SYNC_QUEUE must leave room for it
_STORAGE_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")  # containers and queues alike
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class StorageConnection:
    """How the app reaches its storage account: a connection string locally, its managed identity in Azure.

    Mirrors the host's rules for ``AzureWebJobsStorage``: the setting itself is a connection string;
    otherwise ``AzureWebJobsStorage__accountName`` (or ``__blobServiceUri`` and ``__queueServiceUri``) name
    the account and DefaultAzureCredential signs in (``__clientId`` picks a user-assigned identity).
    """

    def __init__(self, environ: Mapping[str, str]):
        self.__connection_string = environ.get(STORAGE_SETTING) or None
        account = environ.get(f"{STORAGE_SETTING}__accountName")
        self.blob_url = environ.get(f"{STORAGE_SETTING}__blobServiceUri") or (
            f"https://{account}.blob.core.windows.net" if account else None)
        self.queue_url = environ.get(f"{STORAGE_SETTING}__queueServiceUri") or (
            f"https://{account}.queue.core.windows.net" if account else None)
        self.client_id = environ.get(f"{STORAGE_SETTING}__clientId") or None

    @property
    def identity_based(self) -> bool:
        return self.__connection_string is None

    def __repr__(self) -> str:  # never the connection string: it holds the account key
        kind = "identity" if self.identity_based else "connection string"
        return f"StorageConnection({kind}, blob_url={self.blob_url!r}, queue_url={self.queue_url!r})"

    @functools.cached_property
    def blob_service(self) -> BlobServiceClient:
        from azure.storage.blob import BlobServiceClient

        if self.__connection_string:
            return BlobServiceClient.from_connection_string(self.__connection_string)
        return BlobServiceClient(self._require(self.blob_url, "blobServiceUri"), credential=self._credential)

    @functools.cached_property
    def queue_service(self) -> QueueServiceClient:
        from azure.storage.queue import QueueServiceClient

        if self.__connection_string:
            return QueueServiceClient.from_connection_string(self.__connection_string)
        return QueueServiceClient(self._require(self.queue_url, "queueServiceUri"),
                                  credential=self._credential)

    @functools.cached_property
    def _credential(self):
        from azure.identity import DefaultAzureCredential

        return DefaultAzureCredential(managed_identity_client_id=self.client_id)

    def _require(self, url: str | None, suffix: str) -> str:
        if not url:
            raise ConfigError(SETTINGS_SOURCE, STORAGE_SETTING,
                              f"is not set: give a connection string (UseDevelopmentStorage=true locally) "
                              f"or, for an identity-based connection, {STORAGE_SETTING}__accountName "
                              f"(or __{suffix})")
        return url


@dataclass(frozen=True)
class AppSettings:
    """Every app setting the functions read (ORDERSYNC_* are read by :func:`shared.config.load_config`)."""

    sync_schedule: str = "0 */5 * * * *"
    reconcile_schedule: str = "0 30 2 * * *"  # nightly, 02:30 UTC: drift on the board lasts a day at most
    sync_queue: str = "order-sync"
    orders_container: str = "orders-inbox"
    archive_container: str = "orders-archive"
    rejected_container: str = "orders-rejected"
    blob_trigger_source: str = "EventGrid"
    plan_after_ingest: bool = True
    monday_api_url: str | None = None  # None: monday's own API
    monday_api_token: str | None = field(default=None, repr=False)
    storage: StorageConnection = field(default_factory=lambda: StorageConnection({}), compare=False)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> AppSettings:
        defaults = cls()

        def text(name: str, default: str) -> str:
            return (environ.get(name) or "").strip() or default

        def storage_name(name: str, default: str, max_length: int = 63) -> str:
            value = text(name, default)
            if not _STORAGE_NAME.match(value) or len(value) > max_length:
                raise ConfigError(SETTINGS_SOURCE, name, f"{value!r} is not a storage name: 3 to "
                                                         f"{max_length} lower-case letters, digits, hyphens")
            return value

        def schedule(name: str, default: str) -> str:
            value = text(name, default)
            if len(value.split()) != 6:
                raise ConfigError(SETTINGS_SOURCE, name,
                                  f"{value!r} is not an NCRONTAB expression of six fields: second minute "
                                  f"hour day month day-of-week (every 5 minutes is '0 */5 * * * *')")
            return value

        source = text("BLOB_TRIGGER_SOURCE", defaults.blob_trigger_source)
        if source not in BLOB_TRIGGER_SOURCES:
            raise ConfigError(SETTINGS_SOURCE, "BLOB_TRIGGER_SOURCE",
                              f"{source!r} is not one of {', '.join(BLOB_TRIGGER_SOURCES)}")
        plan_after_ingest = text("PLAN_AFTER_INGEST", "true").lower()
        if plan_after_ingest not in _TRUE | _FALSE:
            raise ConfigError(SETTINGS_SOURCE, "PLAN_AFTER_INGEST",
                              f"{plan_after_ingest!r} is not true or false")
        return cls(
            sync_schedule=schedule("SYNC_SCHEDULE", defaults.sync_schedule),
            reconcile_schedule=schedule("RECONCILE_SCHEDULE", defaults.reconcile_schedule),
            # the host names the poison queue <queue>-poison, which must fit 63 characters too
            sync_queue=storage_name("SYNC_QUEUE", defaults.sync_queue, 63 - len(POISON_SUFFIX)),
            orders_container=storage_name("ORDERS_CONTAINER", defaults.orders_container),
            archive_container=storage_name("ARCHIVE_CONTAINER", defaults.archive_container),
            rejected_container=storage_name("REJECTED_CONTAINER", defaults.rejected_container),
            blob_trigger_source=source,
            plan_after_ingest=plan_after_ingest in _TRUE,
            monday_api_url=environ.get("MONDAY_API_URL") or None,
            monday_api_token=environ.get("MONDAY_API_TOKEN") or None,
            storage=StorageConnection(environ),
        )


@functools.cache
def app_settings() -> AppSettings:
    return AppSettings.from_environ(os.environ)


@functools.cache
def ordersync_config() -> Config:
    """The TOML named by ORDERSYNC_CONFIG, else the one deployed with the app (whatever the directory)."""
    return load_config(os.environ.get("ORDERSYNC_CONFIG") or APP_ROOT / DEFAULT_CONFIG_PATH)


def reset_settings() -> None:
    """Forget the settings read so far (tests change the environment between cases)."""
    app_settings.cache_clear()
    ordersync_config.cache_clear()
