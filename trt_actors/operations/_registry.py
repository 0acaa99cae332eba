"""Who reads each lookup and who performs each operation: two tables filled by decorators."""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import trio

from trt_actors.domain.effects import Lookup, Operation
from trt_actors.storage import Store, Tx

if TYPE_CHECKING:  # the live parts' own modules import this package (the session does)
    from trt_actors.actors.outbound import Outbound
    from trt_actors.coordination import Coordination
    from trt_actors.kie import KieClient
    from trt_actors.tenants.live_terms import TenantTerms

L = TypeVar("L", bound=Lookup)
Op = TypeVar("Op", bound=Operation)

PROBE_DEADLINE = 8.0  # one live probe (well under the outbound call deadline it may wait on)


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


Remember = Callable[[Any, Any, object], None]
_REMEMBER: dict[type[Operation], Remember] = {}


def remembers(kind: type[Op]) -> Callable[[Remember], Remember]:
    """Register what the process keeps in memory once an operation of `kind` has committed:
    called in the trio thread with the tenant's live terms (`tenants.session_terms.TermsSource`),
    the operation and its result. It must not block."""

    def register(function: Remember) -> Remember:
        if kind in _REMEMBER:
            raise ValueError(f"{kind.__name__} already has a memory")
        _REMEMBER[kind] = function
        return function

    return register


def remember_all(terms: Any, operations: Sequence[Operation], results: Sequence[object]) -> None:
    """After the operations' transaction committed: update what memory keeps of them."""
    for operation, result in zip(operations, results, strict=True):
        remember = _REMEMBER.get(type(operation))
        if remember is not None:
            remember(terms, operation, result)


@dataclass(frozen=True, slots=True)
class Services:
    """The live parts of a tenant a probe or a live operation may use: its outbound actor
    (Telegram), its KIE client (None without a key), the coordination node now running, the
    store, and the tenant's live business terms (`tenants.live_terms.TenantTerms`)."""

    outbound: Outbound
    kie: KieClient | None
    coordination: Callable[[], Coordination | None]  # the one running now, if any
    store: Store
    terms: TenantTerms
    wake_job: Callable[[int], Awaitable[object]] | None = None  # start or wake a job's actor
    tenants: tuple[str, ...] = ()  # every tenant of this process, the default one first
    # `trt doctor`'s checks of this tenant's deployment (the configuration check screen)
    check_config: Callable[[], Awaitable[Sequence[ConfigFinding]]] | None = None


class ConfigFinding(Protocol):
    """One finding of the configuration check (`ops.doctor.Finding`)."""

    @property
    def level(self) -> str: ...

    @property
    def subject(self) -> str: ...

    @property
    def text(self) -> str: ...


Probe = Callable[[Services, Any, Site], Awaitable[object]]
_PROBES: dict[type[Lookup], Probe] = {}


@dataclass(frozen=True, slots=True)
class ProbeFailed:
    """What a probe answers when it could not finish: the error's type and text."""

    error: str


def probes(kind: type[L]) -> Callable[[Probe], Probe]:
    """Register the async function that answers lookups of `kind` with live I/O (not a
    storage read). The session runs it before handling, under `PROBE_DEADLINE`."""

    def register(function: Probe) -> Probe:
        if kind in _PROBES:
            raise ValueError(f"{kind.__name__} already has a probe")
        _PROBES[kind] = function
        return function

    return register


def is_probe(lookup: Lookup) -> bool:
    return type(lookup) in _PROBES


async def probe_all(
    services: Services | None, lookups: Iterable[Lookup], site: Site
) -> dict[Lookup, object]:
    """Every probe lookup's answer; a probe that overruns its deadline answers `ProbeFailed`
    (the admin sees it) instead of holding the user's session."""
    found: dict[Lookup, object] = {}
    for lookup in lookups:
        if services is None:
            found[lookup] = ProbeFailed("not available in this process")
            continue
        with trio.move_on_after(PROBE_DEADLINE):
            found[lookup] = await _PROBES[type(lookup)](services, lookup, site)
        found.setdefault(lookup, ProbeFailed(f"no answer within {PROBE_DEADLINE:g} s"))
    return found


Live = Callable[[Services, Any, Site], Awaitable[object]]
_LIVE: dict[type[Operation], Live] = {}


def performs_live(kind: type[Op]) -> Callable[[Live], Live]:
    """Register the async function that performs operations of `kind` with live parts (a
    change of the tenant's terms, a refund through Telegram) rather than inside the
    session's transaction. It must be idempotent, like every operation."""

    def register(function: Live) -> Live:
        if kind in _LIVE:
            raise ValueError(f"{kind.__name__} already has a live performer")
        _LIVE[kind] = function
        return function

    return register


def is_live(operation: Operation) -> bool:
    return type(operation) in _LIVE


async def perform_live(services: Services | None, operation: Operation, site: Site) -> object:
    """One live operation's result; `ProbeFailed` when it could not finish in time."""
    if services is None:
        return ProbeFailed("not available in this process")
    with trio.move_on_after(PROBE_DEADLINE):
        return await _LIVE[type(operation)](services, operation, site)
    return ProbeFailed(f"no answer within {PROBE_DEADLINE:g} s")
