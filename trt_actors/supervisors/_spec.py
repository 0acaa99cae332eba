"""Child specifications and restart policies: the supervision tree as data (OTP's `sup_princ`)."""

from __future__ import annotations

import enum
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

# A child is started as `await nursery.start(start)`: it must call `task_status.started(handle)`
# once it is ready, then run until it is done. The handle is what the supervisor hands out
# (an ActorRef, a Supervisor, ...); if it has `request_stop()`, a shutdown asks first.
StartFunction = Callable[..., Awaitable[None]]

BRUTAL = 0.0
"""Shutdown value meaning: do not ask, cancel the child at once."""


class Stoppable(Protocol):
    def request_stop(self) -> None: ...


class Restart(enum.Enum):
    PERMANENT = "permanent"  # always restarted
    TRANSIENT = "transient"  # restarted only when it crashed
    TEMPORARY = "temporary"  # never restarted

    def restarts_after(self, crashed: bool) -> bool:
        if self is Restart.PERMANENT:
            return True
        return self is Restart.TRANSIENT and crashed


class Strategy(enum.Enum):
    ONE_FOR_ONE = "one_for_one"  # restart only the child that exited
    ONE_FOR_ALL = "one_for_all"  # stop all the others, restart all
    REST_FOR_ONE = "rest_for_one"  # stop the children started after it, restart it and them


@dataclass(frozen=True, slots=True)
class ChildSpec:
    """How to start one child, when to restart it, and how to stop it.

    `shutdown` is the grace in seconds between asking the child to stop and cancelling it;
    `BRUTAL` (0) cancels at once. `on_terminated` runs once when the child is gone for good
    (not restarted, or its supervisor stopped): actors close their mailbox there.
    """

    id: str
    start: StartFunction
    restart: Restart = Restart.PERMANENT
    shutdown: float = 5.0
    on_terminated: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        if not self.id or "/" in self.id:
            raise ValueError(f"child id {self.id!r} must be non-empty and contain no '/'")
        if self.shutdown < 0:
            raise ValueError(f"child {self.id!r}: shutdown grace must be >= 0")


@dataclass(frozen=True, slots=True)
class Intensity:
    """At most `max_restarts` restarts within `within` seconds, else the supervisor gives up."""

    max_restarts: int = 3
    within: float = 5.0

    def __post_init__(self) -> None:
        if self.max_restarts < 0 or self.within <= 0:
            raise ValueError("intensity needs max_restarts >= 0 and within > 0")


@dataclass(slots=True)
class RestartWindow:
    """The restart times inside the intensity window, on trio's clock."""

    intensity: Intensity
    times: list[float] = field(default_factory=list)  # at most max_restarts: no deque needed

    def record(self, now: float) -> int | None:
        """Count a restart at `now`; the attempt number, or None when over the limit."""
        while self.times and now - self.times[0] > self.intensity.within:
            del self.times[0]
        if len(self.times) >= self.intensity.max_restarts:
            return None
        self.times.append(now)
        return len(self.times)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delay before restart attempt n: min(maximum, initial * factor**(n-1)), +/- jitter."""

    initial: float = 0.1
    maximum: float = 5.0
    factor: float = 2.0
    jitter: float = 0.1  # a fraction of the delay, spread evenly both ways
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def __post_init__(self) -> None:
        if not (0 <= self.initial <= self.maximum) or self.factor < 1 or not 0 <= self.jitter < 1:
            raise ValueError("backoff needs 0 <= initial <= maximum, factor >= 1, 0 <= jitter < 1")

    def delay(self, attempt: int) -> float:
        base = min(self.maximum, self.initial * self.factor ** max(0, attempt - 1))
        spread = base * self.jitter
        return min(self.maximum, max(0.0, base + self.rng.uniform(-spread, spread)))


def request_stop_of(handle: Any) -> Callable[[], None] | None:
    """The handle's `request_stop` if it offers one (a graceful stop), else None."""
    stop = getattr(handle, "request_stop", None)
    return stop if callable(stop) else None


H = TypeVar("H")


@dataclass(frozen=True)  # no slots: `ChildKey[Store](...)` sets `__orig_class__`
class ChildKey(Generic[H]):
    """The id of a child together with the type of the handle it passes to `started()`:
    ``STORE = ChildKey[Store]("store")``, then ``root.child(STORE)`` is a `Store` (or None
    while it is not running) for the type checker too. A plain string id gives an `object`."""

    id: str
