"""The actor base: one task that owns its state and reads one bounded mailbox."""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, overload

import structlog
import trio

from trt_actors.mailboxes import (
    Ask,
    Mailbox,
    MailboxClosed,
    MailboxStats,
    Overflow,
    Request,
    ask,
)
from trt_actors.supervisors import ChildSpec, Restart

log = structlog.get_logger(__name__)

M = TypeVar("M")
R = TypeVar("R")

DEFAULT_CAPACITY = 100
DEFAULT_GRACE = 5.0


class Actor(Generic[M]):
    """Subclass and override `handle`; `on_start` and `on_stop` are optional.

    - `on_start` runs before the actor reports `started()`: a supervisor's next child starts
      only after it returned, and an error there is a failed start.
    - `handle` gets one message at a time, in mailbox order. Its return value is the reply to
      an `ask` (an `R` for a message that derives from `Ask[R]`). An error it raises crashes
      the actor (the asker gets `ActorFailed`) and its supervisor decides what happens next.
    - `on_stop` runs after a graceful stop (not when the grace ran out and it was cancelled).
    - `on_passivated` runs when the actor ends because it was idle (`idle_after`): its
      mailbox is closed and empty, and nothing asked it to stop. Then `on_stop` runs too.
    - `self.tasks` is a nursery that lives as long as this run of the actor: work it starts
      there (timers, concurrent sends) is cancelled when the actor ends, and an error in it
      crashes the actor like an error in `handle`. An actor class that starts no work of its
      own sets `uses_tasks = False` and has none: a nursery (its cancel scope and sets, about
      1 KB) less for each of thousands of running sessions.
    """

    __slots__ = ("ref", "tasks")  # a subclass without __slots__ has a __dict__ as usual

    uses_tasks: ClassVar[bool] = True
    tasks: trio.Nursery
    ref: ActorRef[M]  # its own ref: `self.ref.request_stop()` ends it after the current message

    async def on_start(self) -> None:
        """Initialise (load state, open resources). Runs before `started()` is reported."""

    async def handle(self, message: M) -> object:
        raise NotImplementedError

    async def on_stop(self) -> None:
        """Clean up after a graceful stop."""

    def on_passivated(self) -> None:
        """Leave behind what the next incarnation may take up (an idle passivation only)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who an actor is: added to every log event emitted from its task."""

    name: str
    tenant: str | None = None
    key: str | None = None

    def log_fields(self) -> dict[str, str]:
        fields = {"actor": self.name}
        if self.tenant is not None:
            fields["tenant"] = self.tenant
        if self.key is not None:
            fields["key"] = self.key
        return fields


class _Incarnation:
    """One run of an actor: what a stop request needs to reach it."""

    __slots__ = ("exited", "receive_scope", "scope", "stop_requested")

    def __init__(self) -> None:
        self.scope = trio.CancelScope()
        self.receive_scope: trio.CancelScope | None = None
        self.stop_requested = False
        self.exited = trio.Event()


class ActorRef(Generic[M]):
    """A handle to an actor: send, ask, stop. It stays valid across restarts.

    The mailbox belongs to the ref, not to one run of the actor: messages queued when an
    actor crashes are handled by its restarted incarnation.
    """

    __slots__ = ("_incarnation", "identity", "mailbox")

    def __init__(self, identity: Identity, mailbox: Mailbox[Any]) -> None:
        self.identity = identity
        self.mailbox = mailbox
        self._incarnation: _Incarnation | None = None

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def running(self) -> bool:
        incarnation = self._incarnation
        return incarnation is not None and not incarnation.exited.is_set()

    async def send(self, message: M) -> bool:
        """Queue a message by the mailbox's overflow policy (see `Mailbox.send`)."""
        return await self.mailbox.send(message)

    def send_nowait(self, message: M) -> bool:
        return self.mailbox.send_nowait(message)

    @overload
    async def ask(self, message: Ask[R], timeout: float) -> R: ...

    @overload
    async def ask(self, message: M, timeout: float) -> object: ...

    async def ask(self, message: M | Ask[Any], timeout: float) -> object:
        """Send and wait for the reply within `timeout` (see `mailboxes.ask`).

        A message that derives from `Ask[R]` gets an `R` back (the actor's `handle` returns
        it); any other message an `object`, for the caller to check."""
        return await ask(self.mailbox, message, timeout)

    def request_stop(self) -> None:
        """Ask the actor to stop after the message it is handling. Returns at once."""
        incarnation = self._incarnation
        if incarnation is None or incarnation.stop_requested:
            return
        incarnation.stop_requested = True
        if incarnation.receive_scope is not None:
            incarnation.receive_scope.cancel()

    async def stop(self, grace: float = DEFAULT_GRACE) -> None:
        """Request a stop, wait up to `grace` seconds, then cancel. Returns once it ended."""
        incarnation = self._incarnation
        if incarnation is None:
            return
        self.request_stop()
        with trio.move_on_after(grace):
            await incarnation.exited.wait()
        incarnation.scope.cancel()
        await incarnation.exited.wait()

    def stats(self) -> MailboxStats:
        return self.mailbox.stats()

    def __repr__(self) -> str:
        return f"<ActorRef {self.name} running={self.running}>"


async def run_actor(
    factory: Callable[[], Actor[M]],
    ref: ActorRef[M],
    *,
    idle_after: float | None = None,
    close_on_exit: bool = True,
    task_status: trio.TaskStatus[ActorRef[M]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run one incarnation of an actor on `ref`'s mailbox. Start it with `nursery.start`.

    Reports `started(ref)` after `on_start`. Returns when stopped, when the mailbox is closed
    and drained, or (with `idle_after`) after that many seconds without a message: it then
    closes the mailbox in the same step, so a later sender gets `MailboxClosed` rather than a
    message left unread. With `close_on_exit`, the mailbox is closed (queued requests fail with
    `ActorStopped`) however the run ends; supervised actors leave that to `on_terminated`.
    """
    incarnation = _Incarnation()
    ref._incarnation = incarnation
    structlog.contextvars.bind_contextvars(**ref.identity.log_fields())
    try:
        with incarnation.scope:
            actor = factory()
            actor.ref = ref
            async with trio.open_nursery() if actor.uses_tasks else _NO_TASKS as tasks:
                if tasks is not None:
                    actor.tasks = tasks
                await actor.on_start()
                task_status.started(ref)
                graceful = await _loop(actor, ref, incarnation, idle_after)
                if graceful:
                    await actor.on_stop()
                if tasks is not None:
                    tasks.cancel_scope.cancel()
    finally:
        incarnation.exited.set()
        if close_on_exit:
            ref.mailbox.close(discard=True)


async def _loop(
    actor: Actor[M], ref: ActorRef[M], incarnation: _Incarnation, idle_after: float | None
) -> bool:
    """Receive and handle until stopped; True when the stop was graceful.

    Only the wait for a message is under the idle deadline and reachable by a stop request:
    a message, once received, is handled whole, however long it takes and however long the
    actor had been idle before it came."""
    mailbox = ref.mailbox
    while not incarnation.stop_requested:
        message: Any = _NOTHING
        idle = math.inf if idle_after is None else trio.current_time() + idle_after
        with trio.CancelScope(deadline=idle) as receive_scope:
            incarnation.receive_scope = receive_scope
            try:
                message = await mailbox.receive()
            except MailboxClosed:
                return True
            finally:
                incarnation.receive_scope = None
        if message is not _NOTHING:
            await _deliver(actor, ref, message)
            continue
        if incarnation.stop_requested:
            return True
        if mailbox.depth == 0:  # idle: passivate. No checkpoint between check and close.
            mailbox.close()
            actor.on_passivated()
            log.debug("actor.passivated", idle_after=idle_after)
            return True
    return True


_NOTHING = object()  # no message received (the wait was ended by idleness or a stop)
_NO_TASKS = contextlib.nullcontext()  # an actor that `uses_tasks = False`: no nursery


async def _deliver(actor: Actor[M], ref: ActorRef[M], message: Any) -> None:
    if not isinstance(message, Request):
        await actor.handle(message)
        return
    try:
        result = await actor.handle(message.payload)
    except BaseException as exc:
        message.failed(ref.name, exc)
        raise
    message.reply.set(result)


def actor_child(
    child_id: str,
    factory: Callable[[], Actor[M]],
    *,
    capacity: int = DEFAULT_CAPACITY,
    overflow: Overflow = Overflow.WAIT,
    restart: Restart = Restart.PERMANENT,
    shutdown: float = DEFAULT_GRACE,
    idle_after: float | None = None,
    tenant: str | None = None,
    key: str | None = None,
) -> tuple[ChildSpec, ActorRef[M]]:
    """A child spec that runs the actor made by `factory`, and the ref to reach it.

    The ref exists before the actor starts, so siblings can be wired to it when the tree is
    built. Its mailbox outlives restarts and is closed when the child is gone for good.
    """
    identity = Identity(name=child_id, tenant=tenant, key=key)
    mailbox: Mailbox[Any] = Mailbox(child_id, capacity, overflow)
    ref: ActorRef[M] = ActorRef(identity, mailbox)

    # a partial, not a wrapping coroutine: one frame less for each running actor
    start = functools.partial(run_actor, factory, ref, idle_after=idle_after, close_on_exit=False)

    def terminated() -> None:
        mailbox.close(discard=True)

    spec = ChildSpec(
        id=child_id, start=start, restart=restart, shutdown=shutdown, on_terminated=terminated
    )
    return spec, ref
