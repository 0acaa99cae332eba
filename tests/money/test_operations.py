"""Money operations in storage, on SQLite and PostgreSQL: each moves money once, however
often it is performed, and refuses what it must."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import trio

from tests.storage.support import TENANT, add_users
from trt_actors.domain.money_effects import (
    CreatePromo,
    CreditStars,
    JoinWithReferral,
    MoneyOperation,
    MoneyResult,
    RedeemPromo,
    RefundStars,
    ReviewTransfer,
    SubmitTransfer,
    WelcomeBonus,
)
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.money import consume_free, perform
from trt_actors.storage import Currency, JobState, PaymentStatus, Store, Tx

ADMIN = 900


async def do(store: Store, op: MoneyOperation) -> MoneyResult:
    return await store.run(TENANT, lambda tx: perform(tx, op))


async def balance(store: Store, user_id: int) -> int:
    account = await store.read(TENANT, lambda tx: tx.ledger.account(user_id, Currency.RUB))
    return account.balance


async def test_a_stars_payment_is_credited_once_per_charge(store: Store) -> None:
    await add_users(store, 1)
    paid = CreditStars(1, "charge-1", 100, 15_000)
    first = await do(store, paid)
    again = await do(store, paid)
    assert (first.outcome, first.amount, first.balance_after) == ("credited", 15_000, 15_000)
    assert (again.outcome, again.balance_after) == ("duplicate", 15_000)
    assert await balance(store, 1) == 15_000
    payments = await store.read(TENANT, lambda tx: tx.payments.for_user(1))
    assert [(p.amount, p.currency, p.external_id) for p in payments] == [
        (100, Currency.XTR, "charge-1")
    ]


async def test_a_refund_debits_what_is_covered_and_records_why(store: Store) -> None:
    await add_users(store, 1)
    await do(store, CreditStars(1, "c1", 100, 15_000))
    refunded = await do(store, RefundStars(1, "c1", ADMIN, "asked by the user"))
    assert (refunded.outcome, refunded.amount, refunded.balance_after) == ("refunded", 15_000, 0)
    again = await do(store, RefundStars(1, "c1", None, "refunded_payment"))
    assert again.outcome == "duplicate" and await balance(store, 1) == 0
    payment = (await store.read(TENANT, lambda tx: tx.payments.for_user(1)))[0]
    assert payment.status is PaymentStatus.REFUNDED
    assert (payment.reviewer_id, payment.note) == (ADMIN, "asked by the user")

    await do(store, CreditStars(1, "c2", 10, 1_500))
    await store.run(
        TENANT, lambda tx: tx.ledger.hold(1, 1_000, Currency.RUB, key="h", actor="t")
    )  # most of it is spent on a generation in progress
    short = await do(store, RefundStars(1, "c2", None, "refunded_payment"))
    assert (short.outcome, short.amount) == ("not_covered", 0)
    assert await balance(store, 1) == 1_500
    audit = await store.read(TENANT, lambda tx: tx.audit.recent(limit=5))
    assert "stars_refund_not_covered" in [entry.action for entry in audit]
    unknown = await do(store, RefundStars(1, "nope", None, "x"))
    assert unknown.outcome == "not_found"


async def test_a_transfer_is_credited_once_by_an_admin_and_reviewer_recorded(
    store: Store,
) -> None:
    await add_users(store, 1, ADMIN)
    submitted = await do(store, SubmitTransfer(1, 50_000, "photo-1", "msg:1:10"))
    assert submitted.outcome == "submitted" and submitted.payment_id is not None
    pid = submitted.payment_id
    assert (await do(store, SubmitTransfer(1, 50_000, "photo-1", "msg:1:10"))).outcome == (
        "duplicate"
    )
    queue = await store.read(TENANT, lambda tx: tx.payments.by_status(PaymentStatus.PENDING))
    assert [p.id for p in queue] == [pid]

    stranger = await do(store, ReviewTransfer(pid, 1, approve=True, by_admin=False))
    assert stranger.outcome == "not_admin" and await balance(store, 1) == 0

    approved = await do(store, ReviewTransfer(pid, ADMIN, approve=True, by_admin=True))
    twice = await do(store, ReviewTransfer(pid, ADMIN, approve=True, by_admin=True))
    assert (approved.outcome, approved.balance_after, approved.user_id) == ("approved", 50_000, 1)
    assert twice.outcome == "already_reviewed" and twice.reviewer_id == ADMIN
    assert await balance(store, 1) == 50_000
    payment = await store.read(TENANT, lambda tx: tx.payments.get(pid))
    assert payment.status is PaymentStatus.APPROVED and payment.reviewer_id == ADMIN

    other = await do(store, SubmitTransfer(1, 7_000, "photo-2", "msg:1:11"))
    assert other.payment_id is not None
    rejected = await do(
        store, ReviewTransfer(other.payment_id, ADMIN, False, True, "no such transfer")
    )
    assert rejected.outcome == "rejected" and await balance(store, 1) == 50_000
    stored = await store.read(TENANT, lambda tx: tx.payments.get(other.payment_id or 0))
    assert stored.status is PaymentStatus.REJECTED and stored.note == "no such transfer"


async def test_every_promo_failure_has_its_answer(store: Store) -> None:
    await add_users(store, 1, 2, ADMIN)
    assert (
        await do(store, CreatePromo(1, "X", 100, None, None, by_admin=False))
    ).outcome == "not_admin"
    assert (
        await do(store, CreatePromo(ADMIN, "gift", 500, 1, None, by_admin=True))
    ).outcome == "created"
    assert (
        await do(store, CreatePromo(ADMIN, "GIFT", 1, 1, None, by_admin=True))
    ).outcome == "exists"
    await do(store, CreatePromo(ADMIN, "OLD", 500, None, expires_at=1, by_admin=True))
    assert (await do(store, RedeemPromo(1, "nope"))).outcome == "unknown"
    assert (await do(store, RedeemPromo(1, "old"))).outcome == "expired"
    redeemed = await do(store, RedeemPromo(1, "gift"))
    assert (redeemed.outcome, redeemed.balance_after) == ("redeemed", 500)
    assert (await do(store, RedeemPromo(1, "GIFT"))).outcome == "already_redeemed"
    assert (await do(store, RedeemPromo(2, "GIFT"))).outcome == "exhausted"
    await store.run(TENANT, lambda tx: tx.promos.deactivate("OLD"))
    assert (await do(store, RedeemPromo(2, "OLD"))).outcome == "inactive"
    assert await balance(store, 1) == 500 and await balance(store, 2) == 0


async def test_concurrent_redemptions_of_a_one_use_code_have_one_winner(store: Store) -> None:
    users = list(range(1, 13))
    await add_users(store, ADMIN, *users)
    await do(store, CreatePromo(ADMIN, "ONCE", 1_000, 1, None, by_admin=True))
    outcomes: list[str] = []

    async def redeem(user_id: int) -> None:
        outcomes.append((await do(store, RedeemPromo(user_id, "ONCE"))).outcome)

    async with trio.open_nursery() as nursery:
        for user_id in users:
            nursery.start_soon(redeem, user_id)
    assert sorted(outcomes) == ["exhausted"] * 11 + ["redeemed"]
    assert sum([await balance(store, u) for u in users]) == 1_000


async def _join(store: Store, user_id: int, referrer: int, *, existed: bool) -> MoneyResult:
    if existed:
        await add_users(store, user_id)

    def arrive(tx: Tx) -> MoneyResult:
        new = not tx.users.exists(user_id)
        tx.users.upsert(user_id, first_name="new")
        return perform(tx, JoinWithReferral(user_id, referrer, 10, new_user=new))

    return await store.run(TENANT, arrive)


async def test_referral_bonus_once_for_both_never_self_or_existing(store: Store) -> None:
    await add_users(store, 1)
    joined = await _join(store, 2, 1, existed=False)
    assert joined.outcome == "granted"

    def bonus(tx: Tx) -> tuple[int, int, int, int]:
        return (
            tx.free_bonus.left(1),
            tx.free_bonus.left(2),
            tx.referrals.count_for(1),
            tx.referrals.rewarded_for(1),
        )

    assert await store.read(TENANT, bonus) == (10, 10, 1, 1)
    again = await store.run(
        TENANT, lambda tx: perform(tx, JoinWithReferral(2, 1, 10, new_user=False))
    )
    assert again.outcome == "not_new"
    assert (await _join(store, 3, 3, existed=False)).outcome == "refused"
    assert (await _join(store, 4, 1, existed=True)).outcome == "not_new"
    assert (await _join(store, 5, 777, existed=False)).outcome == "refused"  # no such referrer
    assert await store.read(TENANT, bonus) == (10, 10, 1, 1)
    assert await store.read(TENANT, lambda tx: tx.free_bonus.left(3) + tx.free_bonus.left(4)) == 0


async def test_welcome_bonus_once_and_only_for_new_users(store: Store) -> None:
    await add_users(store, 1)

    def arrive(user_id: int) -> Callable[[Tx], MoneyResult]:
        def unit(tx: Tx) -> MoneyResult:
            new = not tx.users.exists(user_id)
            tx.users.upsert(user_id, first_name="n")
            return perform(tx, WelcomeBonus(user_id, 3_000, new_user=new))

        return unit

    assert (await store.run(TENANT, arrive(2))).outcome == "granted"
    assert (await store.run(TENANT, arrive(2))).outcome == "not_new"
    assert (await store.run(TENANT, arrive(1))).outcome == "not_new"
    assert await balance(store, 2) == 3_000 and await balance(store, 1) == 0


async def test_free_uses_follow_the_tenant_day_then_bonus_admins_exempt(store: Store) -> None:
    await add_users(store, 1, ADMIN)
    terms = TenantSettings(admins=(ADMIN,), free_per_day=2, timezone="Europe/Moscow")
    late = datetime.datetime(2026, 11, 26, 20, 30, tzinfo=datetime.UTC)  # 23:30 in Moscow
    after_midnight = late + datetime.timedelta(hours=1)  # 00:30 next day in Moscow

    def use(user_id: int, job_id: int, when: datetime.datetime) -> Callable[[Tx], str]:
        return lambda tx: consume_free(tx, terms, user_id, job_id, when)

    used = [await store.run(TENANT, use(1, job, late)) for job in (1, 2, 3)]
    assert used == ["quota", "quota", "none"]
    assert await store.run(TENANT, use(1, 4, after_midnight)) == "quota"  # a new Moscow day
    await store.run(TENANT, lambda tx: tx.free_bonus.grant(1, 1, key="g", reason="promo"))
    assert [await store.run(TENANT, use(1, job, late)) for job in (5, 6)] == ["bonus", "none"]
    assert [await store.run(TENANT, use(ADMIN, job, late)) for job in (7, 8, 9)] == ["admin"] * 3
    assert await store.read(TENANT, lambda tx: tx.free_bonus.left(1)) == 0


async def test_a_promo_code_worth_free_generations_grants_them_once(store: Store) -> None:
    await add_users(store, 1, ADMIN)
    made = await do(store, CreatePromo(ADMIN, "fivefree", 5, 10, None, True, free_generations=5))
    assert made.outcome == "created"
    redeemed = await do(store, RedeemPromo(1, "FIVEFREE"))
    assert (redeemed.outcome, redeemed.amount) == ("redeemed_free", 5)
    assert (await do(store, RedeemPromo(1, "fivefree"))).outcome == "already_redeemed"
    left = await store.read(TENANT, lambda tx: tx.free_bonus.left(1))
    assert left == 5 and await balance(store, 1) == 0  # generations, not money


async def test_a_limited_admins_allowance_is_spent_by_their_priced_jobs_without_holds(
    store: Store,
) -> None:
    await add_users(store, ADMIN)

    def jobs(tx):  # type: ignore[no-untyped-def]
        on_allowance = tx.jobs.create(ADMIN, "runway-t2v", {}, price=960, currency=Currency.RUB)
        failed = tx.jobs.create(ADMIN, "runway-t2v", {}, price=500, currency=Currency.RUB)
        tx.jobs.transition(failed.id, JobState.FAILED, error="timeout")
        tx.jobs.create(ADMIN, "z-image", {}, price=0, currency=Currency.RUB)  # a free one
        return on_allowance.id

    await store.run(TENANT, jobs)
    spent = await store.read(TENANT, lambda tx: tx.stats.allowance_spent(ADMIN))
    assert spent == 960  # the failed one gave its share back; the free one costs nothing
