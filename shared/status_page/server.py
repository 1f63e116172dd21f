"""The status page served locally (``python -m shared serve``): ``/`` the page, ``/status.json`` the redacted
status report, read from the store afresh on every request. Read only: GET and HEAD, nothing else."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..common.errors import OrderSyncError
from ..config import Config
from ..store import open_store
from ..sync import status_report
from .page_data import page_data
from .render import SECURITY_HEADERS, render_page

log = logging.getLogger(__name__)


def page_response(config: Config | Callable[[], Config], path: str = "/") -> tuple[int, str, str]:
    """(HTTP status, content type, body) for a path of the page; the HTTP function answers the same. It hands
    over the function that reads its config, so a bad configuration is answered 503 here too."""
    if path not in ("/", "/status.json"):
        return HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", "not found: try / or /status.json\n"
    try:
        if callable(config):
            config = config()
        with open_store(config) as store:
            if path == "/status.json":
                report = status_report(config, store, redact=True)
                return HTTPStatus.OK, "application/json", json.dumps(report, indent=2, default=str)
            return HTTPStatus.OK, "text/html; charset=utf-8", render_page(page_data(config, store))
    except OrderSyncError as exc:  # these messages never carry credentials
        log.error("status page: %s", exc)
        return HTTPStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", f"status unavailable: {exc}\n"


class StatusPageServer(ThreadingHTTPServer):
    """``StatusPageServer(config, host, port).serve_forever()``; port 0 picks a free one (see :attr:`url`)."""

    daemon_threads = True

    def __init__(self, config: Config, host: str = "127.0.0.1", port: int = 8080):
        self.config = config
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


class _Handler(BaseHTTPRequestHandler):
    server: StatusPageServer

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self._answer(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        status, content_type, body = page_response(self.server.config, self.path.split("?", 1)[0])
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's signature)
        log.info("%s %s", self.address_string(), format % args)
