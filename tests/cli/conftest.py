"""What the command-line tests share: a configuration file with monday's back-off shortened, a fresh SQLite
file and the monday emulator, handed to the CLI as a user would (environment variables)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from shared.cli import main
from shared.config import load_config
from shared.excel import ingest_files
from shared.monday_emulator import MondayEmulator, run_emulator_in_thread

from ..conftest import DEFAULT_CONFIG
from ..sync.mirror import fifty_orders, write_order_list


@dataclass
class CliWorld:
    config_path: Path
    database: Path
    emulator: MondayEmulator
    tmp_path: Path

    @property
    def config(self):
        return load_config(self.config_path)

    def ingest_orders(self, count: int = 5, bad_method_at: int | None = None) -> None:
        """``count`` orders of GREYSON (two sizes each); the one at ``bad_method_at`` has a label the board
        lacks, so it fails at sync."""
        path = write_order_list(self.tmp_path / f"orders-{count}.xlsx", fifty_orders(bad_method_at)[:count])
        ingest_files(self.config, [path])


def fast_config(path: Path) -> Path:
    """The project's configuration with monday's back-off shortened, so an outage is declared in moments."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    path.write_text(text.replace("\n[monday]\n", "\n[monday]\nmax_retries = 1\nretry_base_seconds = 0.01\n"
                                                  "retry_max_seconds = 0.01\nlookup_delay_seconds = 0\n"),
                    encoding="utf-8")
    return path


@pytest.fixture
def world(tmp_path, monkeypatch) -> CliWorld:
    database = tmp_path / "orders.db"
    config_path = fast_config(tmp_path / "sync_order_list.toml")
    monkeypatch.setenv("ORDERSYNC_CONFIG", str(config_path))
    monkeypatch.setenv("ORDERSYNC_DATABASE", f"sqlite:///{database}")
    with run_emulator_in_thread(complexity_budget=10**9) as emulator:
        monkeypatch.setenv("MONDAY_API_URL", emulator.url)
        monkeypatch.setenv("MONDAY_API_TOKEN", "cli-test-token")
        yield CliWorld(config_path, database, emulator, tmp_path)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """The CLI in this process: (exit code, stdout, stderr)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
