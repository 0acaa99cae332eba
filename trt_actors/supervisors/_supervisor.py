"""`Supervisor`: a nursery with a restart policy over a fixed, ordered list of children."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NoReturn, TypeVar, overload

import trio

from trt_actors.observability.events import EventBus, EventKind, current_bus, new_event

from ._child import (
    Child,
    ChildState,
    Exit,
    current_path,
    describe_child,
    error_fields,
    run_child,
    stop_child,
    unwrap,
)
from ._errors import ChildStartFailed, SupervisionError, SupervisorGaveUp
from ._spec import Backoff, ChildKey, ChildSpec, Intensity, RestartWindow, Strategy

H = TypeVar("H")

_STOP = object()


class Supervisor:
    """Starts its children in order, restarts them by policy, stops them in reverse order.

    Guarantees:
    - `run` reports `started(self)` only after every child reported started; if one fails to
      start, the ones already started are stopped (in reverse) and `ChildStartFailed` is raised;
    - an exit is handled by the child's restart type and the strategy; more than
      `intensity.max_restarts` restarts within `intensity.within` seconds make the supervisor
      stop every child and raise `SupervisorGaveUp` to its parent;
    - `request_stop()` stops the children in reverse start order, each asked first and
      cancelled when its grace ends; then `run` returns;
    - every child task runs in this supervisor's nursery, so none outlives it.
    """

    def __init__(
        self,
        name: str,
        children: Sequence[ChildSpec],
        *,
        strategy: Strategy = Strategy.ONE_FOR_ONE,
        intensity: Intensity | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        ids = [spec.id for spec in children]
        if len(set(ids)) != len(ids):
            raise ValueError(f"supervisor {name!r}: child ids must be unique, got {ids}")
        self.name = name
        self.path = name
        self.strategy = strategy
        self.intensity = intensity or Intensity()
        self.backoff = backoff
        self._specs = list(children)
        self._restarts: dict[str, int] = dict.fromkeys(ids, 0)
        self._bus: EventBus = current_bus.get()
        self._running = False
        self._reset()

    def _reset(self) -> None:
        """Fresh runtime state: each `run` (a restart included) starts from here."""
        self._children: dict[str, Child] = {}
        self._window = RestartWindow(self.intensity)
        self._signals_in, self._signals = trio.open_memory_channel[Any](math.inf)
        self._stop_requested = trio.Event()
        self._nursery: trio.Nursery | None = None

    # -- public surface ----------------------------------------------------------------------

    def request_stop(self) -> None:
        """Ask the supervisor to stop its children (reverse order) and return. Idempotent."""
        if not self._stop_requested.is_set():
            self._stop_requested.set()
            self._signals_in.send_nowait(_STOP)

    @overload
    def child(self, child_id: ChildKey[H]) -> H | None: ...

    @overload
    def child(self, child_id: str) -> object: ...

    def child(self, child_id: ChildKey[Any] | str) -> object:
        """The handle of a running child (what it passed to `started()`), else None; typed
        when asked by its `ChildKey`."""
        name = child_id.id if isinstance(child_id, ChildKey) else child_id
        child = self._children.get(name)
        return child.handle if child and child.state is ChildState.RUNNING else None

    def running(self, key: ChildKey[H]) -> H:
        """The handle of the running child `key`; `LookupError` if it is not running (a
        caller that can only run while its sibling does, e.g. after it in start order)."""
        handle = self.child(key)
        if handle is None:
            raise LookupError(f"{self.path}/{key.id} is not running")
        return handle

    def kill(self, child_id: str) -> bool:
        """Cancel a running child as if it had died: its restart type decides what follows.
        True if it was running. (Operators' "restart this actor"; also a test hook.)"""
        child = self._children.get(child_id)
        if child is None or child.state is not ChildState.RUNNING:
            return False
        child.scope.cancel()
        return True

    def describe(self) -> list[dict[str, Any]]:
        """The children in start order: id, state, restarts, age, mailbox, nested trees."""
        return [
            describe_child(self._children.get(spec.id), spec.id, self._restarts[spec.id])
            for spec in self._specs
        ]

    async def run(
        self, *, task_status: trio.TaskStatus[Supervisor] = trio.TASK_STATUS_IGNORED
    ) -> None:
        if self._running:
            raise RuntimeError(f"supervisor {self.path!r} is already running")
        self._running = True
        stop_requested = self._stop_requested.is_set()  # asked to stop before it ran
        self._reset()
        if stop_requested:
            self.request_stop()
        parent = current_path.get()
        self.path = f"{parent}/{self.name}" if parent else self.name
        self._bus = current_bus.get()
        failure: SupervisionError | None = None
        try:
            async with trio.open_nursery() as nursery:
                self._nursery = nursery
                try:
                    await self._start_initial()
                    task_status.started(self)
                    await self._supervise()
                except (ChildStartFailed, SupervisorGaveUp) as exc:
                    failure = exc  # raised below, bare: a parent sees the error, not a group
                nursery.cancel_scope.cancel()  # every child is stopped; nothing may linger
        finally:
            self._running = False
        if failure is not None:
            raise failure

    # -- starting ----------------------------------------------------------------------------

    async def _start_initial(self) -> None:
        for spec in self._specs:
            try:
                await self._start(spec)
            except ChildStartFailed:
                await self._shutdown(reason=f"{spec.id} failed to start")
                raise

    async def _start(self, spec: ChildSpec) -> Child:
        assert self._nursery is not None
        child = Child(spec)
        self._children[spec.id] = child
        try:
            await self._nursery.start(run_child, child, self.path, self._bus, self._report)
        except Exception as exc:  # noqa: BLE001 - whatever a child's start raises is a failed start
            error = unwrap(exc)
            self._publish(EventKind.CRASHED, spec.id, reason="start failed", **error_fields(error))
            raise ChildStartFailed(self.path, spec.id, error) from error
        self._publish(EventKind.STARTED, spec.id)
        return child

    def _report(self, child: Child, exit: Exit) -> None:
        self._signals_in.send_nowait((child, exit))

    # -- supervising -------------------------------------------------------------------------

    async def _supervise(self) -> None:
        async for signal in self._signals:
            if signal is _STOP:
                await self._shutdown(reason="shutdown")
                return
            child: Child
            exit: Exit
            child, exit = signal
            if child.stopping or self._children.get(child.id) is not child:
                continue  # an exit we caused, or of an incarnation already replaced
            self._publish(exit.kind, child.id, **error_fields(exit.error))
            if child.spec.restart.restarts_after(exit.crashed):
                await self._restart(child.id, exit.error)
            else:
                del self._children[child.id]
                reason = f"{exit.kind.value}, {child.spec.restart.value}: not restarted"
                await stop_child(child, self.path, self._bus, reason=reason)

    def _restart_group(self, failed: str) -> list[str]:
        order = [spec.id for spec in self._specs if spec.id in self._children]
        if self.strategy is Strategy.ONE_FOR_ALL:
            return order
        if self.strategy is Strategy.REST_FOR_ONE:
            return order[order.index(failed) :]
        return [failed]

    async def _restart(self, failed: str, error: BaseException | None) -> None:
        group = self._restart_group(failed)
        for child_id in reversed(group):
            if child_id != failed:
                reason = f"{self.strategy.value} restart after {failed} exited"
                await stop_child(
                    self._children[child_id], self.path, self._bus, reason=reason, terminate=False
                )
        pending = [self._children[child_id].spec for child_id in group]
        while pending:
            attempt = self._window.record(trio.current_time())
            if attempt is None:
                await self._give_up(failed, error)
            delay = self.backoff.delay(attempt) if self.backoff else 0.0
            self._restarts[failed] += 1
            self._publish(EventKind.RESTARTING, failed, attempt=attempt, delay=round(delay, 3))
            with trio.move_on_after(delay):
                await self._stop_requested.wait()
            if self._stop_requested.is_set():
                return  # the stop signal is queued: the loop shuts everything down next
            pending, failed, error = await self._start_group(pending, failed, error)

    async def _start_group(
        self, specs: list[ChildSpec], failed: str, error: BaseException | None
    ) -> tuple[list[ChildSpec], str, BaseException | None]:
        """Start `specs` in order; on a failed start, what is left to retry and why."""
        for index, spec in enumerate(specs):
            try:
                await self._start(spec)
            except ChildStartFailed as exc:
                return specs[index:], spec.id, exc.error
        return [], failed, error

    async def _give_up(self, child_id: str, error: BaseException | None) -> NoReturn:
        limit = self.intensity
        self._publish(
            EventKind.GAVE_UP,
            child_id,
            reason=f"more than {limit.max_restarts} restarts within {limit.within:g}s",
            **error_fields(error),
        )
        await self._shutdown(reason="supervisor gave up")
        raise SupervisorGaveUp(self.path, child_id, limit.max_restarts, limit.within) from error

    async def _shutdown(self, *, reason: str) -> None:
        for spec in reversed(self._specs):
            child = self._children.pop(spec.id, None)
            if child is not None:
                await stop_child(child, self.path, self._bus, reason=reason)

    def _publish(self, kind: EventKind, child_id: str, **fields: Any) -> None:
        self._bus.publish(new_event(kind, self.path, child_id, **fields))
