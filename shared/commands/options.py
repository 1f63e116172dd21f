"""The options every command takes, before or after its name: ``--config``, ``--env``, ``-v/--verbose``,
``--log-file``, ``--quiet``.

The top-level parser holds them with their defaults; every sub-command holds them again with suppressed
defaults, so ``status --env production`` and ``--env production status`` mean the same and a value given after
the command wins.
"""

from __future__ import annotations

import argparse

DEFAULTS = {"config": None, "env": None, "verbose": 0, "log_file": None, "quiet": False}


def add_common_options(parser: argparse.ArgumentParser, *, with_defaults: bool) -> None:
    def default(name: str):
        return DEFAULTS[name] if with_defaults else argparse.SUPPRESS

    parser.add_argument("--config", default=default("config"), metavar="FILE",
                        help="configuration file (default: $ORDERSYNC_CONFIG or "
                             "configs/sync_order_list.toml)")
    parser.add_argument("--env", default=default("env"), metavar="NAME",
                        help="environment in the configuration (default: $ORDERSYNC_ENV or "
                             "default_environment)")
    parser.add_argument("-v", "--verbose", action="count", default=default("verbose"),
                        help="log what happens on stderr (-v: info, -vv: debug)")
    parser.add_argument("--log-file", default=default("log_file"), metavar="FILE",
                        help="also append the log (info, or debug with -vv) to FILE")
    parser.add_argument("--quiet", action="store_true", default=default("quiet"),
                        help="no progress line")


def common_options_parent() -> argparse.ArgumentParser:
    """A parent parser for sub-commands: the common options, left out of the namespace unless given."""
    parent = argparse.ArgumentParser(add_help=False)
    add_common_options(parent, with_defaults=False)
    return parent


COMMON_OPTIONS = common_options_parent()
