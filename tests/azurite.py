"""Azurite, the Azure Storage emulator, for the tests: started once per session from node_modules.

Import the fixture into a test module with ``from .azurite import azurite  # noqa: F401``. Azurite keeps
everything in memory and listens on ports the OS picks, so parallel or leftover instances never collide.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
AZURITE_BINARY = ROOT / "node_modules" / ".bin" / "azurite"
# The emulator's one account and its published key (https://learn.microsoft.com/azure/storage/common/
# storage-use-azurite#connection-strings); it is not a secret.
ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
STARTUP_SECONDS = 30
_LISTENING = re.compile(r"Azurite (Blob|Queue|Table) service is successfully listening at (http://\S+)")


class AzuriteNotInstalled(RuntimeError):
    """node_modules/.bin/azurite is missing."""


class AzuriteStartFailed(RuntimeError):
    """Azurite exited or did not report its ports in time."""


@dataclass
class Azurite:
    process: subprocess.Popen
    endpoints: dict[str, str]  # "Blob" / "Queue" / "Table" -> http://127.0.0.1:<port>
    output: list[str] = field(default_factory=list)

    @property
    def blob_endpoint(self) -> str:
        return f"{self.endpoints['Blob']}/{ACCOUNT_NAME}"

    @property
    def queue_endpoint(self) -> str:
        return f"{self.endpoints['Queue']}/{ACCOUNT_NAME}"

    @property
    def connection_string(self) -> str:
        """Like ``UseDevelopmentStorage=true``, but naming the ports this instance listens on."""
        return (f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
                f"BlobEndpoint={self.blob_endpoint};QueueEndpoint={self.queue_endpoint};")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def start_azurite(binary: Path = AZURITE_BINARY, timeout: float = STARTUP_SECONDS) -> Azurite:
    """Start Azurite in memory on free ports; return once the blob and queue services listen."""
    if not binary.exists():
        raise AzuriteNotInstalled(f"{binary} is missing: run `make setup` (it runs `npm install`) first")
    process = subprocess.Popen(
        [str(binary), "--disableTelemetry", "--inMemoryPersistence", "--silent", "--skipApiVersionCheck",
         "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
         "--blobPort", "0", "--queuePort", "0", "--tablePort", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT,
        start_new_session=True,  # its own process group, so stop() ends node and its children together
    )
    azurite = Azurite(process, {})
    ready = threading.Event()

    def read_output() -> None:  # keeps draining the pipe for the whole session so Azurite never blocks
        for line in process.stdout:
            azurite.output.append(line.rstrip())
            match = _LISTENING.search(line)
            if match:
                azurite.endpoints[match.group(1)] = match.group(2)
                if {"Blob", "Queue"} <= azurite.endpoints.keys():
                    ready.set()
        ready.set()  # exited: wake the waiter, which sees the missing endpoints

    threading.Thread(target=read_output, name="azurite-output", daemon=True).start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.1) and time.monotonic() < deadline:
        pass
    if not {"Blob", "Queue"} <= azurite.endpoints.keys():
        azurite.stop()
        raise AzuriteStartFailed(f"Azurite did not start within {timeout:.0f} s; its output:\n"
                                 + "\n".join(azurite.output[-20:]))
    return azurite


@pytest.fixture(scope="session")
def azurite():
    """One Azurite for the whole session; a missing installation fails the test, never skips it."""
    try:
        instance = start_azurite()
    except (AzuriteNotInstalled, AzuriteStartFailed) as exc:
        pytest.fail(str(exc), pytrace=False)
    yield instance
    instance.stop()


# Every app setting the function app reads besides ORDERSYNC_* / MONDAY_* (which conftest already clears).
APP_SETTINGS = (
    "AzureWebJobsStorage", "AzureWebJobsStorage__accountName", "AzureWebJobsStorage__blobServiceUri",
    "AzureWebJobsStorage__queueServiceUri", "AzureWebJobsStorage__clientId", "SYNC_SCHEDULE", "SYNC_QUEUE",
    "RECONCILE_SCHEDULE",
    "ORDERS_CONTAINER", "ARCHIVE_CONTAINER", "REJECTED_CONTAINER", "BLOB_TRIGGER_SOURCE", "PLAN_AFTER_INGEST",
)


@pytest.fixture
def app_environment(monkeypatch):
    """No app setting from the developer's shell; the jobs read the environment afresh for each test."""
    from shared.functions import settings

    for name in APP_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    settings.reset_settings()
    yield monkeypatch
    settings.reset_settings()
