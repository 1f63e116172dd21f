"""Shared test fixtures. Every test uses real parts: SQLite files, Azurite, an HTTP server speaking monday's
API."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = ROOT.parent / "shared"
DEFAULT_CONFIG = ROOT / "configs" / "sync_order_list.toml"


def load_script(name: str) -> ModuleType:
    """scripts/ is not a package; load a script by path (registered first, as dataclasses need)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch):
    """No test sees the developer's own settings."""
    for name in ("ORDERSYNC_CONFIG", "ORDERSYNC_ENV", "ORDERSYNC_DATABASE", "MONDAY_API_TOKEN",
                 "MONDAY_API_URL"):
        monkeypatch.delenv(name, raising=False)
