"""The sample generator (scripts/make_samples.py) for tests that build order lists the way the samples are
built."""

from __future__ import annotations

import importlib.util
import sys

from .conftest import ROOT


def load_make_samples():
    """scripts/ is not a package; load the generator by path (registered first, as dataclasses need)."""
    if "make_samples" not in sys.modules:
        spec = importlib.util.spec_from_file_location("make_samples", ROOT / "scripts" / "make_samples.py")
        sys.modules["make_samples"] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules["make_samples"]
