"""A real headless browser for the tests: Debian's chromium (apt package ``chromium``, installed by .ci/run),
driven by Playwright for Python with ``executable_path`` (Playwright's own browser download is not used).

A test that needs it skips, saying why, only where no chromium can be found at all, and never in CI (``CI``
set): there a missing browser fails the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@contextlib.contextmanager
def headless_chromium() -> Iterator:
    """A Playwright Browser on the system's chromium, headless, with a fresh profile of its own."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        missing = "no chromium on this machine: apt-get install chromium (.ci/run installs it)"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()
