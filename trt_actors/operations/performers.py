"""Who answers the journey's lookups and performs its operations, area by area.

Each area's storage side is one value, `AreaPerformers`, built in its own module
(`operations.admin`, `operations.money`, …) with its decorators: `@PERFORMERS.reads(Kind)` (a
read inside the session's read transaction), `@PERFORMERS.performs(Kind)` (a write inside the
update's transaction, idempotent by the operation's key), `@PERFORMERS.probes(Kind)` (a lookup
answered with live I/O under `PROBE_DEADLINE`), `@PERFORMERS.performs_live(Kind)` (an
operation done with live parts: a change of the tenant's terms, a refund through Telegram) and
`@PERFORMERS.remembers(Kind)` (what the process keeps in memory once it committed).
`Performers(areas)` composes them (`operations.PERFORMERS`, the one list) and refuses a kind
answered twice; `check_complete` refuses, at start, a lookup or operation an area of the
journey declares that nobody answers, and one answered that no area declares.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import structlog
import trio

from trt_actors.domain.effects import Lookup, Operation
from trt_actors.storage import Store, Tx

if TYPE_CHECKING:  # the live parts' own modules import this package (the session does)
    from trt_actors.actors.outbound import Outbound
    from trt_actors.coordination import Coordination
    from trt_actors.kie import CreditPause, KieClient
    from trt_actors.tenants.live_terms import TenantTerms

R = TypeVar("R")
Op = TypeVar("Op", bound=Operation)

log = structlog.get_logger(__name__)

PROBE_DEADLINE = 8.0  # one live probe (well under the outbound call deadline it may wait on)


@dataclass(frozen=True, slots=True)
class Site:
    """Where a lookup or an operation happens: the tenant, the user, the update, the time."""

    tenant: str
    user_id: int
    update_id: int
    now: datetime.datetime


@dataclass(frozen=True, slots=True)
class ProbeFailed:
    """What a probe answers when it could not finish: the error's type and text."""

    error: str


Reader = Callable[[Tx, Any, Site], object]
Performer = Callable[[Tx, Any, Site], object]
Probe = Callable[["Services", Any, Site], Awaitable[object]]
Live = Callable[["Services", Any, Site], Awaitable[object]]
Remember = Callable[[Any, Any, object], None]
"""Called in the trio thread with the tenant's live terms (`tenants.session_terms.TermsSource`),
the operation and its result, once the operation's transaction committed. It must not block."""

F = TypeVar("F", bound=Callable[..., object])


class PerformerCollision(ValueError):
    """A lookup or an operation answered twice, or one the journey's areas and the performers
    do not agree on."""


class AreaPerformers:
    """The storage and live side of one area of the bot. Its module builds it with the
    decorators below; nothing else adds to it."""

    def __init__(self, area: str) -> None:
        self.area = area
        self.readers: dict[type[Lookup[object]], Reader] = {}
        self.performers: dict[type[Operation], Performer] = {}
        self.probes_: dict[type[Lookup[object]], Probe] = {}
        self.live: dict[type[Operation], Live] = {}
        self.memories: dict[type[Operation], Remember] = {}

    def reads(
        self, kind: type[Lookup[R]]
    ) -> Callable[[Callable[[Tx, Any, Site], R]], Callable[[Tx, Any, Site], R]]:
        """The function that reads lookups of `kind` inside a read transaction; it returns
        what `kind` names as its result (`Lookup[R]`)."""
        return self._register(self.readers, kind, "a reader")

    def performs(self, kind: type[Op]) -> Callable[[F], F]:
        """The function that performs operations of `kind` inside a transaction. It must be
        idempotent by the operation's key: performed again, it changes nothing and returns
        the same answer."""
        return self._register(self.performers, kind, "a performer")

    def probes(
        self, kind: type[Lookup[R]]
    ) -> Callable[
        [Callable[[Services, Any, Site], Awaitable[R | ProbeFailed]]],
        Callable[[Services, Any, Site], Awaitable[R | ProbeFailed]],
    ]:
        """The async function that answers lookups of `kind` with live I/O (not a storage
        read): what `kind` names, or `ProbeFailed`. The session runs it before handling,
        under `PROBE_DEADLINE`, and keeps a failure out of `Context.found`."""
        return self._register(self.probes_, kind, "a probe")

    def performs_live(self, kind: type[Op]) -> Callable[[F], F]:
        """The async function that performs operations of `kind` with live parts rather than
        inside the session's transaction. It must be idempotent, like every operation."""
        return self._register(self.live, kind, "a live performer")

    def remembers(self, kind: type[Op]) -> Callable[[F], F]:
        """What the process keeps in memory once an operation of `kind` has committed."""
        return self._register(self.memories, kind, "a memory")

    def _register(self, table: dict[Any, Any], kind: type, what: str) -> Callable[[F], F]:
        def register(function: F) -> F:
            if kind in table:
                raise PerformerCollision(f"{kind.__name__} already has {what} in {self.area!r}")
            table[kind] = function
            return function

        return register


class Performers:
    """Every area's performers, composed: what the session calls for an update's lookups
    and operations. Read-only once built."""

    def __init__(self, areas: Iterable[AreaPerformers]) -> None:
        self.areas = tuple(areas)
        self._readers: dict[type[Lookup[object]], Reader] = {}
        self._performers: dict[type[Operation], Performer] = {}
        self._probes: dict[type[Lookup[object]], Probe] = {}
        self._live: dict[type[Operation], Live] = {}
        self._memories: dict[type[Operation], Remember] = {}
        owners: dict[tuple[str, type], str] = {}
        for area in self.areas:  # read or probed; performed here or live: once
            _merge("lookup", area.readers, self._readers, area.area, owners)
            _merge("lookup", area.probes_, self._probes, area.area, owners)
            _merge("operation", area.performers, self._performers, area.area, owners)
            _merge("operation", area.live, self._live, area.area, owners)
            _merge("memory", area.memories, self._memories, area.area, owners)

    @property
    def lookups(self) -> frozenset[type[Lookup[object]]]:
        return frozenset((*self._readers, *self._probes))

    @property
    def operations(self) -> frozenset[type[Operation]]:
        return frozenset((*self._performers, *self._live))

    def check_complete(
        self, lookups: Iterable[type[Lookup[object]]], operations: Iterable[type[Operation]]
    ) -> None:
        """Refuse (PerformerCollision) a lookup or operation the journey's areas declare that
        nobody answers, and one answered that no area declares."""
        declared_lookups, declared_operations = frozenset(lookups), frozenset(operations)
        problems = [
            *_named("lookup {} is declared but nobody reads it", declared_lookups - self.lookups),
            *_named("lookup {} is read but no area declares it", self.lookups - declared_lookups),
            *_named(
                "operation {} is settled but nobody performs it",
                declared_operations - self.operations,
            ),
            *_named(
                "operation {} is performed but no area settles it",
                self.operations - declared_operations,
            ),
        ]
        if problems:
            raise PerformerCollision("; ".join(problems))

    def read_all(
        self, tx: Tx, lookups: Iterable[Lookup[object]], site: Site
    ) -> dict[Lookup[object], object]:
        """Every lookup's result. A lookup nobody reads is a programming error (TypeError)."""
        found: dict[Lookup[object], object] = {}
        for lookup in lookups:
            reader = self._readers.get(type(lookup))
            if reader is None:
                raise TypeError(f"no reader for {type(lookup).__name__}")
            found[lookup] = reader(tx, lookup, site)
        return found

    def perform_all(
        self, tx: Tx, operations: Sequence[Operation], site: Site
    ) -> tuple[object, ...]:
        """Every operation's result, in order, in the caller's transaction."""
        results = []
        for operation in operations:
            performer = self._performers.get(type(operation))
            if performer is None:
                raise TypeError(f"no performer for {type(operation).__name__}")
            results.append(performer(tx, operation, site))
        return tuple(results)

    def remember_all(
        self, terms: Any, operations: Sequence[Operation], results: Sequence[object]
    ) -> None:
        """After the operations' transaction committed: update what memory keeps of them."""
        for operation, result in zip(operations, results, strict=True):
            remember = self._memories.get(type(operation))
            if remember is not None:
                remember(terms, operation, result)

    def is_probe(self, lookup: Lookup[object]) -> bool:
        return type(lookup) in self._probes

    def is_live(self, operation: Operation) -> bool:
        return type(operation) in self._live

    async def probe_all(
        self, services: Services | None, lookups: Iterable[Lookup[object]], site: Site
    ) -> dict[Lookup[object], object]:
        """Every probe lookup's answer. A probe that failed or overran its deadline is left
        out (the screen shows the data as unavailable) and logged, instead of holding the
        user's session; what the handler finds is always what the lookup names."""
        found: dict[Lookup[object], object] = {}
        for lookup in lookups:
            answer: object = ProbeFailed("not available in this process")
            if services is not None:
                answer = ProbeFailed(f"no answer within {PROBE_DEADLINE:g} s")
                with trio.move_on_after(PROBE_DEADLINE):
                    answer = await self._probes[type(lookup)](services, lookup, site)
            if isinstance(answer, ProbeFailed):
                log.warning("probe.failed", lookup=type(lookup).__name__, error=answer.error)
            else:
                found[lookup] = answer
        return found

    async def perform_live(
        self, services: Services | None, operation: Operation, site: Site
    ) -> object:
        """One live operation's result; `ProbeFailed` when it could not finish in time."""
        if services is None:
            return ProbeFailed("not available in this process")
        with trio.move_on_after(PROBE_DEADLINE):
            return await self._live[type(operation)](services, operation, site)
        return ProbeFailed(f"no answer within {PROBE_DEADLINE:g} s")


K = TypeVar("K", bound=type)
V = TypeVar("V")


def _merge(
    what: str, table: dict[K, V], into: dict[K, V], area: str, owners: dict[tuple[str, type], str]
) -> None:
    for kind, function in table.items():
        if (what, kind) in owners:
            raise PerformerCollision(
                f"{what} {kind.__name__} is answered twice "
                f"(areas {owners[what, kind]!r} and {area!r})"
            )
        owners[what, kind] = area
        into[kind] = function


def _named(pattern: str, kinds: Iterable[type]) -> list[str]:
    return [pattern.format(name) for name in sorted(kind.__name__ for kind in kinds)]


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
    kie_pause: CreditPause | None = None  # paused generations: KIE is out of credits


class ConfigFinding(Protocol):
    """One finding of the configuration check (`operator.doctor.Finding`)."""

    @property
    def level(self) -> str: ...

    @property
    def subject(self) -> str: ...

    @property
    def text(self) -> str: ...
