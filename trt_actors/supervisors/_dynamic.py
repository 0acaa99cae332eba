"""`DynamicSupervisor`: many children of one kind, keyed, started on demand."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from typing import Any, Generic, NoReturn, cast

import trio
from typing_extensions import TypeVar

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
from ._errors import ChildStartFailed, SupervisorFull, SupervisorGaveUp, SupervisorStopping
from ._spec import Backoff, ChildSpec, Intensity, RestartWindow

K = TypeVar("K", bound=Hashable)
H = TypeVar("H", default=object)  # the handle a child passes to `started()` (an `ActorRef`)

_STOP = object()
DESCRIBE_LIMIT = 100  # children listed one by one in `describe`


class _Entry:
    """One key's slot: its spec (kept across restarts) and its current incarnation."""

    __slots__ = ("child", "key", "ready", "restarts", "spec", "start_error", "window")

    def __init__(self, key: Any, spec: ChildSpec, intensity: Intensity) -> None:
        self.key = key
        self.spec = spec
        self.child: Child | None = None
        self.ready = trio.Event()  # set when the current start attempt has finished
        self.start_error: BaseException | None = None
        self.window = RestartWindow(intensity)
        self.restarts = 0


class DynamicSupervisor(Generic[K, H]):
    """Runs one child per key, made by `factory(key)`, up to `max_children` at once.

    Guarantees:
    - `get_or_start(key)` starts at most one child per key, however many callers ask at once;
      they all get the same handle, or the same start error;
    - a child that exits normally (an idle actor passivating) is removed; the next
      `get_or_start` for its key starts a fresh one;
    - a crash restarts that child only, by its restart type; more than `child_intensity`
      restarts of one key give up on that key alone (its slot is freed), while more than
      `intensity` restarts across all keys make the supervisor stop and fail to its parent;
    - `request_stop()` stops all children in parallel, each within its grace.

    `frequent_children`: its children come and go by the thousand (users' sessions), so their
    ordinary starts, exits and stops are logged at debug (`LifecycleEvent.frequent`).
    """

    def __init__(
        self,
        name: str,
        factory: Callable[[K], ChildSpec],
        *,
        max_children: int = 10_000,
        intensity: Intensity | None = None,
        child_intensity: Intensity | None = None,
        backoff: Backoff | None = None,
        frequent_children: bool = False,
    ) -> None:
        if max_children < 1:
            raise ValueError("max_children must be at least 1")
        self.name = name
        self.path = name
        self.max_children = max_children
        self.intensity = intensity or Intensity(max_restarts=100, within=10.0)
        self.child_intensity = child_intensity or Intensity()
        self.backoff = backoff
        self.frequent_children = frequent_children
        self._factory = factory
        self._bus: EventBus = current_bus.get()
        self._reset()

    def _reset(self) -> None:
        """Fresh runtime state: each `run` (a restart included) starts from here."""
        self._entries: dict[K, _Entry] = {}
        self._window = RestartWindow(self.intensity)
        self._signals_in, self._signals = trio.open_memory_channel[Any](math.inf)
        self._stopping = trio.Event()
        self._nursery: trio.Nursery | None = None

    # -- public surface ----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self) -> list[K]:
        return list(self._entries)

    def get(self, key: K) -> H | None:
        """The running child's handle for `key`, or None (absent, starting or restarting)."""
        entry = self._entries.get(key)
        child = entry.child if entry else None
        return cast(H, child.handle) if child and child.state is ChildState.RUNNING else None

    async def get_or_start(self, key: K) -> H:
        """The handle of the child for `key`, started if absent. Bounded by the caller's deadline.

        Raises `SupervisorFull`, `SupervisorStopping`, or `ChildStartFailed`.
        """
        while True:
            if self._stopping.is_set() or self._nursery is None:
                raise SupervisorStopping(self.path)
            entry = self._entries.get(key)
            if entry is None:
                return await self._start_new(key)
            child = entry.child
            if child is not None and child.state is ChildState.RUNNING:
                return cast(H, child.handle)
            if entry.ready.is_set() and entry.start_error is not None:
                raise ChildStartFailed(self.path, entry.spec.id, entry.start_error)
            await entry.ready.wait()
            if entry.start_error is not None:  # the start we waited for failed: same answer
                raise ChildStartFailed(self.path, entry.spec.id, entry.start_error)

    async def stop_child(self, key: K) -> None:
        """Stop the child for `key` for good (asked, then cancelled after its grace)."""
        entry = self._entries.pop(key, None)
        if entry is not None and entry.child is not None:
            await self._stop_entry(entry.child, "stopped by request")

    def request_stop(self) -> None:
        """Stop every child in parallel, then return from `run`. Idempotent."""
        if not self._stopping.is_set():
            self._stopping.set()
            self._signals_in.send_nowait(_STOP)

    def describe(self, limit: int = DESCRIBE_LIMIT) -> list[dict[str, Any]]:
        """Up to `limit` children (id, state, restarts, age, mailbox); then one summary row."""
        entries = list(self._entries.values())
        rows = [
            describe_child(entry.child, entry.spec.id, entry.restarts)
            if entry.child is not None
            else {"id": entry.spec.id, "state": "restarting", "restarts": entry.restarts}
            for entry in entries[:limit]
        ]
        if len(entries) > limit:
            rows.append(
                {"id": f"... {len(entries) - limit} more", "state": "running", "restarts": 0}
            )
        return rows

    async def run(
        self, *, task_status: trio.TaskStatus[DynamicSupervisor[K, H]] = trio.TASK_STATUS_IGNORED
    ) -> None:
        if self._nursery is not None:
            raise RuntimeError(f"supervisor {self.path!r} is already running")
        self._reset()
        parent = current_path.get()
        self.path = f"{parent}/{self.name}" if parent else self.name
        self._bus = current_bus.get()
        failure: SupervisorGaveUp | None = None
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started(self)
            try:
                await self._supervise()
            except SupervisorGaveUp as exc:
                failure = exc  # raised below, bare: a parent sees the error, not a group
            finally:
                self._stopping.set()
            nursery.cancel_scope.cancel()  # a child that began starting during shutdown
        self._nursery = None
        if failure is not None:
            raise failure

    # -- starting ----------------------------------------------------------------------------

    async def _start_new(self, key: K) -> H:
        if len(self._entries) >= self.max_children:
            raise SupervisorFull(self.path, self.max_children)
        entry = _Entry(key, self._factory(key), self.child_intensity)
        self._entries[key] = entry
        started = False
        try:
            await self._start(entry)
            started = True
        finally:
            if not started and self._entries.get(key) is entry:
                del self._entries[key]  # failed or cancelled while starting: free the slot
            entry.ready.set()
        assert entry.child is not None
        return cast(H, entry.child.handle)

    async def _start(self, entry: _Entry) -> None:
        assert self._nursery is not None
        child = Child(entry.spec, key=entry.key)
        entry.child = child
        entry.start_error = None
        try:
            await self._nursery.start(run_child, child, self.path, self._bus, self._report)
        except Exception as exc:  # noqa: BLE001 - whatever a child's start raises is a failed start
            error = entry.start_error = unwrap(exc)
            self._publish(
                EventKind.CRASHED, entry.spec.id, reason="start failed", **error_fields(error)
            )
            raise ChildStartFailed(self.path, entry.spec.id, error) from error
        self._publish(EventKind.STARTED, entry.spec.id)

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
            entry = self._entries.get(child.key)
            if child.stopping or entry is None or entry.child is not child:
                continue
            if not exit.announced:
                self._publish(exit.kind, child.id, **error_fields(exit.error))
            if child.spec.restart.restarts_after(exit.crashed):
                await self._schedule_restart(entry, exit.error)
            else:
                del self._entries[child.key]
                reason = f"{exit.kind.value}, {child.spec.restart.value}: not restarted"
                await self._stop_entry(child, reason)

    async def _schedule_restart(self, entry: _Entry, error: BaseException | None) -> None:
        """Count the restart (giving up on the key, or on everything, past the limits)."""
        if self._window.record(trio.current_time()) is None:
            await self._give_up(entry, error)
        attempt = entry.window.record(trio.current_time())
        if attempt is None:
            del self._entries[entry.key]
            limit = self.child_intensity
            self._publish(
                EventKind.GAVE_UP,
                entry.spec.id,
                reason=f"more than {limit.max_restarts} restarts within {limit.within:g}s",
                **error_fields(error),
            )
            if entry.child is not None:
                await self._stop_entry(entry.child, "gave up on this child")
            return
        entry.restarts += 1
        entry.ready = trio.Event()
        entry.child = None
        delay = self.backoff.delay(attempt) if self.backoff else 0.0
        self._publish(EventKind.RESTARTING, entry.spec.id, attempt=attempt, delay=round(delay, 3))
        assert self._nursery is not None
        self._nursery.start_soon(self._restart, entry, delay)

    async def _restart(self, entry: _Entry, delay: float) -> None:
        with trio.move_on_after(delay):
            await self._stopping.wait()
        if self._stopping.is_set() or self._entries.get(entry.key) is not entry:
            entry.ready.set()
            return
        try:
            await self._start(entry)
        except ChildStartFailed as exc:
            assert entry.child is not None
            self._report(entry.child, Exit(EventKind.CRASHED, exc.error, announced=True))
        finally:
            entry.ready.set()

    async def _give_up(self, entry: _Entry, error: BaseException | None) -> NoReturn:
        limit = self.intensity
        self._publish(
            EventKind.GAVE_UP,
            entry.spec.id,
            reason=f"more than {limit.max_restarts} restarts within {limit.within:g}s in all",
            **error_fields(error),
        )
        await self._shutdown(reason="supervisor gave up")
        raise SupervisorGaveUp(
            self.path, entry.spec.id, limit.max_restarts, limit.within
        ) from error

    async def _shutdown(self, *, reason: str) -> None:
        self._stopping.set()
        entries, self._entries = list(self._entries.values()), {}
        async with trio.open_nursery() as nursery:
            for entry in entries:
                if entry.child is not None:
                    nursery.start_soon(self._stop_entry, entry.child, reason)
                elif entry.spec.on_terminated is not None:
                    entry.spec.on_terminated()

    async def _stop_entry(self, child: Child, reason: str) -> None:
        """Stop `child` for good, its events published as this supervisor's children's are."""
        await stop_child(
            child, self.path, self._bus, reason=reason, frequent=self.frequent_children
        )

    def _publish(self, kind: EventKind, child_id: str, **fields: Any) -> None:
        self._bus.publish(
            new_event(kind, self.path, child_id, frequent=self.frequent_children, **fields)
        )
