"""Free generations reserved at Confirm, on SQLite and PostgreSQL: as the session opens jobs
(`actors/job/opening.py`), each in its own transaction, concurrently.

A free use is held like money: reserved when the order is confirmed (one of the day's quota
uses in the tenant's time zone, else a bonus generation), captured when the job is delivered,
given back when it fails or is cancelled; once per confirmation, however often it is
performed. A confirmation storage cannot cover opens nothing and takes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import trio

from tests.storage.support import TENANT, add_users
from trt_actors.actors.job.opening import Opening, open_jobs
from trt_actors.domain.effects import StartGeneration
from trt_actors.domain.quota import quota_day
from trt_actors.domain.screens.jobs import FREE_GONE, NO_MONEY
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.money import settle_free
from trt_actors.storage import CreditKind, Currency, JobState, Store, Tx

USER = 1
ADMIN = 900
PRICE = 64  # kopecks: the cheapest model's price once the free ones are used
MOSCOW = "Europe/Moscow"
TERMS = TenantSettings(admins=(ADMIN,), free_per_day=5, timezone=MOSCOW)
NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.UTC)


def start(n: int, *, free: bool, user: int = USER) -> StartGeneration:
    """The effect of confirmation number `n` (its own idempotency key)."""
    return StartGeneration(
        user_id=user,
        chat_id=user,
        model_id="z-image",
        params={"prompt": f"picture {n}"},
        price_kopecks=PRICE,
        free=free,
        idempotency_key=f"gen-{user}-{n}",
    )


def opened(
    effects: list[StartGeneration], terms: TenantSettings = TERMS, now: datetime.datetime = NOW
) -> Callable[[Tx], Opening]:
    return lambda tx: open_jobs(tx, effects, terms, now)


def used_today(tx: Tx, user: int = USER, now: datetime.datetime = NOW) -> int:
    return tx.quota.used(user, quota_day(now, MOSCOW))


async def seed(store: Store, kopecks: int) -> None:
    await store.run(
        TENANT,
        lambda tx: tx.ledger.credit(
            USER, kopecks, Currency.RUB, kind=CreditKind.ADMIN, key="seed", actor="test"
        ),
    )


async def confirm_all_at_once(store: Store, effects: list[StartGeneration]) -> list[Opening]:
    """Each confirmation opened in its own transaction, all started at once."""
    results: list[Opening] = []

    async def one(effect: StartGeneration) -> None:
        results.append(await store.run(TENANT, opened([effect])))

    async with trio.open_nursery() as nursery:
        for effect in effects:
            nursery.start_soon(one, effect)
    return results


async def test_twenty_free_confirms_at_once_with_five_left_open_exactly_five_free_jobs(
    store: Store,
) -> None:
    await add_users(store, USER)
    await seed(store, 10_000)
    results = await confirm_all_at_once(store, [start(n, free=True) for n in range(20)])
    started = [job for r in results for job in r.started]
    refused = [refusal for r in results for refusal in r.refused]
    assert len(started) == 5 and len(refused) == 15
    assert {refusal.why for refusal in refused} == {FREE_GONE}

    def facts(tx: Tx) -> tuple[list[int], int, int, int]:
        jobs = tx.jobs.for_user(USER, limit=50)
        account = tx.ledger.account(USER, Currency.RUB)
        return [job.price for job in jobs], used_today(tx), account.available, account.held

    prices, used, available, held = await store.read(TENANT, facts)
    assert prices == [0] * 5  # five free jobs, and no other job
    assert used == 5  # the day's five uses are reserved
    assert (available, held) == (10_000, 0)  # a refused free order is never charged instead
    holds = await store.read(TENANT, lambda tx: [tx.free_holds.of_job(j) for j in started])
    assert all(h is not None and h.status == "held" and h.source == "quota" for h in holds)


async def test_paid_confirms_at_once_hold_what_the_balance_covers_and_refuse_the_rest(
    store: Store,
) -> None:
    await add_users(store, USER)
    await seed(store, PRICE * 10)
    results = await confirm_all_at_once(store, [start(n, free=False) for n in range(15)])
    started = [job for r in results for job in r.started]
    refused = [refusal for r in results for refusal in r.refused]
    assert len(started) == 10
    assert [refusal.why for refusal in refused] == [NO_MONEY] * 5  # the top-up offer
    account = await store.read(TENANT, lambda tx: tx.ledger.account(USER, Currency.RUB))
    assert (account.balance, account.held, account.available) == (PRICE * 10, PRICE * 10, 0)


async def test_a_repeated_or_duplicated_confirm_reserves_once_and_opens_one_job(
    store: Store,
) -> None:
    await add_users(store, USER)
    first = await store.run(TENANT, opened([start(1, free=True)]))
    again = await store.run(TENANT, opened([start(1, free=True)]))  # the same confirmation
    twins = await confirm_all_at_once(store, [start(2, free=True)] * 4)  # pressed 4 times at once
    assert len(first.started) == 1 and again.started == [] and again.refused == []
    assert sum(len(r.started) for r in twins) == 1
    assert sum(len(r.refused) for r in twins) == 0
    assert await store.read(TENANT, used_today) == 2
    assert len(await store.read(TENANT, lambda tx: tx.jobs.for_user(USER))) == 2
    paid = start(3, free=False)
    await seed(store, 1_000)
    assert len((await store.run(TENANT, opened([paid]))).started) == 1
    assert (await store.run(TENANT, opened([paid]))).started == []  # one hold, one job
    account = await store.read(TENANT, lambda tx: tx.ledger.account(USER, Currency.RUB))
    assert account.held == PRICE


async def test_delivery_keeps_the_use_failure_and_cancel_give_it_back_once(store: Store) -> None:
    await add_users(store, USER)
    opening = await store.run(TENANT, opened([start(n, free=True) for n in range(3)]))
    delivered, failed, cancelled = opening.started
    assert await store.read(TENANT, used_today) == 3

    def settle(job_id: int, *, delivered: bool) -> Callable[[Tx], object]:
        return lambda tx: settle_free(tx, job_id, delivered=delivered)

    await store.run(TENANT, settle(delivered, delivered=True))
    await store.run(TENANT, settle(failed, delivered=False))
    await store.run(TENANT, lambda tx: tx.jobs.request_cancel(cancelled, USER))
    await store.run(TENANT, settle(cancelled, delivered=False))
    assert await store.read(TENANT, used_today) == 1  # only the delivered one stays used
    for job_id in (delivered, failed, cancelled):  # settled again (a retry): nothing moves
        await store.run(TENANT, settle(job_id, delivered=False))
        await store.run(TENANT, settle(job_id, delivered=True))
    assert await store.read(TENANT, used_today) == 1
    statuses = await store.read(
        TENANT, lambda tx: [tx.free_holds.of_job(j) for j in opening.started]
    )
    assert [h.status if h else None for h in statuses] == ["captured", "released", "released"]


async def test_past_the_quota_a_bonus_generation_is_reserved_and_given_back(store: Store) -> None:
    await add_users(store, USER)
    terms = TenantSettings(free_per_day=1, timezone=MOSCOW)
    await store.run(TENANT, lambda tx: tx.free_bonus.grant(USER, 1, key="ref", reason="referral"))
    opening = await store.run(TENANT, opened([start(n, free=True) for n in range(3)], terms=terms))
    assert len(opening.started) == 2 and [r.why for r in opening.refused] == [FREE_GONE]
    quota_job, bonus_job = opening.started
    holds = await store.read(TENANT, lambda tx: [tx.free_holds.of_job(quota_job),
                                                 tx.free_holds.of_job(bonus_job)])  # fmt: skip
    assert [h.source if h else None for h in holds] == ["quota", "bonus"]
    assert await store.read(TENANT, lambda tx: tx.free_bonus.left(USER)) == 0
    await store.run(TENANT, lambda tx: settle_free(tx, bonus_job, delivered=False))
    assert await store.read(TENANT, lambda tx: tx.free_bonus.left(USER)) == 1


async def test_the_reservation_counts_in_the_tenants_day_and_admins_reserve_nothing(
    store: Store,
) -> None:
    await add_users(store, USER, ADMIN)
    terms = TenantSettings(admins=(ADMIN,), free_per_day=1, timezone=MOSCOW)
    late = datetime.datetime(2026, 11, 26, 20, 30, tzinfo=datetime.UTC)  # 23:30 in Moscow
    after_midnight = late + datetime.timedelta(hours=1)  # 00:30 the next Moscow day
    first = await store.run(TENANT, opened([start(1, free=True)], terms, late))
    refused = await store.run(TENANT, opened([start(2, free=True)], terms, late))
    next_day = await store.run(TENANT, opened([start(3, free=True)], terms, after_midnight))
    assert len(first.started) == 1 and [r.why for r in refused.refused] == [FREE_GONE]
    assert len(next_day.started) == 1  # a new Moscow day, a new use (UTC is still the 26th)
    # released after midnight: the use goes back to the day it was taken from
    await store.run(TENANT, lambda tx: settle_free(tx, first.started[0], delivered=False))
    assert await store.read(TENANT, lambda tx: used_today(tx, now=late)) == 0
    assert await store.read(TENANT, lambda tx: used_today(tx, now=after_midnight)) == 1
    admin = [start(n, free=True, user=ADMIN) for n in range(4)]
    by_admin = await store.run(TENANT, opened(admin, terms, late))
    assert len(by_admin.started) == 4  # an admin's generations are free and use nothing
    assert await store.read(TENANT, lambda tx: used_today(tx, ADMIN, late)) == 0
    jobs = await store.read(TENANT, lambda tx: tx.jobs.for_user(ADMIN))
    assert {job.state for job in jobs} == {JobState.CREATED}
