"""The in-process bus of supervision events.

Every start, exit, crash, restart, give-up and stop of every supervised child is one
`LifecycleEvent`: it is written to the log as one structured line and handed to every
subscriber (the ops feed, `trt top`, tests). The ordinary life of a child that comes and goes
by the thousand — a user's session starting, resting, being removed (`frequent`) — is logged at
debug: at info it was three lines per visit, the most of a busy service's log and of its
logging's CPU. Crashes, kills, restarts and give-ups are logged at their level whatever the
child; subscribers get every event. Publishing never blocks and never raises: a
subscriber that does not keep up loses the oldest events it has not read, and the bus counts
them.
"""

from __future__ import annotations

import contextlib
import enum
import time
from collections import deque
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import Any

import structlog
import trio

log = structlog.get_logger("trt.supervision")

HISTORY_SIZE = 512
SUBSCRIBER_BUFFER = 256


class EventKind(enum.StrEnum):
    STARTED = "started"
    EXITED = "exited"  # returned normally
    CRASHED = "crashed"  # raised an error
    KILLED = "killed"  # cancelled: brutal shutdown, or its grace ran out
    RESTARTING = "restarting"
    GAVE_UP = "gave_up"  # restart intensity exceeded
    STOPPED = "stopped"  # removed for good
    PARKED = "parked"  # a tenant stopped for an outside reason (token rejected), checked later


_LEVELS = {
    EventKind.CRASHED: "error",
    EventKind.GAVE_UP: "error",
    EventKind.PARKED: "error",
    EventKind.KILLED: "warning",
    EventKind.RESTARTING: "warning",
}


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """One thing that happened to one child of one supervisor."""

    kind: EventKind
    supervisor: (
        str  # the supervisor's path in the tree, e.g. "root/tenants/tenant:default/sessions"
    )
    child: str  # the child's id within that supervisor
    at: float  # wall-clock seconds since the epoch
    tenant: str | None = None
    error_type: str | None = None
    error: str | None = None
    attempt: int | None = None  # restarts: which attempt this is within the intensity window
    delay: float | None = None  # restarts: seconds waited before starting again
    reason: str | None = None
    frequent: bool = False  # a child of which there are thousands: its ordinary life at debug

    @property
    def path(self) -> str:
        return f"{self.supervisor}/{self.child}"

    def as_dict(self) -> dict[str, Any]:
        """The fields that are set, `kind` as its text (not `frequent`: how it is logged)."""
        data = {name: value for name in _EVENT_FIELDS if (value := getattr(self, name)) is not None}
        data["kind"] = self.kind.value
        return data

    @property
    def level(self) -> str:
        """The log level of this event: an alarm's own, else debug for a frequent child."""
        return _LEVELS.get(self.kind) or ("debug" if self.frequent else "info")


_EVENT_FIELDS = tuple(f.name for f in fields(LifecycleEvent) if f.name != "frequent")


class EventBus:
    """Fans lifecycle events out to the log and to bounded subscriber channels."""

    def __init__(self, history: int = HISTORY_SIZE) -> None:
        self._history: deque[LifecycleEvent] = deque(maxlen=history)
        self._subscribers: list[_Subscriber] = []
        self.published = 0

    def publish(self, event: LifecycleEvent) -> None:
        """Log the event and hand it to every subscriber. Never blocks, never raises."""
        self.published += 1
        self._history.append(event)
        fields = event.as_dict()
        kind = fields.pop("kind")
        getattr(log, event.level)(f"supervisor.child_{kind}", **fields)
        for subscriber in self._subscribers:
            subscriber.offer(event)

    def recent(self) -> list[LifecycleEvent]:
        """The last events, oldest first (at most `history` of them)."""
        return list(self._history)

    @contextlib.contextmanager
    def subscribe(self, buffer: int = SUBSCRIBER_BUFFER) -> Iterator[_Subscriber]:
        """Receive every event published while the context is open."""
        subscriber = _Subscriber(buffer)
        self._subscribers.append(subscriber)
        try:
            yield subscriber
        finally:
            self._subscribers.remove(subscriber)
            subscriber.close()


class _Subscriber:
    """One reader's bounded queue; when it is full the oldest unread event is dropped."""

    def __init__(self, buffer: int) -> None:
        self._send, self._recv = trio.open_memory_channel[LifecycleEvent](buffer)
        self.dropped = 0

    def offer(self, event: LifecycleEvent) -> None:
        try:
            self._send.send_nowait(event)
        except trio.WouldBlock:
            self._recv.receive_nowait()
            self.dropped += 1
            self._send.send_nowait(event)
        except trio.ClosedResourceError:
            pass  # the subscriber left while the event was on its way; nothing to deliver

    async def receive(self) -> LifecycleEvent:
        return await self._recv.receive()

    def receive_nowait(self) -> LifecycleEvent:
        return self._recv.receive_nowait()

    def drain(self) -> list[LifecycleEvent]:
        """Every event queued now, without waiting."""
        events: list[LifecycleEvent] = []
        while True:
            try:
                events.append(self._recv.receive_nowait())
            except (trio.WouldBlock, trio.EndOfChannel):
                return events

    def close(self) -> None:
        self._send.close()


_process_bus = EventBus()
current_bus: ContextVar[EventBus] = ContextVar("trt_event_bus", default=_process_bus)


def new_event(kind: EventKind, supervisor: str, child: str, **fields: Any) -> LifecycleEvent:
    return LifecycleEvent(kind=kind, supervisor=supervisor, child=child, at=time.time(), **fields)
