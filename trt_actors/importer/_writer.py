"""Writing one partner's records into our storage, in batches, resumably.

Three phases, each in batches of one transaction: the users (a batch of users with
everything that is theirs: profile, opening balance, payments, generations, bonus
generations, today's free uses), then the referrals (both sides exist by then), then limited
admins' allowances. Each record is looked up first in `imported_rows` by its identity in the
source: found, it is counted as there already and nothing is written; else its rows are
written and it is remembered, in the same transaction. So a second run writes nothing, and a
run killed between (or inside) batches resumes on the next run where it stopped: a batch is
all there or not at all.

Money moves only through the ledger: one ``opening`` credit per user with a balance, keyed by
source and user, so it can never be credited twice. In a dry run the same walk happens in a
read-only transaction (or, when our database has no schema yet, with nothing to look up) and
nothing is written.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import trio

from trt_actors.domain.state import JourneyState
from trt_actors.domain.tenant_terms import TermError, parse_term, stored_value
from trt_actors.domain.texts import DEFAULT_LANGUAGE
from trt_actors.storage import CreditKind, Currency, Store, Tx

from ._extract import Extract
from ._findings import Findings
from ._records import AllowanceRecord, GenerationRecord, PaymentRecord, ReferralRecord, UserRecord

__all__ = [
    "BATCH_DEADLINE",
    "DEFAULT_BATCH",
    "BatchDone",
    "Progress",
    "Tally",
    "Written",
    "write_extract",
]

DEFAULT_BATCH = 100  # users (or referrals) per transaction
BATCH_DEADLINE = 120.0  # seconds for one batch's transaction
ACTOR = "import"
ALLOWANCES = "admin_allowances"
T = TypeVar("T")


@dataclass(slots=True)
class Tally:
    """What became of the records of one kind."""

    imported: int = 0  # written now (in a dry run: would be)
    already: int = 0  # brought over by an earlier run
    skipped: int = 0  # not brought over when writing (`Findings.skipped` says why)
    nothing: int = 0  # nothing to bring (a zero balance)

    def add(self, other: Tally) -> None:
        self.imported += other.imported
        self.already += other.already
        self.skipped += other.skipped
        self.nothing += other.nothing


@dataclass(frozen=True, slots=True)
class BatchDone:
    """A batch committed (or, in a dry run, walked)."""

    partner: str
    tenant: str
    phase: str  # users | referrals | allowances
    batch: int
    done: int  # records of the phase handled so far
    total: int


Progress = Callable[[BatchDone], Awaitable[None]]


@dataclass(slots=True)
class Written:
    """The outcome of writing one partner."""

    tallies: dict[str, Tally] = field(default_factory=dict)
    findings: Findings = field(default_factory=Findings)
    known_here: int = 0  # users who were known here already: their profile was kept
    opening_total: int | None = None  # kopecks of opening credits from this source, after

    def merge(self, other: Written) -> None:
        for kind, tally in other.tallies.items():
            self.tallies.setdefault(kind, Tally()).add(tally)
        self.findings.skipped += other.findings.skipped
        for note in other.findings.notes:
            self.findings.note(note)
        self.known_here += other.known_here


class _Batch:
    """One batch's walk: `tx` is None in a dry run with nothing to look up."""

    def __init__(self, tx: Tx | None, source: str, *, dry: bool) -> None:
        self.tx = tx
        self.source = source
        self.dry = dry
        self.out = Written()

    def tally(self, kind: str) -> Tally:
        return self.out.tallies.setdefault(kind, Tally())

    def skip(self, kind: str, key: object, reason: str) -> None:
        self.tally(kind).skipped += 1
        self.out.findings.skip(kind, key, reason)

    def once(
        self, kind: str, key: str, write: Callable[[Tx], tuple[int | None, int | None] | str]
    ) -> None:
        """Bring record `key` of `kind` over unless it is here already. `write` writes its
        rows and returns (target id, kopecks) to remember, or the reason it was not written."""
        tx = self.tx
        if tx is not None and tx.imports.find(self.source, kind, key) is not None:
            self.tally(kind).already += 1
            return
        if self.dry or tx is None:
            self.tally(kind).imported += 1
            return
        written = write(tx)
        if isinstance(written, str):
            self.skip(kind, key, written)
            return
        target, kopecks = written
        tx.imports.remember(self.source, kind, key, target_id=target, kopecks=kopecks)
        self.tally(kind).imported += 1

    # -- users ----------------------------------------------------------------------------------

    def user(
        self,
        user: UserRecord,
        payments: Sequence[PaymentRecord],
        generations: Sequence[GenerationRecord],
        day: datetime.date,
    ) -> None:
        uid = user.user_id
        self.once("user", str(uid), lambda tx: self._profile(tx, user))
        self._balance(user)
        for payment in payments:
            self.once("payment", payment.key, functools.partial(self._payment, payment=payment))
        for generation in generations:
            write = functools.partial(self._job, generation=generation)
            self.once("generation", generation.key, write)
        if user.bonus_left == 0:
            self.tally("bonus").nothing += 1
        elif user.bonus_left is not None:
            self.once("bonus", str(uid), lambda tx: self._bonus(tx, user))
        if user.free_used_today == 0:
            self.tally("free_uses").nothing += 1
        elif user.free_used_today is not None:
            key = f"{uid}:{day.isoformat()}"
            self.once("free_uses", key, lambda tx: self._free(tx, user, day))

    def _profile(self, tx: Tx, user: UserRecord) -> tuple[int, None]:
        created = user.first_seen or tx.now
        added = tx.imports.add_user(
            user.user_id,
            first_name=user.first_name,
            username=user.username,
            last_name=user.last_name,
            language=user.language,
            blocked=user.blocked,
            created_at=created,
            updated_at=max(created, user.last_seen or created),
        )
        if not added:
            self.out.known_here += 1  # what we know of them wins
        elif tx.sessions.load(user.user_id).version == 0:
            # They know the bot: no first-run tutorial; their language choice is kept.
            state = JourneyState(
                language=user.language or DEFAULT_LANGUAGE,
                language_chosen=user.language is not None,
                tutorial_done=True,
            )
            tx.sessions.save(user.user_id, state.dump({}), expected_version=0)
        return user.user_id, None

    def _balance(self, user: UserRecord) -> None:
        balance = user.balance
        if balance is None:
            return
        if balance.kopecks == 0:
            self.tally("balance").nothing += 1
            return
        key = str(user.user_id)
        tx = self.tx
        earlier = tx.imports.find(self.source, "balance", key) if tx is not None else None
        if earlier is not None and earlier.kopecks != balance.kopecks:
            self.out.findings.note(
                f"balance of {key} changed in the source since it was brought over"
                f" ({earlier.kopecks} → {balance.kopecks} kopecks): the balance here is left"
                " as it is (correct it from the admin panel if the old bot's is right)"
            )

        def credit(tx: Tx) -> tuple[None, int]:
            tx.ledger.credit(
                user.user_id,
                balance.kopecks,
                Currency.RUB,
                kind=CreditKind.OPENING,
                key=f"opening:{self.source}:{user.user_id}",
                actor=ACTOR,
                reference=self.source,
            )
            return None, balance.kopecks

        self.once("balance", key, credit)

    @staticmethod
    def _payment(tx: Tx, payment: PaymentRecord) -> tuple[int, int] | str:
        payment_id = tx.imports.add_payment(
            payment.user_id,
            method=payment.method,
            status=payment.status,
            amount=payment.amount,
            currency=payment.currency,
            external_id=payment.external_id,
            proof=payment.proof,
            reviewer_id=payment.reviewer_id,
            note=payment.note,
            created_at=payment.created_at or tx.now,
        )
        if payment_id is None:
            return f"a {payment.method} payment {payment.external_id} is here already"
        return payment_id, payment.credited

    @staticmethod
    def _job(tx: Tx, generation: GenerationRecord) -> tuple[int, int]:
        job_id = tx.imports.add_past_job(
            generation.user_id,
            model_id=generation.model_id,
            params=generation.params,
            price=generation.price,
            result_urls=generation.result_urls,
            created_at=generation.created_at,
        )
        return job_id, generation.price

    def _bonus(self, tx: Tx, user: UserRecord) -> tuple[int, None]:
        assert user.bonus_left
        tx.free_bonus.grant(
            user.user_id,
            user.bonus_left,
            key=f"{self.source}:bonus:{user.user_id}",
            reason="imported",
        )
        return user.user_id, None

    @staticmethod
    def _free(tx: Tx, user: UserRecord, day: datetime.date) -> tuple[int, None]:
        assert user.free_used_today
        tx.imports.add_free_uses(user.user_id, day, user.free_used_today)
        return user.user_id, None

    # -- referrals and allowances -------------------------------------------------------------

    def referral(self, referral: ReferralRecord) -> None:
        def write(tx: Tx) -> tuple[int, None] | str:
            added = tx.imports.add_referral(
                referral.referrer_id,
                referral.referred_id,
                created_at=referral.created_at or tx.now,
                rewarded_at=referral.rewarded_at,
            )
            if not added:
                referrer = tx.referrals.get(referral.referred_id)
                known = referrer.referrer_id if referrer is not None else "?"
                return f"{referral.referred_id} has a referrer here already ({known})"
            return referral.referrer_id, None

        self.once("referral", str(referral.referred_id), write)

    def allowances(self, found: Sequence[AllowanceRecord], configured: Any) -> None:
        tx = self.tx
        current: dict[int, int] = {}
        stored = tx.settings.get(ALLOWANCES) if tx is not None else None
        for value in (configured, stored):
            if value:
                try:
                    current = dict(parse_term(ALLOWANCES, value))
                except TermError:
                    self.out.findings.note(f"the stored {ALLOWANCES} do not read; left alone")
                    return
        changed = dict(current)
        for record in found:
            key = str(record.admin_id)
            if record.admin_id in current:
                if tx is None or tx.imports.find(self.source, "allowance", key) is None:
                    self.skip("allowance", key, "has an allowance here already")
                else:
                    self.tally("allowance").already += 1
                continue

            def add(tx: Tx, record: AllowanceRecord = record) -> tuple[int, int]:
                changed[record.admin_id] = record.left
                return record.admin_id, record.left

            self.once("allowance", key, add)
        if tx is not None and not self.dry and changed != current:
            value = stored_value(ALLOWANCES, changed)
            tx.settings.set(ALLOWANCES, value)
            tx.audit.record(
                0, "import_allowances", target=self.source, details={"admin_allowances": value}
            )


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def write_extract(
    store: Store | None,
    tenant: str,
    found: Extract,
    *,
    day: datetime.date,
    dry_run: bool,
    batch_size: int = DEFAULT_BATCH,
    configured_allowances: Any = None,
    progress: Progress | None = None,
) -> Written:
    """Bring `found` over into `tenant` (see the module); what became of each record.

    `store` None: a dry run against a database that has no schema yet (nothing to look up).
    `configured_allowances`: the tenant's configured `admin_allowances`, kept beside the
    imported ones. Every transaction is under `BATCH_DEADLINE`."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    source = found.source
    result = Written()

    async def batch(
        phase: str, number: int, done: int, total: int, walk: Callable[[_Batch], None]
    ) -> None:
        def unit(tx: Tx | None) -> Written:
            one = _Batch(tx, source, dry=dry_run)
            walk(one)
            return one.out

        if store is None:
            out = unit(None)
        else:
            with trio.fail_after(BATCH_DEADLINE):
                if dry_run:
                    out = await store.read(tenant, unit, timeout=BATCH_DEADLINE)
                else:
                    out = await store.run(tenant, unit, timeout=BATCH_DEADLINE)
        result.merge(out)
        if progress is not None:
            await progress(BatchDone(found.partner, tenant, phase, number, done, total))

    users = sorted(found.users.values(), key=lambda u: u.user_id)
    payments, generations = found.payments_of(), found.generations_of()
    done = 0
    for number, chunk in enumerate(_chunks(users, batch_size), start=1):

        def walk_users(one: _Batch, chunk: Sequence[UserRecord] = chunk) -> None:
            for user in chunk:
                uid = user.user_id
                one.user(user, payments.get(uid, ()), generations.get(uid, ()), day)

        done += len(chunk)
        await batch("users", number, done, len(users), walk_users)

    done = 0
    for number, part in enumerate(_chunks(found.referrals, batch_size), start=1):

        def walk_referrals(one: _Batch, part: Sequence[ReferralRecord] = part) -> None:
            for referral in part:
                one.referral(referral)

        done += len(part)
        await batch("referrals", number, done, len(found.referrals), walk_referrals)

    if found.allowances:
        await batch(
            "allowances",
            1,
            len(found.allowances),
            len(found.allowances),
            lambda one: one.allowances(found.allowances, configured_allowances),
        )

    if store is not None and not dry_run:
        with trio.fail_after(BATCH_DEADLINE):
            result.opening_total = await store.read(
                tenant, lambda tx: tx.imports.opening_total(source)
            )
    return result
