"""Shared test fixtures. Every test uses real parts: SQLite files, Azurite, an HTTP server speaking monday's
API."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = ROOT.parent / "shared"
DEFAULT_CONFIG = ROOT / "configs" / "sync_order_list.toml"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch):
    """No test sees the developer's own settings."""
    for name in ("ORDERSYNC_CONFIG", "ORDERSYNC_ENV", "ORDERSYNC_DATABASE", "MONDAY_API_TOKEN",
                 "MONDAY_API_URL"):
        monkeypatch.delenv(name, raising=False)
