"""The sync tests' monday: the emulator on 127.0.0.1, one per test."""

from __future__ import annotations

import pytest

from shared.monday_emulator import run_emulator_in_thread


@pytest.fixture
def emulator():
    # A budget big enough that no test waits for a window to reset (the pacing is the client's, tested there).
    with run_emulator_in_thread(complexity_budget=10**9) as emu:
        yield emu
