"""`Lookup[R]`: data a handler asks the session to read before it handles an update, typed by
what the read gives (`R`)."""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

R_co = TypeVar("R_co", covariant=True)


class Lookup(Generic[R_co]):
    """Base of the data a handler asks the session to read before it handles an update.

    Subclasses are frozen dataclasses (hashable) named for what they find, e.g. a job by id,
    and name the type of what is found: `class JobById(Lookup[JobView | None])`. The session
    reads each one (`trt_actors.operations`: the reader's return type is checked against `R`)
    and hands the results to the handler in `Context.found`, keyed by the lookup itself;
    `Context.lookup(JobById(7))` is then a `JobView | None` to mypy. An `admin_only` lookup is
    never read for a user who is not an admin of the tenant, whatever the handler asks."""

    __slots__ = ()
    admin_only: ClassVar[bool] = False
