"""Errors a supervisor raises to its parent or to a caller."""

from __future__ import annotations


class SupervisionError(Exception):
    """Base of the supervisors' errors."""


class SupervisorGaveUp(SupervisionError):
    """Restart intensity was exceeded: the supervisor stopped its children and failed.

    `__cause__` is the last error of the child that exhausted the limit, if it crashed.
    """

    def __init__(self, supervisor: str, child: str, max_restarts: int, within: float) -> None:
        super().__init__(
            f"supervisor {supervisor!r} gave up: child {child!r} needed more than "
            f"{max_restarts} restarts within {within:g}s"
        )
        self.supervisor = supervisor
        self.child = child


class ChildStartFailed(SupervisionError):
    """A child raised before it reported `started()`; `__cause__` is its error."""

    def __init__(self, supervisor: str, child: str, error: BaseException) -> None:
        super().__init__(f"{supervisor}/{child} failed to start: {type(error).__name__}: {error}")
        self.supervisor = supervisor
        self.child = child
        self.error = error


class SupervisorFull(SupervisionError):
    """A dynamic supervisor already runs its maximum number of children."""

    def __init__(self, supervisor: str, max_children: int) -> None:
        super().__init__(f"supervisor {supervisor!r} is full ({max_children} children)")
        self.supervisor = supervisor
        self.max_children = max_children


class SupervisorStopping(SupervisionError):
    """The supervisor is shutting down and starts no new child."""

    def __init__(self, supervisor: str) -> None:
        super().__init__(f"supervisor {supervisor!r} is stopping")
        self.supervisor = supervisor
