"""Package exports resolved on first use (PEP 562), so importing a package costs only what is used.

The Functions host imports ``function_app.py`` on every cold start; a package that re-exported its monday
client eagerly would load aiohttp and graphql-core for a blob trigger that never talks to monday.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``exports`` maps each exported name to its module."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
