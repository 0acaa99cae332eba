"""A broadcast wake-up for tasks waiting on state changes (long polls, webhook, readers)."""

from __future__ import annotations

import trio


class Signal:
    """`notify()` wakes every task currently in `wait()`; later waiters wait for the next.

    Waiters re-check their condition after waking, so a notify between the check and the
    wait is never lost (the check and `wait()` run without a checkpoint between them).
    """

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = trio.Event()

    def notify(self) -> None:
        """Wake all current waiters. Never blocks, never raises."""
        self._event.set()
        self._event = trio.Event()

    async def wait(self) -> None:
        """Sleep until the next `notify()`."""
        await self._event.wait()
