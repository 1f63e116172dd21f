"""Where telemetry goes: the global OpenTelemetry providers (the Azure Monitor distro's, or the API's no-op),
unless a test has put its own in place with :func:`use_providers`.

Tests cannot swap the global providers (OpenTelemetry sets them once per process), so every tracer, meter and
event handler of ordersync is taken from here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from opentelemetry import metrics, trace

SCOPE = "ordersync"  # the instrumentation scope of every span and instrument
EVENTS_LOGGER = "ordersync.events"  # the distro exports this logger's records; each one is a custom event

# Events reach Application Insights through OpenTelemetry only: not the Functions host's log channel (that
# would repeat each as a trace line), and not the console of the CLI.
_events = logging.getLogger(EVENTS_LOGGER)
_events.propagate = False
_events.setLevel(logging.INFO)


@dataclass
class _Providers:
    tracer_provider: Any = None  # None: the global one
    meter_provider: Any = None
    generation: int = 0  # changes whenever the providers do, so cached instruments are made again


_current = _Providers()
_cache: dict[tuple[str, int], Any] = {}


def tracer() -> trace.Tracer:
    return cached("tracer", lambda: trace.get_tracer(SCOPE, tracer_provider=_current.tracer_provider))


def meter() -> metrics.Meter:
    return cached("meter", lambda: metrics.get_meter(SCOPE, meter_provider=_current.meter_provider))


def events_logger() -> logging.Logger:
    return _events


def cached(kind: str, make):
    """``make()``'s result, made once per set of providers (again when a test swaps them)."""
    key = (kind, _current.generation)
    if key not in _cache:
        _cache[key] = make()
    return _cache[key]


@contextmanager
def use_providers(*, tracer_provider, meter_provider, logger_provider) -> Iterator[None]:
    """Send ordersync's spans, metrics and events to these SDK providers for the duration (tests)."""
    from opentelemetry.instrumentation.logging.handler import LoggingHandler

    global _current
    previous, handler = _current, LoggingHandler(logger_provider=logger_provider)
    _current = _Providers(tracer_provider, meter_provider, previous.generation + 1)
    _events.addHandler(handler)
    try:
        yield
    finally:
        _events.removeHandler(handler)
        _current = _Providers(previous.tracer_provider, previous.meter_provider, _current.generation + 1)
        _cache.clear()
