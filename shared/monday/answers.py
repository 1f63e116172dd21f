"""How one answer from monday is read: data to use (with per-alias errors mapped to their alias), or a
request-level problem — its kind, how long to wait and whether a write may have been applied. monday's error
codes are sorted here by what to do about them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

_ALIAS = re.compile(r"^m(\d+)$")

# monday error codes (extensions.code / error_code) by what to do about them.
_BUDGET_CODES = frozenset({"COMPLEXITY_BUDGET_EXHAUSTED", "ComplexityException"})
_RATE_CODES = frozenset({"RATE_LIMIT_EXCEEDED", "Rate Limit Exceeded", "FIELD_LIMIT_EXCEEDED",
                         "maxConcurrencyExceeded", "IP_RATE_LIMIT_EXCEEDED", "API_TEMPORARILY_BLOCKED"})
_DAILY_CODES = frozenset({"DAILY_LIMIT_EXCEEDED"})
_LOCKED_CODES = frozenset({"ResourceLocked", "ResourceLockedException", "RESOURCE_LOCKED",
                           "ItemLockedException"})
_SERVER_CODES = frozenset({"INTERNAL_SERVER_ERROR", "InternalServerError", "InternalServerException"})
GONE_CODES = frozenset({"ResourceNotFoundException", "InvalidItemIdException", "ItemNotFoundException"})


@dataclass
class Problem:
    kind: str  # budget | rate | busy | daily | locked | server | permanent
    message: str
    code: str | None = None
    wait: float | None = None
    maybe_applied: bool = False


class RequestFailed(Exception):
    """A request that failed for good: monday's answer was a failure, or no answer came within the retries.
    Carries whether a write may have been applied, and whether monday did answer."""

    def __init__(self, problem: Problem, maybe_applied: bool, answered: bool = False):
        super().__init__(problem.message)
        self.problem, self.maybe_applied, self.answered = problem, maybe_applied, answered


def _error_entries(payload: Any) -> list[dict]:
    """monday's errors in one shape: GraphQL ``errors`` objects, or the older top-level error_code/message."""
    if not isinstance(payload, Mapping):
        return []
    entries = []
    for error in payload.get("errors") or []:
        entries.append(error if isinstance(error, Mapping) else {"message": str(error)})
    if payload.get("error_code") or payload.get("error_message"):
        extensions = {"code": payload.get("error_code"), "status_code": payload.get("status_code"),
                      **(payload.get("error_data") or {})}
        entries.append({"message": payload.get("error_message") or payload.get("error_code"),
                        "extensions": extensions})
    return entries


def _problem_of(error: Mapping[str, Any], status: int | str = 200,
                retry_after: float | None = None) -> Problem:
    extensions = error.get("extensions") or {}
    code = extensions.get("code") or error.get("code")
    message = str(error.get("message") or code or "unknown error")
    code_status = extensions.get("status_code")
    retry_in = extensions.get("retry_in_seconds")
    if retry_in is None and isinstance(extensions.get("error_data"), Mapping):
        retry_in = extensions["error_data"].get("retry_in_seconds")
    wait = float(retry_in) if isinstance(retry_in, int | float) else None
    if code in _DAILY_CODES:
        return Problem("daily", message, code, wait)
    if code in _BUDGET_CODES:  # at HTTP 200 without retry_in the transport picks the wait
        return Problem("budget", message, code, _refusal_wait(wait, retry_after) if status == 429 else wait)
    if code in _RATE_CODES or code_status == 429 or status == 429:
        return Problem("rate", message, code, _refusal_wait(wait, retry_after))
    if code in _LOCKED_CODES or code_status == 423 or status == 423:
        return Problem("locked", message, code)
    if code in _SERVER_CODES or (isinstance(code_status, int) and code_status >= 500) or code is None:
        return Problem("server", message, code, maybe_applied=True)
    return Problem("permanent", message, code)


def classify(status: int | str, headers: Mapping[str, str], payload: Any) -> Problem | None:
    """None when the answer carries data to use (possibly with per-alias errors); else what went wrong."""
    retry_after = _seconds(headers.get("Retry-After"))
    if status in ("timeout", "connection"):
        return Problem("server", f"no answer ({status}{': ' + payload if isinstance(payload, str) else ''})",
                        maybe_applied=True)
    entries = _error_entries(payload)
    if status == 200:
        if not isinstance(payload, Mapping):
            return Problem("server", "HTTP 200 without a JSON answer", maybe_applied=True)
        request_level = [e for e in entries if not _alias_of(e)]
        # alias errors are per record
        return _problem_of(request_level[0], status, retry_after) if request_level else None
    if status in (401, 403):
        return Problem("permanent", f"HTTP {status}: the token was refused (check MONDAY_API_TOKEN and its "
                                     f"access to the board)")
    problem = _problem_of(entries[0], status, retry_after) if entries else None
    if status == 409:  # the same Idempotency-Key is still being processed
        return Problem("busy", "HTTP 409: the same write is still in progress", wait=retry_after or 1.0,
                        maybe_applied=True)
    if status == 429:  # _problem_of makes every 429 with an error daily, budget or rate
        return problem or Problem("rate", "HTTP 429", wait=_refusal_wait(None, retry_after))
    if status == 423:
        return Problem("locked", f"HTTP 423: {problem.message if problem else 'resource locked'}",
                        problem.code if problem else None)
    if isinstance(status, int) and status >= 500:
        return Problem("server", f"HTTP {status}" + (f": {problem.message}" if problem else ""),
                        problem.code if problem else None, maybe_applied=True)
    if problem is not None and problem.kind in ("daily", "budget", "rate", "locked"):
        return problem
    detail = problem.message if problem else (payload if isinstance(payload, str) else "no details")
    return Problem("permanent", f"HTTP {status}: {detail}", problem.code if problem else None)


def _refusal_wait(retry_in: float | None, retry_after: float | None) -> float:
    """How long a refused request waits: monday's retry_in_seconds, else the Retry-After header, else 10 s."""
    if retry_in is not None:
        return retry_in
    return retry_after or 10.0


def daily_limit_reset(problem: Problem, headers: Mapping[str, str], now: datetime) -> datetime:
    """When the spent daily call limit resets: in the answer's ``retry_in_seconds`` or ``Retry-After``, else
    at the next midnight UTC, when monday resets it."""
    wait = problem.wait if problem.wait is not None else _seconds(headers.get("Retry-After"))
    if wait is not None and wait > 0:
        return now + timedelta(seconds=wait)
    return datetime.combine(now.astimezone(UTC).date() + timedelta(days=1), time(), UTC)


def split_errors(payload: Mapping[str, Any]) -> tuple[dict | None, dict[str, Problem]]:
    errors = {}
    for entry in _error_entries(payload):
        alias = _alias_of(entry) or "(request)"
        errors.setdefault(alias, _problem_of(entry))
    return payload.get("data"), errors


def _alias_of(error: Mapping[str, Any]) -> str | None:
    path = error.get("path") or []
    return path[0] if path and isinstance(path[0], str) and _ALIAS.match(path[0]) else None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None

