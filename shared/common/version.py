"""The version of ordersync, written once: ``ordersync --version`` prints it, pyproject.toml reads it."""

VERSION = "0.1.0"
