"""Retrying one KIE call under its deadline.

A call is a sequence of attempts inside one trio scope. A retryable failure (429, 455, 5xx,
no answer) is tried again after `Backoff.delay(attempt)` (at least KIE's `Retry-After`, and
a whole rate window after a 429 on a submit), but only while the next attempt can start
before the deadline: a retry that cannot happen in time is not waited for, the last error
is raised at once. A request that may have reached KIE is not repeated unless the call is
idempotent. When the scope's deadline passes during an attempt, `KieTimeout` is raised;
the caller's own (outer) deadline cancels as usual.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
import trio

from trt_actors.supervisors import Backoff

from ._errors import KieApiError, KieError, KieRateLimited, KieTimeout, KieTransportError
from ._pacing import KIE_SUBMIT_WINDOW

log = structlog.get_logger(__name__)

T = TypeVar("T")

#: Default backoff between attempts: 0.5 s, 1 s, 2 s … capped at 15 s, ±20 %.
DEFAULT_BACKOFF = Backoff(initial=0.5, maximum=15.0, factor=2.0, jitter=0.2)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How one call retries: its name (for logs), whether repeating it is harmless, and
    whether it creates a task (a 429 then waits a whole rate window)."""

    name: str
    idempotent: bool = True
    submit: bool = False


def retry_delay(
    error: KieError, attempt: int, policy: RetryPolicy, backoff: Backoff
) -> float | None:
    """Seconds to wait before attempt `attempt + 1`, or None when `error` is final."""
    if not error.retryable:
        return None
    if isinstance(error, KieTransportError) and error.request_sent and not policy.idempotent:
        return None
    delay = backoff.delay(attempt)
    if isinstance(error, KieApiError) and error.retry_after is not None:
        delay = max(delay, error.retry_after)
    if isinstance(error, KieRateLimited) and policy.submit:
        delay = max(delay, KIE_SUBMIT_WINDOW)
    return delay


async def call_with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    timeout: float,
    backoff: Backoff = DEFAULT_BACKOFF,
) -> T:
    """Run `attempt` until it returns, fails for good, or `timeout` seconds pass.

    Raises the last `KieError` when it is final or no retry fits before the deadline, and
    `KieTimeout` (with `last_error`) when the deadline passes first. Never swallows
    cancellation from an outer scope.
    """
    last: KieError | None = None
    number = 0
    with trio.move_on_after(timeout):
        while True:
            number += 1
            try:
                return await attempt()
            except KieError as error:
                last = error
                delay = retry_delay(error, number, policy, backoff)
                if (
                    delay is None
                    or trio.current_time() + delay >= trio.current_effective_deadline()
                ):
                    _log_failure(policy, error, number)
                    raise
                log.info(
                    "kie.retry",
                    call=policy.name,
                    attempt=number,
                    error=type(error).__name__,
                    code=getattr(error, "code", None),
                    delay=round(delay, 3),
                )
            await trio.sleep(delay)
    log.warning("kie.call_timeout", call=policy.name, attempts=number, timeout=timeout)
    raise KieTimeout(
        f"{policy.name}: no answer within {timeout:g}s ({number} attempt(s))", last_error=last
    ) from last


def _log_failure(policy: RetryPolicy, error: KieError, attempts: int) -> None:
    fields = {
        "call": policy.name,
        "attempts": attempts,
        "error": type(error).__name__,
        "code": getattr(error, "code", None),
        "message": error.message,
    }
    if error.operator_alert:
        log.error("kie.operator_alert", **fields)
    else:
        log.info("kie.call_failed", **fields)
