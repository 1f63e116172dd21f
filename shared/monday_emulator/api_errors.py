"""monday's error shapes: per-field errors inside a 200 answer, and the bodies of refused requests.

Shapes follow developer.monday.com (error handling, rate limits, idempotency) for API versions 2025-07+.
Where monday does not document a body (401, 409, 423) the emulator answers in the same ``errors`` form.
"""

from __future__ import annotations

from collections.abc import Mapping


class MondayApiError(Exception):
    """An error monday reports inside a 200 answer, on the path of the field (alias) that failed."""

    def __init__(self, code: str, message: str, *, status_code: int = 200, error_data: Mapping | None = None):
        super().__init__(message)
        self.code = code
        self.extensions = {"code": code, "status_code": status_code, "error_data": dict(error_data or {})}


def error_body(message: str, code: str, **extensions) -> dict:
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def budget_exhausted(retry_in: int) -> dict:
    return error_body("Complexity budget exhausted", "COMPLEXITY_BUDGET_EXHAUSTED", retry_in_seconds=retry_in)


def rate_limited(retry_in: int) -> dict:
    return error_body("Rate limit exceeded", "RATE_LIMIT_EXCEEDED", retry_in_seconds=retry_in)


def too_many_requests(code: str, retry_in: int) -> dict:
    """The body of a 429 for ``code``: the budget's, the rate limit's, or any other limit's."""
    if code == "COMPLEXITY_BUDGET_EXHAUSTED":
        return budget_exhausted(retry_in)
    if code == "RATE_LIMIT_EXCEEDED":
        return rate_limited(retry_in)
    return error_body(f"Too many requests ({code})", code, retry_in_seconds=retry_in)


def daily_limit_exceeded(retry_in: int) -> dict:
    return error_body("Daily limit exceeded", "DAILY_LIMIT_EXCEEDED", retry_in_seconds=retry_in)


def concurrency_exceeded() -> dict:
    return error_body("Concurrency limit exceeded", "maxConcurrencyExceeded")


def too_complex(cost: int, limit: int) -> dict:
    return error_body(f"Query has complexity of {cost}, which exceeds max complexity of {limit}",
                      "maxComplexityExceeded", complexity=cost, maxComplexity=limit)


def unauthorized() -> dict:
    return {**error_body("Not Authenticated", "UserUnauthorizedException", status_code=401),
            "error_message": "Not Authenticated", "status_code": 401}


def locked() -> dict:
    message = "Resource is currently locked, please try again later"
    return error_body(message, "ResourceLocked", status_code=423)


def internal_error() -> dict:
    return {**error_body("Internal server error", "INTERNAL_SERVER_ERROR", status_code=500),
            "error_message": "Internal server error", "status_code": 500}


def idempotency_in_progress() -> dict:
    return error_body("A request with the same Idempotency-Key is still being processed",
                      "IDEMPOTENCY_REQUEST_IN_PROGRESS", status_code=409)


def bad_request(message: str) -> dict:
    body = error_body(message, "BadRequest", status_code=400)
    return {**body, "error_message": message, "status_code": 400}
