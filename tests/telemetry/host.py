"""The invocation context the Python worker hands a function that asks for one (``context: func.Context``):
here only its trace context matters, the W3C ``traceparent`` of the host's span for the invocation."""

from __future__ import annotations

import secrets
import threading

import azure.functions as func
from azure.functions._abc import TraceContext  # not re-exported; the worker implements it


class HostTraceContext(TraceContext):
    def __init__(self, trace_parent: str):
        self._trace_parent = trace_parent

    @property
    def trace_parent(self) -> str:
        return self._trace_parent

    @property
    def trace_state(self) -> str:
        return ""

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class HostContext(func.Context):
    """A new invocation of ``function_name``, as the host traces it: a fresh trace id and span id."""

    def __init__(self, function_name: str):
        self.trace_id, self.span_id = secrets.randbits(128), secrets.randbits(64)
        self._name, self._local = function_name, threading.local()
        self._trace = HostTraceContext(f"00-{self.trace_id:032x}-{self.span_id:016x}-01")

    @property
    def invocation_id(self) -> str:
        return f"{self.trace_id:032x}"

    @property
    def thread_local_storage(self) -> threading.local:
        return self._local

    @property
    def function_name(self) -> str:
        return self._name

    @property
    def function_directory(self) -> str:
        return "."

    @property
    def trace_context(self) -> HostTraceContext:
        return self._trace

    @property
    def retry_context(self) -> None:
        return None
