"""The mailbox and actor error hierarchy: every failure a sender or asker can see."""

from __future__ import annotations


class MailboxError(Exception):
    """Base of every error raised by a mailbox or an ask."""


class MailboxFull(MailboxError):
    """A mailbox with the `reject` policy was full: the message was not accepted."""

    def __init__(self, name: str, capacity: int) -> None:
        super().__init__(f"mailbox {name!r} is full (capacity {capacity})")
        self.name = name
        self.capacity = capacity


class MailboxClosed(MailboxError):
    """The mailbox was closed: its actor has stopped for good, nothing more is accepted."""

    def __init__(self, name: str) -> None:
        super().__init__(f"mailbox {name!r} is closed")
        self.name = name


class AskTimeout(MailboxError, TimeoutError):
    """No reply came within the asker's deadline. The request may still be handled later."""

    def __init__(self, name: str, timeout: float) -> None:
        super().__init__(f"no reply from {name!r} within {timeout:g}s")
        self.name = name
        self.timeout = timeout


class ActorFailed(MailboxError):
    """The actor crashed while handling this request; `__cause__` is its error."""

    def __init__(self, name: str, error: BaseException) -> None:
        super().__init__(f"actor {name!r} failed: {type(error).__name__}: {error}")
        self.name = name
        self.error = error


class ActorStopped(MailboxError):
    """The actor stopped before it handled this request."""

    def __init__(self, name: str) -> None:
        super().__init__(f"actor {name!r} stopped before replying")
        self.name = name
