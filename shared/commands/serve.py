"""``serve [--host 127.0.0.1] [--port 8080]``: the status page on this machine, until Ctrl-C (or SIGTERM, as a
service manager stops it)."""

from __future__ import annotations

import argparse
import ipaddress
import signal
import sys

from ..config import Config
from ..status_page import StatusPageServer
from .output import EXIT_OK, UsageError, add_command


def register(commands: argparse._SubParsersAction) -> None:
    serve = add_command(commands, "serve", cmd_serve,
                        "Serve the status page (read only) on this machine, until Ctrl-C.")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 picks a free one)")


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    try:
        server = StatusPageServer(config, args.host, args.port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from exc
    if not _loopback(args.host):
        print(f"warning: the status page has no sign-in; anyone who can reach {args.host}:"
              f"{server.server_address[1]} can read it", file=sys.stderr)
    print(f"status page of {config.environment.name} at {server.url} (Ctrl-C to stop)", flush=True)
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.server_close()
    return EXIT_OK


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the server as Ctrl-C does: quietly, exit 0


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
