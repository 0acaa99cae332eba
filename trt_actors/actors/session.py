"""The session actor: one per user, the only place that user's updates are handled.

It loads the user's state when it starts, handles updates one at a time in the order they
were received, and for each one: reads what the pure domain handler asks for (its lookups),
runs it, performs its operations in one transaction and lets it settle the answer (see
docs/journey.md, "Lookups and operations"), makes the Bot API calls it asks for through the
outbound actor, then saves the new state and marks the inbox row done in one transaction.
A crash is retried by restarting the actor (the update is kept in the slot that outlives
incarnations); an update that keeps failing is set aside with an event and the user
gets an apology with the main-menu button — no update ends in silence. A database that
cannot be reached is no fault of the update: the session waits for it (up to 30 s, backing
off) and tries again, without counting an attempt or crashing; so for a Telegram out of reach
(up to 5 minutes, the call that failed made again, not those before it).

Delivery is at least once: a crash after the replies went out but before the commit repeats
them when the update is handled again. The ids of the last `RECENT_KEPT` updates handled are
saved in the state, and an update among them is skipped, so one read back from the inbox
after it was handled is never handled twice — while one that arrives late (an older id, from
another instance or a sweep) is still handled, not skipped.

Every transaction of an update checks its partition's fencing token (`InboxUpdate.token`),
when it has one: if another instance owns the partition now, nothing is written (`Fenced`),
the update stays pending for the new owner, and this session stops.
"""

from __future__ import annotations

import datetime
import pickle
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import structlog
import trio

from trt_actors.catalog import Catalog, Tariff, load_catalog
from trt_actors.domain.context import NO_SETTINGS, Context
from trt_actors.domain.effects import (
    BotCall,
    CancelGeneration,
    Handler,
    Lookup,
    Operation,
    Outcome,
    RedeliverResult,
    StartGeneration,
)
from trt_actors.domain.quota import quota_day
from trt_actors.domain.screens import jobs as job_screens
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.texts import DEFAULT_LANGUAGE, LANGUAGES
from trt_actors.domain.updates import SYSTEM_USER, Incoming, read
from trt_actors.domain.view import send
from trt_actors.kie import CreditPause
from trt_actors.observability.correlation import (
    correlations,
    current_correlation,
    update_correlation,
)
from trt_actors.observability.metrics import metrics
from trt_actors.operations import PERFORMERS, Performers, Services, Site
from trt_actors.storage import (
    Currency,
    Fenced,
    InboxEntry,
    InboxState,
    InvalidState,
    StorageUnavailable,
    Store,
    Tx,
)
from trt_actors.telegram.errors import (
    BadRequest,
    BotBlocked,
    CallTimeout,
    TelegramError,
    TransientError,
    chat_unreachable,
    edit_unreachable,
)
from trt_actors.tenants.bot_identity import BotIdentity
from trt_actors.tenants.session_terms import FixedTerms, TermsSource

from ._actor import Actor
from .flood_limit import FloodGate, FloodLimit
from .inbox_update import InboxUpdate
from .job.opening import Refused, open_jobs
from .outbound import Outbound
from .resident_states import ResidentStates

log = structlog.get_logger(__name__)

T = TypeVar("T")

MAX_ATTEMPTS = 3  # tries of one update before it is set aside
STORAGE_PATIENCE = 30.0  # seconds an update waits for the database before it counts as failed
STORAGE_RETRY_FIRST = 0.5
STORAGE_RETRY_MAX = 5.0
TELEGRAM_PATIENCE = 300.0  # seconds a reply waits for Telegram before the update counts as failed
TELEGRAM_RETRY_FIRST = 1.0
TELEGRAM_RETRY_MAX = 15.0
EDIT_ONLY_PARAMS = frozenset({"message_id", "inline_message_id"})  # not for a sendMessage
EARLY_ANSWER_AFTER = 0.4  # seconds of work after which a press is answered before its outcome
ANSWER_TIMEOUT = 5.0  # seconds to send an early answer
RECENT_UPDATES = "recent_updates"  # state key: the ids of the last updates handled
RECENT_KEPT = 16
LAST_UPDATE = "last_update_id"  # the newest one handled, in states saved before that


class SessionSlot:
    """What outlives one incarnation of a user's session actor."""

    __slots__ = ("retry",)

    def __init__(self) -> None:
        self.retry: InboxUpdate | None = None  # the update that crashed the last incarnation


class SessionActor(Actor[InboxUpdate]):
    uses_tasks = False  # it starts no work of its own: no nursery for each live user
    # one per live user: slots keep each a few hundred bytes smaller (docs/benchmarks.md)
    __slots__ = (
        "_results_kept",
        "catalog",
        "gate",
        "handler",
        "identity",
        "kie_pause",
        "on_finished",
        "outbound",
        "performers",
        "resident",
        "secret",
        "services",
        "slot",
        "start_job",
        "state",
        "store",
        "taken_up",
        "tenant",
        "terms",
        "token",
        "user_id",
        "version",
        "wake_job",
    )

    def __init__(
        self,
        tenant: str,
        user_id: int,
        *,
        store: Store,
        outbound: Outbound,
        handler: Handler,
        slot: SessionSlot,
        on_finished: Callable[[int], None] | None = None,
        start_job: Callable[[int], Awaitable[object]] | None = None,
        wake_job: Callable[[int], Awaitable[object]] | None = None,
        tariff: Tariff | None = None,
        settings: TenantSettings = NO_SETTINGS,
        terms: TermsSource | None = None,
        services: Services | None = None,
        secret: bytes = b"",
        performers: Performers = PERFORMERS,
        identity: BotIdentity | None = None,
        flood: FloodLimit | None = None,
        kie_pause: CreditPause | None = None,
        catalog: Catalog | None = None,
        resident: ResidentStates | None = None,
    ) -> None:
        self.tenant = tenant
        self.user_id = user_id
        self.store = store
        self.outbound = outbound
        self.handler = handler
        self.performers = performers  # who reads its lookups and performs its operations
        self.identity = identity or BotIdentity()  # the bot's username, once getMe gave it
        self.gate = FloodGate(flood) if flood is not None else None  # a flooding user slowed
        self.slot = slot
        self.on_finished = on_finished  # told after each update this user's session is done with
        self.start_job = start_job
        # The tree passes the tenant's live terms; without them, fixed ones.
        self.terms = terms or FixedTerms(settings, tariff or load_catalog().default_tariff())
        self.services = services  # the live parts probes use (admin diagnostics)
        self.wake_job = wake_job
        self.secret = secret  # signs invoices and referral codes (domain.invoice)
        self.kie_pause = kie_pause  # paused: KIE is out of credits, confirmations refused
        self.catalog = catalog  # names the model of a refused confirmation
        self.resident = resident  # where the state rests between runs (None: storage only)
        self.state: dict[str, Any] = {}
        self.version = 0
        # the fencing token the state was last saved under; None: none, or nothing fenced
        self.token: int | None = None
        self.taken_up = False  # the state came from `resident`, not from storage
        # updates whose operations' results are kept (`operation_results`) until they are done
        self._results_kept: set[int] | None = None  # made by the first update that keeps any

    async def on_start(self) -> None:
        rested = None
        if self.resident is not None and self.slot.retry is None:
            rested = self.resident.take(self.user_id, trio.current_time())
        if rested is None:
            await self._load()
        else:  # the state this user's last actor left: no storage read
            self.state, self.version, self.token = rested.state(), rested.version, rested.token
            self.taken_up = True
        retry, self.slot.retry = self.slot.retry, None
        if retry is not None:
            await self.handle(retry)

    def on_passivated(self) -> None:
        """Idle: leave the state for this user's next actor (see `resident_states`)."""
        if self.resident is not None and self.user_id != SYSTEM_USER:
            self.resident.leave(
                self.user_id, self.state, self.version, self.token, trio.current_time()
            )

    async def handle(self, message: InboxUpdate) -> None:
        """Handle one update whole; then tell the dispatcher (`on_finished`) — unless it
        crashed and is kept for the next incarnation, which tells it once done."""
        try:
            await self._handle(message)
        except Fenced as exc:  # another instance owns this user now: it handles the update
            log.info("session.fenced", update_id=message.update_id, error=str(exc))
            self.ref.request_stop()
        if self.on_finished is not None:
            self.on_finished(self.user_id)

    def _handled_before(self, update_id: int) -> bool:
        recent = self.state.get(RECENT_UPDATES)
        if isinstance(recent, list):
            return update_id in recent
        return update_id == self.state.get(LAST_UPDATE)

    async def _handle(self, message: InboxUpdate) -> None:
        if self.taken_up and message.token != self.token:
            # left under another fencing token: the partition was elsewhere meanwhile
            await self._patiently(message, self._load)
        self.taken_up = False
        if self._handled_before(message.update_id):
            return  # a replay of something this session saved
        incoming = read(message.payload())
        correlation = update_correlation(message.update_id)
        current_correlation.set(correlation)
        structlog.contextvars.bind_contextvars(correlation_id=correlation)
        arrived = trio.current_time() if message.committed_at is None else message.committed_at
        if self.gate is not None and not self.gate.passes(incoming, arrived):
            language = self.state.get("language")
            calls = self.gate.slowed(
                incoming, language if isinstance(language, str) else None, arrived
            )
            await self._process(message, incoming, Outcome(dict(self.state), calls))
            metrics.updates_processed.labels(self.tenant, "slowed").inc()
            log.info("session.slowed", update_id=message.update_id, kind=incoming.kind.value)
            return
        try:
            await self._process(message, incoming)
        except Fenced:
            raise
        except Exception as exc:
            self.slot.retry = message
            outcome = await self._failed(message, incoming, exc)
            metrics.updates_processed.labels(self.tenant, outcome).inc()
            if outcome != "failed":  # set aside (the user was told), or handled elsewhere
                self.slot.retry = None
                return
            raise
        metrics.updates_processed.labels(self.tenant, "handled").inc()
        correlations.record(self.tenant, "session", user=self.user_id, kind=incoming.kind.value)
        if message.committed_at is not None:
            metrics.inbox_lag.labels(self.tenant).observe(
                trio.current_time() - message.committed_at
            )

    async def _patiently(self, message: InboxUpdate, step: Callable[[], Awaitable[T]]) -> T:
        """Run a storage step of an update, again while the database cannot be reached —
        no fault of the update's, so no attempt is counted and nothing crashes — for up to
        `STORAGE_PATIENCE` seconds (a restart, a failover); then the error goes on. Only
        the failed step is run again: replies already sent are not sent twice."""
        return await _waiting_out(
            step,
            StorageUnavailable,
            STORAGE_WAIT,
            "session.storage_unavailable",
            update_id=message.update_id,
        )

    async def _load(self) -> None:
        if self.user_id == SYSTEM_USER:
            return
        session = await self.store.read(self.tenant, lambda tx: tx.sessions.load(self.user_id))
        self.state, self.version = session.state, session.version
        self.token = None  # read, not saved: the token it was saved under is not known here

    async def _context(
        self, update_id: int, lookups: Sequence[Lookup[object]] = (), *, account: bool = True
    ) -> Context:
        """What the handler knows besides the state: the balance and today's free uses from
        storage, what the handler's lookups found (one read transaction), and the tariff and
        business terms from the tenant's settings. With `account` False (the handler said the
        update shows no money) the balance and the free uses are not read (0 and none used):
        only whether an admin blocked the user, and the lookups; with no lookups either, the
        block comes from the tenant's memory (`TermsSource.blocked`) and nothing is read."""
        today = datetime.datetime.now(datetime.UTC)
        site = Site(self.tenant, self.user_id, update_id, today)
        terms = self.terms.current  # read once: one update sees one version of the terms
        is_admin = terms.is_admin(self.user_id)
        lookups = [lookup for lookup in lookups if is_admin or not lookup.admin_only]
        live = [lookup for lookup in lookups if self.performers.is_probe(lookup)]
        lookups = [lookup for lookup in lookups if not self.performers.is_probe(lookup)]

        allowance = terms.allowance_of(self.user_id)

        def read(tx: Tx) -> tuple[int, int, int, bool, int | None, dict[Lookup[object], object]]:
            user = tx.users.find(self.user_id)
            blocked = user is not None and user.is_blocked
            if not account:  # a menu from memory: no balance, no free uses
                return 0, 0, 0, blocked, None, self.performers.read_all(tx, lookups, site)
            available = tx.ledger.account(self.user_id, Currency.RUB).available
            used = tx.quota.used(self.user_id, quota_day(today, terms.timezone))
            bonus = tx.free_bonus.left(self.user_id)
            left = None
            if allowance is not None:
                left = max(0, allowance - tx.stats.allowance_spent(self.user_id))
            return (
                available,
                used,
                bonus,
                blocked,
                left,
                self.performers.read_all(tx, lookups, site),
            )

        balance, used, bonus, blocked, left, found = (
            0,
            0,
            0,
            False,
            None,
            dict[Lookup[object], object](),
        )
        remembered = self.terms.blocked(self.user_id)
        if self.user_id == SYSTEM_USER:
            pass
        elif account or lookups or remembered is None:
            balance, used, bonus, blocked, left, found = await self.store.read(self.tenant, read)
        else:  # a menu from memory: no storage read at all
            blocked = remembered
        if live:
            found.update(await self.performers.probe_all(self.services, live, site))
        language = self.state.get("language")
        return Context(
            now=today,
            tariff=self.terms.tariff,
            balance_kopecks=balance,
            free_left_today=max(0, terms.free_per_day - used),
            free_per_day=terms.free_per_day,
            is_admin=is_admin,
            blocked=blocked and not is_admin,
            allowance_left=left,
            support_contact=terms.support_contact,
            bot_username=self.identity.username,
            language=language if isinstance(language, str) else None,
            settings=terms,
            found=found,
            tenant_id=self.tenant,
            secret=self.secret,
            free_bonus_left=bonus,
            generation_paused=self.kie_pause is not None and self.kie_pause.paused,
        )

    async def _handled(self, message: InboxUpdate, incoming: Incoming) -> Outcome:
        """The handler's outcome for `incoming`, with everything it looked up and every
        operation it asked for performed (see `domain.effects.Operation`)."""
        wanted = list(self.handler.lookups(self.state, incoming))
        account = self.handler.needs_account(self.state, incoming)
        context = await self._context(message.update_id, wanted, account=account)
        outcome = self.handler(self.state, incoming, context)
        more = [k for k in self.handler.lookups(outcome.state, incoming) if k not in wanted]
        if more:  # the screen the handler moved to shows data not read yet: read, handle again
            wanted += more
            context = await self._context(message.update_id, wanted, account=account)
            outcome = self.handler(self.state, incoming, context)
        operations = [effect for effect in outcome.effects if isinstance(effect, Operation)]
        if not operations:
            return outcome
        site = Site(self.tenant, self.user_id, message.update_id, context.now)
        stored = [operation for operation in operations if not self.performers.is_live(operation)]
        done = iter(
            await self.store.run(
                self.tenant,
                lambda tx: self._perform(
                    tx, message, incoming, outcome, operations=stored, site=site
                ),
            )
        )
        results = [
            await self.performers.perform_live(self.services, operation, site)
            if self.performers.is_live(operation)
            else next(done)
            for operation in operations
        ]
        self.performers.remember_all(self.terms, operations, results)
        context = await self._context(message.update_id, wanted)
        settled = self.handler.settle(outcome, incoming, context, results)
        more = [k for k in self.handler.lookups(settled.state, incoming) if k not in wanted]
        if more:  # the answer shows what the operations made (a new broadcast's figures)
            context = await self._context(message.update_id, [*wanted, *more])
            settled = self.handler.settle(outcome, incoming, context, results)
        return settled

    async def _process(
        self, message: InboxUpdate, incoming: Incoming, slowed: Outcome | None = None
    ) -> None:
        """Handle `incoming` (or, `slowed`, answer it without work), make the outcome's calls
        and commit the new state with the update marked done."""
        early: EarlyAnswer | None = None
        if slowed is not None:
            outcome = slowed
        elif incoming.callback_id:
            outcome, early = await self._answering_early(message, incoming)
        else:
            outcome = await self._patiently(message, lambda: self._handled(message, incoming))
        if early is not None and early.answered:
            metrics.presses_answered_early.labels(self.tenant).inc()
            outcome = replace(outcome, calls=early.without_answer(outcome.calls))
        outcome = await self._make_calls(message, incoming, outcome)
        recent = self.state.get(RECENT_UPDATES)
        handled = [*(recent if isinstance(recent, list) else []), message.update_id]
        state = {**outcome.state, RECENT_UPDATES: handled[-RECENT_KEPT:]}
        state.pop(LAST_UPDATE, None)
        now = datetime.datetime.now(datetime.UTC)
        self.version, job_ids, woken, refused = await self._patiently(
            message,
            lambda: self.store.run(
                self.tenant, lambda tx: self._commit(tx, message, incoming, outcome, state, now=now)
            ),
        )
        self.state, self.token = state, message.token
        if self._results_kept is not None:
            self._results_kept.discard(message.update_id)
        await self._after_commit(message, job_ids, woken, refused, now)

    async def _after_commit(
        self,
        message: InboxUpdate,
        job_ids: Sequence[int],
        woken: Sequence[int],
        refused: Sequence[Refused],
        now: datetime.datetime,
    ) -> None:
        """What follows an update's commit: its new jobs started (a job that exists is
        resumed even if we die), stored Cancels and Send agains acted on, refused orders told."""
        for job_id in job_ids:
            if self.start_job is None:
                log.warning("session.no_job_runner", job=job_id)
            else:
                await self.start_job(job_id)
        for job_id in woken:  # a stored Cancel or Send again: the job's actor acts on it
            if self.wake_job is None:
                log.warning("session.no_job_runner", job=job_id)
            else:
                await self.wake_job(job_id)
        for refusal in refused:
            await self._not_started(message, refusal, now)

    async def _not_started(
        self, message: InboxUpdate, refusal: Refused, now: datetime.datetime
    ) -> None:
        """Tell the user a confirmed generation was not started after all (storage found
        no free generation left to reserve, or the balance short): nothing was taken. Made
        after the commit (the "starting" answer went before it), best effort: a Telegram
        that refuses it is logged, and the order is in no state to be lost."""
        effect = refusal.effect
        log.info(
            "session.start_refused",
            update_id=message.update_id,
            model=effect.model_id,
            why=refusal.why,
        )
        language = self.state.get("language")
        if self.catalog is None:  # a session built without one (tests): read it once
            self.catalog = load_catalog()
        turn = job_screens.job_turn(
            self.catalog,
            self.terms.tariff,
            language if language in LANGUAGES else DEFAULT_LANGUAGE,
            self.user_id,
            now,
        )
        screen = job_screens.not_started(turn, effect.model_id, refusal.why, effect.price_kopecks)
        try:
            await self._send(message, send(effect.chat_id, screen))
        except TelegramError as exc:
            log.warning("session.start_refused_unsent", error=f"{type(exc).__name__}: {exc}")

    async def _make_calls(
        self, message: InboxUpdate, incoming: Incoming, outcome: Outcome
    ) -> Outcome:
        """Make the outcome's calls in order; the outcome, marked when the user blocked the
        bot. A notice to someone else (a referrer, an admin) who blocked the bot, never wrote
        to it or is gone is their loss, not this update's failure: it is logged and skipped
        (any other failure of it fails the update, which is tried again)."""
        for call in outcome.calls:
            try:
                await self._send(message, call)
            except (BotBlocked, BadRequest) as exc:
                elsewhere = _to_another_chat(call, incoming.chat_id, self.user_id)
                if elsewhere and chat_unreachable(exc):
                    log.info("session.notice_undelivered", method=call.method, error=str(exc))
                    continue
                if elsewhere or not isinstance(exc, BotBlocked):
                    raise
                return replace(outcome, user_blocked=True)
        return outcome

    async def _send(self, message: InboxUpdate, call: BotCall) -> None:
        """Make one of the outcome's calls. Telegram out of reach (the call failed after its
        own retries: `CallTimeout`, `TransientError`) is no fault of the update: the call is
        made again, backing off, for up to `TELEGRAM_PATIENCE` seconds, without counting an
        attempt — the calls already made are not made again. An edit Telegram refuses because
        its message cannot be edited any more (deleted by the user, too old) is sent as a new
        message: the user sees the screen they asked for, and the update is not a failure."""
        await _waiting_out(
            lambda: self._send_once(call),
            (CallTimeout, TransientError),
            TELEGRAM_WAIT,
            "session.telegram_unavailable",
            update_id=message.update_id,
            method=call.method,
        )

    async def _send_once(self, call: BotCall) -> None:
        try:
            await self.outbound.call(call.method, call.params)
        except BadRequest as exc:
            chat = call.params.get("chat_id")
            if call.method != "editMessageText" or chat is None or not edit_unreachable(exc):
                raise
            log.info("session.edit_sent_as_new", error=exc.description)
            sent = {k: v for k, v in call.params.items() if k not in EDIT_ONLY_PARAMS}
            await self.outbound.call("sendMessage", sent)

    async def _answering_early(
        self, message: InboxUpdate, incoming: Incoming
    ) -> tuple[Outcome, EarlyAnswer]:
        """The press's outcome, with an `EarlyAnswer` sent meanwhile if it is slow to come."""
        early = EarlyAnswer(self.outbound, incoming.callback_id, incoming.callback_data or "")
        failure: Exception | None = None
        async with trio.open_nursery() as nursery:
            nursery.start_soon(early.run, trio.current_time() + EARLY_ANSWER_AFTER)
            try:
                outcome = await self._patiently(message, lambda: self._handled(message, incoming))
            except Exception as exc:  # noqa: BLE001 — raised as it is below, not in a group
                failure = exc
            early.settle()  # the outcome's answer will do, unless this one is on its way
        if failure is not None:
            raise failure
        return outcome, early

    def _commit(
        self,
        tx: Tx,
        message: InboxUpdate,
        incoming: Incoming,
        outcome: Outcome,
        state: dict[str, Any],
        *,
        now: datetime.datetime,
    ) -> tuple[int, list[int], list[int], list[Refused]]:
        """Profile, state, new jobs (with their money holds or reserved free generations,
        in the tenant's day of `now`), the user's requests on jobs (Cancel, Send again) and
        the inbox row in one transaction; the new state version, the new jobs' ids, the ids
        of the jobs to wake, and the confirmations that could not be opened."""
        _fence(tx, message)
        version = self.version
        if incoming.user is not None and self.user_id != SYSTEM_USER:
            self._profile(tx, incoming, state)
            if outcome.user_blocked is not None:
                tx.users.set_blocked_bot(incoming.user.user_id, outcome.user_blocked)
            version = tx.sessions.save(self.user_id, state, expected_version=version).version
        starts = [e for e in outcome.effects if isinstance(e, StartGeneration)]
        opening = open_jobs(tx, starts, self.terms.current, now) if starts else None
        woken = []
        for effect in outcome.effects:
            if isinstance(effect, CancelGeneration):
                if tx.jobs.request_cancel(effect.job_id, self.user_id):
                    woken.append(effect.job_id)
            elif isinstance(effect, RedeliverResult) and tx.jobs.request_redelivery(
                effect.job_id, self.user_id
            ):
                woken.append(effect.job_id)
        tx.inbox.mark_done(message.update_id)
        if self._results_kept and message.update_id in self._results_kept:  # most keep none
            tx.operation_results.forget(message.update_id)
        if opening is None:
            return version, [], woken, []
        return version, opening.started, woken, opening.refused

    def _profile(self, tx: Tx, incoming: Incoming, state: dict[str, Any]) -> None:
        """Create or refresh the user's profile from the update (a no-op without a user)."""
        profile = incoming.user
        if profile is None or self.user_id == SYSTEM_USER:
            return
        language = state.get("language")
        tx.users.upsert(
            profile.user_id,
            first_name=profile.first_name,
            username=profile.username,
            last_name=profile.last_name,
            language=language if isinstance(language, str) else None,
        )

    def _perform(
        self,
        tx: Tx,
        message: InboxUpdate,
        incoming: Incoming,
        outcome: Outcome,
        *,
        operations: list[Operation],
        site: Site,
    ) -> tuple[object, ...]:
        """The operations' transaction: the profile first (a new user's first update may
        credit them), then every operation — or, when an earlier attempt of this update
        performed the same operations and crashed before it was done, that attempt's
        answers (`operation_results`), so the calls they asked for are made this time."""
        _fence(tx, message)
        self._profile(tx, incoming, outcome.state)
        earlier = _results_of(tx.operation_results.find(message.update_id), operations)
        if self._results_kept is None:
            self._results_kept = set()
        self._results_kept.add(message.update_id)
        if earlier is not None:
            log.info("session.operations_answered_before", update_id=message.update_id)
            return earlier
        results = self.performers.perform_all(tx, operations, site)
        try:
            kept = pickle.dumps((operations, results))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:  # a bug: say so
            log.error("session.operation_results_unkept", error=f"{type(exc).__name__}: {exc}")
        else:
            tx.operation_results.keep(message.update_id, kept)
        return results

    async def _failed(self, message: InboxUpdate, incoming: Incoming, error: Exception) -> str:
        """Count the failure: "failed" (to be tried again), "set_aside" (now dead, the user
        told), or "elsewhere" (found handled already, by another instance)."""
        text = f"{type(error).__name__}: {error}"

        def record(tx: Tx) -> InboxEntry:
            _fence(tx, message)
            entry = tx.inbox.record_failure(
                message.update_id, error=text, max_attempts=MAX_ATTEMPTS
            )
            if entry.state is InboxState.DEAD:
                tx.operation_results.forget(message.update_id)
            return entry

        try:
            entry = await self.store.run(self.tenant, record)
        except InvalidState:  # no longer pending: another owner handled it meanwhile
            log.info("session.handled_elsewhere", update_id=message.update_id, error=text)
            self.ref.request_stop()  # this session's state is stale: the next one reloads
            return "elsewhere"
        if entry.state is not InboxState.DEAD:
            log.warning(
                "session.update_failed",
                update_id=message.update_id,
                attempt=entry.attempts,
                error=text,
            )
            return "failed"
        log.error(
            "session.update_set_aside",
            update_id=message.update_id,
            attempts=entry.attempts,
            error=text,
        )
        for call in self.handler.apology(incoming):
            try:
                await self.outbound.call(call.method, call.params)
            except TelegramError as exc:  # blocked, or Telegram down: the event above says why
                log.warning("session.apology_failed", error_type=type(exc).__name__)
        return "set_aside"


class EarlyAnswer:
    """A button press answered before its work is done.

    Telegram shows a spinner on a pressed button until the press is answered, and a press
    answered late looks dead. A handler answers its press first among its calls, but only once
    its lookups, probes and operations are done (a chart drawn, an export read, a slow
    database): when that takes longer than `EARLY_ANSWER_AFTER`, the press is answered then,
    with no text, and the edit or the message follows when the work is done. Telegram takes
    one answer per press, so the outcome's own answer (and a toast it carried) is left out."""

    def __init__(self, outbound: Outbound, query_id: str, data: str = "") -> None:
        self.outbound = outbound
        self.query_id = query_id
        self.data = data  # the press's callback data, for the event (which screens are slow)
        self.answered = False
        self._timer = trio.CancelScope()
        self._sending = False

    async def run(self, at: float) -> None:
        with self._timer:
            await trio.sleep_until(at)
        if self._timer.cancelled_caught:
            return
        self._sending = True
        try:
            await self.outbound.call(
                "answerCallbackQuery", {"callback_query_id": self.query_id}, timeout=ANSWER_TIMEOUT
            )
        except TelegramError as exc:  # the outcome's answer is tried in its turn
            log.warning("session.early_answer_failed", error=f"{type(exc).__name__}: {exc}")
            return
        self.answered = True
        log.info("session.press_answered_early", callback_data=self.data)

    def settle(self) -> None:
        """The outcome is ready: no early answer, unless it is being sent (then it finishes)."""
        if not self._sending:
            self._timer.cancel()

    @staticmethod
    def without_answer(calls: Sequence[BotCall]) -> list[BotCall]:
        return [call for call in calls if call.method != "answerCallbackQuery"]


@dataclass(frozen=True, slots=True)
class Wait:
    """How long a step waits out a cause outside the update, and how it backs off."""

    patience: float  # seconds, from the first failure's start, before the error goes on
    first: float  # the first pause
    most: float  # the longest pause


STORAGE_WAIT = Wait(STORAGE_PATIENCE, STORAGE_RETRY_FIRST, STORAGE_RETRY_MAX)
TELEGRAM_WAIT = Wait(TELEGRAM_PATIENCE, TELEGRAM_RETRY_FIRST, TELEGRAM_RETRY_MAX)


async def _waiting_out(
    step: Callable[[], Awaitable[T]],
    errors: type[Exception] | tuple[type[Exception], ...],
    wait: Wait,
    event: str,
    **fields: object,
) -> T:
    """`step`'s result, run again after each of `errors` (pausing `wait.first`, doubling up to
    `wait.most`, an `event` each time) until `wait.patience` would be passed: then the error
    goes on."""
    give_up_at = trio.current_time() + wait.patience
    tries = 0
    while True:
        try:
            return await step()
        except errors as exc:
            tries += 1
            delay = min(wait.most, wait.first * 2 ** (tries - 1))
            if trio.current_time() + delay > give_up_at:
                raise
            log.warning(event, retry_in=delay, error=f"{type(exc).__name__}: {exc}", **fields)
            await trio.sleep(delay)


def _results_of(kept: bytes | None, operations: list[Operation]) -> tuple[object, ...] | None:
    """The results kept by an earlier attempt, if it performed these same operations.

    Pickled: the results are this program's own frozen dataclasses, read back from its own
    database a few seconds later. One that no longer reads (the program changed between the
    attempts) is ignored: the operations are performed again, which they allow (they are
    idempotent by key), and only their answer may differ."""
    if kept is None:
        return None
    try:
        earlier_operations, results = pickle.loads(kept)  # our own rows, see above
    except (pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError) as exc:
        log.warning("session.operation_results_unreadable", error=f"{type(exc).__name__}: {exc}")
        return None
    if earlier_operations != operations or not isinstance(results, tuple):
        return None  # the handler asked for other operations this time
    return results


def _to_another_chat(call: BotCall, chat_id: int | None, user_id: int) -> bool:
    """Whether `call` goes to a chat other than the update's and the user's own: a notice
    to someone else (a referrer, an admin)."""
    chat = call.params.get("chat_id")
    return isinstance(chat, int) and chat not in (chat_id, user_id)


def _fence(tx: Tx, message: InboxUpdate) -> None:
    """Refuse the transaction (`Fenced`) if another instance owns the update's partition."""
    if message.token is not None:
        tx.fences.hold(message.partition, message.token)
