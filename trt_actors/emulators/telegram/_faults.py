"""Fault injection: make chosen Bot API calls hang, slow down, fail or drop the connection.

A fault applies to one method (case-insensitive) or to all methods (`method=None`), for the
next `times` calls or until cleared (`times=None`). Method-specific faults win over global
ones; among several, the oldest wins. Faults never apply to the control interface.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import trio

from trt_actors.emulators.telegram._errors import BLOCKED, bad_request, forbidden, too_many_requests
from trt_actors.web import Response

#: How long a "hang" keeps the request unanswered before dropping the connection.
HANG_SECONDS = 300.0
#: What a MALFORMED fault answers: a page a proxy in front of the Bot API might send.
MALFORMED_BODY = b"<html><body>502 Bad Gateway</body></html>"


class FaultKind(enum.StrEnum):
    """What an injected fault does to a call."""

    HANG = "hang"  # never answer (until HANG_SECONDS, then drop the connection)
    SLOW = "slow"  # answer normally after `delay` seconds
    SERVER_ERROR = "server_error"  # HTTP `status` (5xx) with a Telegram-style body
    FLOOD = "flood"  # 429 with parameters.retry_after = `retry_after`
    BLOCKED = "blocked"  # 403 "Forbidden: bot was blocked by the user"
    BAD_REQUEST = "bad_request"  # 400 "Bad Request: <description>"
    DROP = "drop"  # close the connection without answering
    MALFORMED = "malformed"  # HTTP 200 whose body is not JSON (a proxy's error page)


@dataclass(slots=True)
class Fault:
    """One injected fault; `remaining` None means until cleared."""

    kind: FaultKind
    method: str | None = None
    remaining: int | None = 1
    delay: float = 1.0
    status: int = 500
    retry_after: int = 5
    description: str = "injected fault"
    hits: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "method": self.method,
            "remaining": self.remaining,
            "delay": self.delay,
            "status": self.status,
            "retry_after": self.retry_after,
            "description": self.description,
            "hits": self.hits,
        }


class FaultInjector:
    """The active faults of one emulator."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def inject(
        self,
        kind: FaultKind | str,
        *,
        method: str | None = None,
        times: int | None = 1,
        delay: float = 1.0,
        status: int = 500,
        retry_after: int = 5,
        description: str = "injected fault",
    ) -> Fault:
        """Add a fault for the next `times` calls of `method` (None: every method)."""
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for until cleared)")
        fault = Fault(
            FaultKind(kind),
            method,
            times,
            delay,
            status,
            retry_after,
            description,
        )
        self._faults.append(fault)
        return fault

    def clear(self, method: str | None = None) -> None:
        """Remove every fault (`method` None), or only the faults of `method`."""
        if method is None:
            self._faults.clear()
            return
        key = method.lower()
        self._faults = [f for f in self._faults if not f.method or f.method.lower() != key]

    @property
    def active(self) -> list[Fault]:
        return list(self._faults)

    def take(self, method: str) -> Fault | None:
        """The fault that applies to this call of `method`, counted as used; None if none."""
        key = method.lower()
        chosen = next((f for f in self._faults if f.method and f.method.lower() == key), None)
        if chosen is None:
            chosen = next((f for f in self._faults if f.method is None), None)
        if chosen is None:
            return None
        chosen.hits += 1
        if chosen.remaining is not None:
            chosen.remaining -= 1
            if chosen.remaining <= 0:
                self._faults.remove(chosen)
        return chosen


def _server_error(fault: Fault) -> Response:
    body = {"ok": False, "error_code": fault.status, "description": "Internal Server Error"}
    return Response.json(body, fault.status)


def _api(error_of: Callable[[Fault], Any]) -> Callable[[Fault], Response]:
    def build(fault: Fault) -> Response:
        error = error_of(fault)
        return Response.json(error.to_json(), error.code)

    return build


_IMMEDIATE: dict[FaultKind, Callable[[Fault], Response]] = {
    FaultKind.DROP: lambda fault: Response.drop(),
    FaultKind.MALFORMED: lambda fault: Response.bytes(MALFORMED_BODY, "text/html", 200),
    FaultKind.SERVER_ERROR: _server_error,
    FaultKind.FLOOD: _api(lambda fault: too_many_requests(fault.retry_after)),
    FaultKind.BLOCKED: _api(lambda fault: forbidden(BLOCKED)),
    FaultKind.BAD_REQUEST: _api(lambda fault: bad_request(fault.description)),
}


async def fault_response(fault: Fault) -> Response | None:
    """Carry out `fault`: the response to send instead of the real one, or None to go on
    normally (after a SLOW fault's delay). A HANG answers nothing for HANG_SECONDS, then
    drops the connection."""
    if fault.kind is FaultKind.SLOW:
        await trio.sleep(fault.delay)
        return None
    if fault.kind is FaultKind.HANG:
        await trio.sleep(HANG_SECONDS)
        return Response.drop()
    return _IMMEDIATE[fault.kind](fault)
