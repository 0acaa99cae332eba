"""`collapse_single_group`: unwrap the exception group a private nursery adds.

A context manager that runs the caller's body inside its own nursery (for a background
task the caller never sees) would otherwise turn every exception of the body into an
``ExceptionGroup`` of one. The background tasks of this package never raise, so a group
of exactly one exception is the body's own exception, re-raised as it was.
"""

from __future__ import annotations

from types import TracebackType

__all__ = ["collapse_single_group"]


class collapse_single_group:
    """Re-raise a group holding a single exception as that exception.

    Groups of two or more exceptions (for example several `trio.Cancelled`) propagate
    unchanged; trio's cancel scopes handle those.
    """

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
            inner = exc.exceptions[0]
            context = inner.__context__
            try:
                raise inner
            finally:
                inner.__context__ = context  # not the group that merely carried it
