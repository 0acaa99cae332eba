"""Who reads each lookup and who performs each operation: two tables filled by decorators."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from trt_actors.domain.effects import Lookup, Operation
from trt_actors.storage import Tx

L = TypeVar("L", bound=Lookup)
Op = TypeVar("Op", bound=Operation)


@dataclass(frozen=True, slots=True)
class Site:
    """Where a lookup or an operation happens: the tenant, the user, the update, the time."""

    tenant: str
    user_id: int
    update_id: int
    now: datetime.datetime


Reader = Callable[[Tx, Any, Site], object]
Performer = Callable[[Tx, Any, Site], object]

_READERS: dict[type[Lookup], Reader] = {}
_PERFORMERS: dict[type[Operation], Performer] = {}


def reads(
    kind: type[L],
) -> Callable[[Callable[[Tx, L, Site], object]], Callable[[Tx, L, Site], object]]:
    """Register the function that reads lookups of `kind` inside a read transaction."""

    def register(function: Callable[[Tx, L, Site], object]) -> Callable[[Tx, L, Site], object]:
        if kind in _READERS:
            raise ValueError(f"{kind.__name__} already has a reader")
        _READERS[kind] = function
        return function

    return register


def performs(
    kind: type[Op],
) -> Callable[[Callable[[Tx, Op, Site], object]], Callable[[Tx, Op, Site], object]]:
    """Register the function that performs operations of `kind` inside a transaction. It must
    be idempotent by the operation's key: performed again, it changes nothing and returns the
    same answer."""

    def register(function: Callable[[Tx, Op, Site], object]) -> Callable[[Tx, Op, Site], object]:
        if kind in _PERFORMERS:
            raise ValueError(f"{kind.__name__} already has a performer")
        _PERFORMERS[kind] = function
        return function

    return register


def read_all(tx: Tx, lookups: Iterable[Lookup], site: Site) -> dict[Lookup, object]:
    """Every lookup's result. A lookup nobody reads is a programming error (TypeError)."""
    found: dict[Lookup, object] = {}
    for lookup in lookups:
        reader = _READERS.get(type(lookup))
        if reader is None:
            raise TypeError(f"no reader for {type(lookup).__name__}")
        found[lookup] = reader(tx, lookup, site)
    return found


def perform_all(tx: Tx, operations: Sequence[Operation], site: Site) -> tuple[object, ...]:
    """Every operation's result, in order, in the caller's transaction."""
    results = []
    for operation in operations:
        performer = _PERFORMERS.get(type(operation))
        if performer is None:
            raise TypeError(f"no performer for {type(operation).__name__}")
        results.append(performer(tx, operation, site))
    return tuple(results)
