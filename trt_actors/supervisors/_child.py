"""One running child: its task, its exit report, and its stop (ask, wait the grace, cancel).

Shared by `Supervisor` and `DynamicSupervisor`, so both start, watch and stop children the same
way. The child's task runs in its supervisor's nursery: nothing outlives the supervisor.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import structlog
import trio

from trt_actors.observability.events import EventBus, EventKind, current_bus, new_event

from ._spec import ChildSpec, request_stop_of

current_path: ContextVar[str] = ContextVar("trt_supervision_path", default="")
"""The path of the supervisor that runs the current task (set inside every child's task)."""


class ChildState(enum.Enum):
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    EXITED = "exited"


@dataclass(frozen=True, slots=True)
class Exit:
    """How a child's task ended."""

    kind: EventKind  # EXITED, CRASHED or KILLED
    error: BaseException | None = None
    announced: bool = False  # its event was already published (a failed restart)

    @property
    def crashed(self) -> bool:
        return self.kind is EventKind.CRASHED


class Child:
    """The runtime record of one incarnation of a child."""

    __slots__ = (
        "exit",
        "exited",
        "handle",
        "key",
        "scope",
        "spec",
        "started_at",
        "state",
        "stopping",
    )

    def __init__(self, spec: ChildSpec, key: Any = None) -> None:
        self.spec = spec
        self.key = key
        self.state = ChildState.STARTING
        self.handle: Any = None
        self.scope = trio.CancelScope()
        self.exited = trio.Event()
        self.exit: Exit | None = None
        self.started_at = trio.current_time()
        self.stopping = False  # set once its supervisor decided to stop it: exits are expected

    @property
    def id(self) -> str:
        return self.spec.id


class _StartedRelay:
    """Forwards `started(handle)` to the supervisor and records the handle on the child.

    It lets go of trio's task status once used: a child's frames keep the relay as long as
    the child runs, and the status holds the nursery its start began in."""

    __slots__ = ("_child", "_task_status")

    def __init__(self, child: Child, task_status: trio.TaskStatus[Any]) -> None:
        self._child = child
        self._task_status: trio.TaskStatus[Any] | None = task_status

    def started(self, value: Any = None) -> None:
        task_status, self._task_status = self._task_status, None
        if task_status is None:
            raise RuntimeError("started() called twice")
        self._child.handle = value
        self._child.state = ChildState.RUNNING
        task_status.started(value)


async def run_child(
    child: Child,
    path: str,
    bus: EventBus,
    report: Callable[[Child, Exit], None],
    *,
    task_status: trio.TaskStatus[Any],
) -> None:
    """The body of a child's task. Reports its exit through `report` once it started.

    An error raised before `started()` propagates to the `nursery.start` caller (a failed
    start). Cancellation from outside the child's own scope, and any BaseException such as
    KeyboardInterrupt, propagate untouched: they are never turned into a restart.
    """
    structlog.contextvars.clear_contextvars()
    current_path.set(path)
    current_bus.set(bus)
    outcome = Exit(EventKind.EXITED)
    relay = _StartedRelay(child, task_status)
    del task_status  # the relay lets go of it once the child started (see `_StartedRelay`)
    try:
        with child.scope:
            try:
                await child.spec.start(task_status=relay)
            except* Exception as group:
                if child.state is ChildState.STARTING:
                    raise
                outcome = Exit(EventKind.CRASHED, unwrap(group))
        if child.scope.cancelled_caught:
            outcome = Exit(EventKind.KILLED)
    finally:
        child.state = ChildState.EXITED
        child.exit = outcome
        child.exited.set()
    report(child, outcome)


def unwrap(error: BaseException) -> BaseException:
    """The one error inside a group of one (nested groups unwrapped); else the error itself."""
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


async def stop_child(
    child: Child,
    path: str,
    bus: EventBus,
    *,
    reason: str,
    terminate: bool = True,
    frequent: bool = False,
) -> None:
    """Stop one child: ask it (if it can be asked), wait its grace, then cancel it.

    Returns when the child's task has ended. Publishes KILLED if it was asked to stop and had
    to be cancelled when its grace ran out (a child without a stop hook, or a brutal shutdown,
    is cancelled as its normal stop), and always STOPPED at the end. With `terminate`, the
    child is gone for good: its `on_terminated` runs. A child stopped only to be restarted
    (one_for_all, rest_for_one) keeps what outlives an incarnation, such as its mailbox.
    `frequent`: the child is one of thousands alike (its STOPPED is logged at debug).
    """
    child.stopping = True
    if child.state is not ChildState.EXITED:
        child.state = ChildState.STOPPING
        ask = request_stop_of(child.handle)
        if child.spec.shutdown > 0 and ask is not None:
            ask()
            with trio.move_on_after(child.spec.shutdown):
                await child.exited.wait()
        if not child.exited.is_set():
            child.scope.cancel()
            await child.exited.wait()
            if ask is not None and child.spec.shutdown > 0:  # asked, and its grace ran out
                grace = f"{child.spec.shutdown:g}s grace"
                bus.publish(
                    new_event(
                        EventKind.KILLED,
                        path,
                        child.id,
                        reason=f"{reason} ({grace})",
                        frequent=frequent,
                    )
                )
    bus.publish(new_event(EventKind.STOPPED, path, child.id, reason=reason, frequent=frequent))
    if terminate and child.spec.on_terminated is not None:
        child.spec.on_terminated()


def describe_child(child: Child | None, child_id: str, restarts: int) -> dict[str, Any]:
    """One row of a tree listing: id, state, restarts, age, mailbox counters, nested rows."""
    row: dict[str, Any] = {
        "id": child_id,
        "state": child.state.value if child else "absent",
        "restarts": restarts,
    }
    if child is None:
        return row
    row["age"] = round(trio.current_time() - child.started_at, 1)
    stats = getattr(child.handle, "stats", None)
    if callable(stats):
        mailbox = stats()
        row["mailbox"] = {
            "depth": mailbox.depth,
            "high_water": mailbox.high_water,
            "dropped": mailbox.dropped,
        }
    describe = getattr(child.handle, "describe", None)
    if callable(describe):
        row["children"] = describe()
    return row


def error_fields(error: BaseException | None) -> dict[str, str]:
    if error is None:
        return {}
    return {"error_type": type(error).__name__, "error": str(error)}
