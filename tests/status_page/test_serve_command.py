"""``python -m shared serve``: the page on 127.0.0.1 by default, read only, until Ctrl-C or SIGTERM.

The tests stop it with SIGTERM: a shell that starts a job in the background makes it ignore SIGINT, and a
Python started so never sees Ctrl-C.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from ..conftest import DEFAULT_CONFIG, ROOT


def start(tmp_path, *argv: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "ORDERSYNC_DATABASE": f"sqlite:///{tmp_path / 'orders.db'}"}
    argv = [sys.executable, "-m", "shared", "--config", str(DEFAULT_CONFIG), "serve", "--port", "0", *argv]
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    first = process.stdout.readline()
    match = re.search(r"at (http://\S+/) \(Ctrl-C to stop\)", first)
    assert match, first + process.stderr.read()
    return process, match[1]


def test_serve_answers_the_page_and_its_json_read_only_until_stopped(tmp_path):
    process, url = start(tmp_path)
    try:
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(url) as page:
            assert page.status == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
            assert "ordersync status: development" in page.read().decode()
        with urllib.request.urlopen(url + "status.json") as report:
            assert report.headers["Content-Type"] == "application/json"
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(url + "nope")
        assert missing.value.code == 404
        with pytest.raises(urllib.error.HTTPError) as posted:
            urllib.request.urlopen(urllib.request.Request(url, data=b"x", method="POST"))
        assert posted.value.code == 501  # read only: no method but GET and HEAD
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0 and "Traceback" not in err


def test_listening_beyond_this_machine_says_the_page_has_no_sign_in(tmp_path):
    process, url = start(tmp_path, "--host", "0.0.0.0")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=20)
    port = url.rsplit(":", 1)[1].rstrip("/")
    assert f"warning: the status page has no sign-in; anyone who can reach 0.0.0.0:{port} can read it" in err
