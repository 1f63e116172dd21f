"""Package exports resolved on first use (PEP 562), so importing a package costs only what is used.

The Functions host imports ``function_app.py`` on every cold start; a package that re-exported its monday
client eagerly would load aiohttp and graphql-core for a blob trigger that never talks to monday.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(package: str, names_by_module: Mapping[str, Sequence[str]]
                 ) -> tuple[Callable[[str], Any], list[str]]:
    """A module ``__getattr__`` for ``package`` and its ``__all__``: ``names_by_module`` lists, per module of
    the package, the names it exports."""
    module_of = {name: module for module, names in names_by_module.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__, sorted(module_of)
