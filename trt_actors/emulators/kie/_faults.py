"""Fault injection: make chosen KIE calls fail, hang or lie, or make new tasks misbehave.

Request faults apply to one endpoint (``market.submit``, ``veo.status``, ``credit``,
``download_url``, ``upload``…) or to every endpoint (`endpoint=None`), for the next `times`
calls or until cleared (`times=None`); endpoint-specific faults win, then the oldest.
Task faults (`STUCK`, `FAIL`, `MALFORMED_RESULT`) apply to the next tasks created (of one
API, or any). Faults never apply to result files or the control interface.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import trio

from trt_actors.web import Response

#: How long a HANG keeps a request unanswered before dropping the connection.
HANG_SECONDS = 300.0


class FaultKind(enum.StrEnum):
    """What an injected fault does."""

    AUTH = "auth"  # HTTP 200, code 401
    NO_CREDITS = "no_credits"  # code 402
    VALIDATION = "validation"  # code 422 with `message`
    RATE_LIMIT = "rate_limit"  # code 429 in an HTTP 200 body
    MAINTENANCE = "maintenance"  # code 455
    SERVER_ERROR = "server_error"  # code `code` (default 500) in an HTTP 200 body
    GENERATION_FAILED = "generation_failed"  # code 501
    HTTP_ERROR = "http_error"  # HTTP `status` (default 502) with a plain-text body
    MALFORMED_BODY = "malformed_body"  # HTTP 200 whose body is not JSON
    HANG = "hang"  # no answer for HANG_SECONDS, then the connection drops
    DROP = "drop"  # the connection closes without an answer
    STUCK = "stuck"  # task fault: the next task stays waiting forever
    FAIL = "fail"  # task fault: the next task fails with `code` / `message`
    MALFORMED_RESULT = "malformed_result"  # task fault: success with an unreadable result


TASK_FAULTS = frozenset({FaultKind.STUCK, FaultKind.FAIL, FaultKind.MALFORMED_RESULT})

_CODES = {
    FaultKind.AUTH: (401, "You do not have access permissions"),
    FaultKind.NO_CREDITS: (402, "Insufficient Credits"),
    FaultKind.VALIDATION: (422, "Validation Error"),
    FaultKind.RATE_LIMIT: (429, "Rate Limited"),
    FaultKind.MAINTENANCE: (455, "Service Unavailable - System is under maintenance"),
    FaultKind.SERVER_ERROR: (500, "Server Error"),
    FaultKind.GENERATION_FAILED: (501, "Generation Failed"),
}


@dataclass(slots=True)
class Fault:
    """One injected fault; `remaining` None means until cleared."""

    kind: FaultKind
    target: str | None = None
    remaining: int | None = 1
    code: int | None = None
    message: str | None = None
    status: int = 502
    hits: int = 0

    def envelope(self) -> tuple[int, str]:
        """The (code, msg) a code fault answers."""
        code, message = _CODES[self.kind]
        return self.code or code, self.message or message


class FaultInjector:
    """The active faults of one emulator."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    @property
    def active(self) -> list[Fault]:
        return list(self._faults)

    def inject(
        self,
        kind: FaultKind | str,
        target: str | None = None,
        *,
        times: int | None = 1,
        code: int | None = None,
        message: str | None = None,
        status: int = 502,
    ) -> Fault:
        """Add a fault for the next `times` calls of `target` (an endpoint; for task
        faults an API id) or of all (`target=None`)."""
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for until cleared)")
        fault = Fault(FaultKind(kind), target, times, code, message, status)
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        self._faults.clear()

    def take(self, target: str, *, task: bool = False) -> Fault | None:
        """The fault for this call of `target` (request faults) or this new task of API
        `target` (`task=True`), counted as used; None if none applies."""
        kinds = [f for f in self._faults if (f.kind in TASK_FAULTS) == task]
        chosen = next((f for f in kinds if f.target == target), None)
        chosen = chosen or next((f for f in kinds if f.target is None), None)
        if chosen is None:
            return None
        chosen.hits += 1
        if chosen.remaining is not None:
            chosen.remaining -= 1
            if chosen.remaining <= 0:
                self._faults.remove(chosen)
        return chosen


def envelope(code: int, message: str, data: object = None) -> Response:
    """KIE's answer: HTTP 200 with ``{"code", "msg", "data"}``."""
    return Response.json({"code": code, "msg": message, "data": data})


async def fault_response(fault: Fault) -> Response:
    """The answer a request fault gives instead of the real one."""
    if fault.kind is FaultKind.HANG:
        await trio.sleep(HANG_SECONDS)
        return Response.drop()
    if fault.kind is FaultKind.DROP:
        return Response.drop()
    if fault.kind is FaultKind.HTTP_ERROR:
        return Response.text(fault.message or "Bad Gateway", fault.status)
    if fault.kind is FaultKind.MALFORMED_BODY:
        return Response.bytes(b"<html>error code: 1010</html>", "text/html", 200)
    code, message = fault.envelope()
    return envelope(code, message)
