"""The screenshot in docs/status-page.md: the demo's state on the status page, in headless chromium.

    .venv/bin/python scripts/status_page_screenshot.py [--out docs/status-page.png] [--width 1280]

Runs the demo (emulator + a fresh SQLite file in a temporary folder), serves the page on 127.0.0.1 and
photographs it whole with Debian's chromium (/usr/bin/chromium) through Playwright.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.config import load_config  # noqa: E402
from shared.demo import run_demo  # noqa: E402
from shared.status_page import StatusPageServer  # noqa: E402
from tests.browser import CHROMIUM_FLAGS, chromium_path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "status-page.png")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    config = load_config(ROOT / "configs" / "sync_order_list.toml", "development")
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "demo.db"
        if not run_demo(config, say=lambda _: None, database=database).ok:
            print("the demo failed; no screenshot", file=sys.stderr)
            return 1
        config = replace(config, environment=replace(config.environment, database=f"sqlite:///{database}"))
        server = StatusPageServer(config, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": args.width, "height": 800})
            page.goto(server.url)
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
        server.shutdown()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
