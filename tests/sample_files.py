"""The sample generator (scripts/make_samples.py) for tests that build order lists the way the samples are
built."""

from __future__ import annotations

from .conftest import load_script


def load_make_samples():
    return load_script("make_samples")
