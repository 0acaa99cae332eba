"""Bot API errors as Telegram answers them, and the control interface's own error."""

from __future__ import annotations

import math
from typing import Any


class ApiError(Exception):
    """An unsuccessful Bot API answer: `{"ok": false, "error_code", "description", ...}`."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def to_json(self) -> dict[str, Any]:
        """The JSON body Telegram would send."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


class ControlError(ValueError):
    """A control request that cannot be carried out (unknown user, no such button, ...)."""


def bad_request(detail: str) -> ApiError:
    """400 "Bad Request: <detail>"."""
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    """403 "Forbidden: <detail>"."""
    return ApiError(403, f"Forbidden: {detail}")


def conflict(detail: str) -> ApiError:
    """409 "Conflict: <detail>"."""
    return ApiError(409, f"Conflict: {detail}")


def too_many_requests(wait_seconds: float) -> ApiError:
    """429 with `parameters.retry_after` in whole seconds (at least 1)."""
    retry_after = max(1, math.ceil(wait_seconds))
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


UNAUTHORIZED = ApiError(401, "Unauthorized")
NOT_FOUND = ApiError(404, "Not Found")
BLOCKED = "bot was blocked by the user"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
