"""Request/reply: a one-shot reply slot that an asker waits on under its own deadline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import trio

from ._errors import ActorFailed, ActorStopped, AskTimeout

R = TypeVar("R")


class Ask(Generic[R]):
    """Base of a message that expects a reply of type `R`: ``class Take(Ask[int])``, then
    ``await ref.ask(Take(...), timeout)`` is an `int` for the type checker too.

    It only carries the type: it adds no field and no behaviour, so a frozen, slotted dataclass
    can derive from it. The actor's `handle` returns the reply, as for any request.
    """

    __slots__ = ()


class Reply(Generic[R]):
    """A reply that is set exactly once: a value, or an error for the asker.

    Later calls to `set` or `fail` are ignored, so an actor that crashes after replying, or a
    mailbox that is discarded after a reply was given, never changes what the asker got.
    """

    __slots__ = ("_done", "_error", "_value")

    def __init__(self) -> None:
        self._done = trio.Event()
        self._value: R | None = None
        self._error: Exception | None = None

    @property
    def is_set(self) -> bool:
        return self._done.is_set()

    @property
    def error(self) -> Exception | None:
        """The error it was failed with, if any (None while unset or when it has a value)."""
        return self._error

    def set(self, value: R) -> None:
        if not self._done.is_set():
            self._value = value
            self._done.set()

    def fail(self, error: Exception) -> None:
        if not self._done.is_set():
            self._error = error
            self._done.set()

    async def wait(self, name: str, timeout: float) -> R:
        """Wait at most `timeout` seconds; return the value or raise the typed error.

        Raises `AskTimeout`, or the error the replier failed it with (`ActorFailed`,
        `ActorStopped`, or a domain error); never hangs past `timeout`.
        """
        with trio.move_on_after(timeout):
            await self._done.wait()
        if not self._done.is_set():
            raise AskTimeout(name, timeout)
        if self._error is not None:
            raise self._error
        return self._value  # type: ignore[return-value]


@dataclass(slots=True)
class Request(Generic[R]):
    """An envelope for a message that expects a reply. Actors unwrap it before `handle`."""

    payload: Any
    reply: Reply[R] = field(default_factory=Reply)

    def failed(self, name: str, error: BaseException) -> None:
        self.reply.fail(ActorFailed(name, error))

    def stopped(self, name: str) -> None:
        self.reply.fail(ActorStopped(name))
