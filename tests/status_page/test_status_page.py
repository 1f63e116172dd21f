"""The status page: the demo's state in a real headless chromium (no console error, the demo's numbers), and
failures shown by kind and column — never a cell value — through the HTTP function and ``serve``."""

from __future__ import annotations

import importlib
import shutil
import sqlite3
import threading
from dataclasses import replace

import azure.functions as func
import pytest

import function_app
from shared.config import load_config
from shared.demo import run_demo
from shared.excel import ingest_files
from shared.functions import settings
from shared.monday_emulator import run_emulator_in_thread
from shared.status_page import StatusPageServer
from shared.sync import run_sync

from ..browser import headless_chromium
from ..conftest import DEFAULT_CONFIG
from ..sync.mirror import write_order_list

SECRET_ORDER_TYPE = "RUSH-XYZ-77"  # a cell value the page must never show


def with_database(config, path):
    return replace(config, environment=replace(config.environment, database=f"sqlite:///{path}"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo run once (its own emulator and SQLite file); tests copy the file before changing it."""
    root = tmp_path_factory.mktemp("demo")
    config = load_config(DEFAULT_CONFIG, "development")
    result = run_demo(config, say=lambda _: None, database=root / "demo.db")
    assert result.ok
    return with_database(config, root / "demo.db"), result


def serving(config):
    server = StatusPageServer(config, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_page_shows_the_demo_in_a_real_browser_without_a_console_error(demo, tmp_path):
    config, result = demo
    orders = sum(report.new for report in result.ingest.files)
    sizes = sum(report.lines_new for report in result.ingest.files)
    with sqlite3.connect(config.environment.database.removeprefix("sqlite:///")) as db:
        per_customer = dict(db.execute('SELECT "CUSTOMER NAME", COUNT(*) FROM "ORDER_LIST_V2" GROUP BY 1'))
    server = serving(config)
    problems: list[str] = []
    try:
        with headless_chromium() as browser:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
                    if message.type in ("error", "warning") else None)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url}"))
            response = page.goto(server.url)
            assert response.status == 200
            assert response.headers["content-security-policy"].startswith("default-src 'none'")
            tiles = {name: page.inner_text(f"#tile-{name} b") for name in ("orders", "synced", "pending",
                                                                           "failed", "parked", "sizes")}
            shown = {row[0]: int(row[-2].replace(",", "")) for row in table(page, "#customers")}
            runs = table(page, "#runs")
            ingests = table(page, "#ingests")
            chart_columns = page.locator("#runs svg.chart rect").count()
            screenshot = page.screenshot(full_page=True)
    finally:
        server.shutdown()
    assert problems == []
    assert tiles == {"orders": f"{orders:,}", "synced": f"{orders:,}", "pending": "0", "failed": "0",
                     "parked": "0", "sizes": f"{sizes:,}"}
    assert orders == 350 and sizes == 1081  # the demo's numbers
    assert shown == per_customer
    assert [(row[1], row[3], row[5]) for row in runs] == [("sync", "ok", "0"), ("sync", "ok", "1,431")]
    assert chart_columns == 2
    assert sorted(row[1] for row in ingests) == sorted(report.file_name for report in result.ingest.files)
    assert screenshot.startswith(b"\x89PNG") and len(screenshot) > 20_000


def table(page, section: str) -> list[list[str]]:
    return [[cell.inner_text() for cell in row.locator("td").all()]
            for row in page.locator(f"{section} tbody tr").all()]


def test_failures_show_their_kind_and_column_and_no_value(demo, tmp_path, monkeypatch):
    demo_config, _ = demo
    shutil.copy(demo_config.environment.database.removeprefix("sqlite:///"), tmp_path / "orders.db")
    config = with_database(demo_config, tmp_path / "orders.db")
    rows = [[f"AAG-9{n:03}", "GREYSON", "SS28", f"ST-{n}", "HEATHER", "SEA", "2027-04-02",
             SECRET_ORDER_TYPE if n == 1 else "ACTIVE", "EA", 5, 7, 12] for n in range(3)]
    ingest_files(config, [write_order_list(tmp_path / "new.xlsx", rows)])
    with run_emulator_in_thread(complexity_budget=10**9) as emulator:
        summary = run_sync(replace(config, monday=replace(config.monday, retry_base_seconds=0.01)),
                           url=emulator.url, token="t")
    assert [failure.business_key for failure in summary.failed] == ["AAG-9001|SEA|ST-1"]
    pending = ["AAG-9100", "TITLE NINE", *rows[0][2:]]
    ingest_files(config, [write_order_list(tmp_path / "more.xlsx", [pending])])  # one order not yet synced

    monkeypatch.setenv("ORDERSYNC_CONFIG", str(DEFAULT_CONFIG))
    monkeypatch.setenv("ORDERSYNC_DATABASE", config.environment.database)
    settings.reset_settings()
    functions = {fn.get_function_name(): fn for fn in importlib.reload(function_app).app.get_functions()}
    request = func.HttpRequest(method="GET", url="http://localhost:7071/api/status/page", body=b"")
    response = functions["status_page"].get_user_function()(request)
    html = response.get_body().decode()
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "AAG-9001|SEA|ST-1" in html and "GREYSON" in html
    assert ("unknown label in column dropdown_order_type (Excel &quot;ORDER TYPE&quot;)" in html)
    assert "retried automatically after" in html and "new: not on the board yet" in html
    for value in (SECRET_ORDER_TYPE, "HEATHER", "2027-04-02", "SS28"):  # cell values beyond the key
        assert value not in html, value

    server = serving(config)
    try:
        import urllib.request

        with urllib.request.urlopen(server.url + "status.json") as answer:
            report = answer.read().decode()
        with urllib.request.urlopen(server.url) as answer:
            served = answer.read().decode()
    finally:
        server.shutdown()
    assert '"kind": "unknown label"' in report and SECRET_ORDER_TYPE not in report
    assert SECRET_ORDER_TYPE not in served and "dropdown_order_type" in served
    settings.reset_settings()
