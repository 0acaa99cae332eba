"""The repositories besides ledger and inbox, on both backends."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
import trio

from trt_actors.storage import (
    BroadcastState,
    CorrelationStep,
    CreditKind,
    Currency,
    DeliveryState,
    DuplicateKey,
    InvalidState,
    JobState,
    NotFound,
    PaymentMethod,
    PaymentStatus,
    PromoRejected,
    Store,
    Tx,
    VersionConflict,
    open_store,
)

from .support import OTHER_TENANT, TENANT, add_users

DAY = datetime.date(2026, 11, 26)


async def test_users_upsert_keeps_language_and_referrer(store: Store) -> None:
    def first_visit(tx: Tx) -> None:
        tx.users.upsert(2, first_name="Ref")
        tx.users.upsert(1, first_name="Ann", username="ann", language="en", referrer_id=2)

    await store.run(TENANT, first_visit)
    again = await store.run(
        TENANT, lambda tx: tx.users.upsert(1, first_name="Anna", referrer_id=99)
    )
    assert (again.first_name, again.language, again.referrer_id) == ("Anna", "en", 2)
    await store.run(TENANT, lambda tx: tx.users.set_blocked_bot(1, True))
    assert await store.read(TENANT, lambda tx: tx.users.reachable_ids()) == [2]
    seen = await store.run(TENANT, lambda tx: tx.users.upsert(1, first_name="Anna"))
    assert not seen.blocked_bot  # seen again: reachable again
    await store.run(TENANT, lambda tx: tx.users.set_blocked(2, True))
    assert (await store.read(TENANT, lambda tx: tx.users.get(2))).is_blocked
    with pytest.raises(NotFound):
        await store.run(TENANT, lambda tx: tx.users.set_language(3, "ru"))
    own = await store.run(TENANT, lambda tx: tx.users.upsert(5, first_name="x", referrer_id=5))
    assert own.referrer_id is None


async def test_sessions_are_versioned(store: Store) -> None:
    await add_users(store, 1)
    empty = await store.read(TENANT, lambda tx: tx.sessions.load(1))
    assert (empty.state, empty.version) == ({}, 0)
    saved = await store.run(
        TENANT, lambda tx: tx.sessions.save(1, {"step": "a"}, expected_version=0)
    )
    assert saved.version == 1
    with pytest.raises(VersionConflict) as conflict:
        await store.run(TENANT, lambda tx: tx.sessions.save(1, {"step": "b"}, expected_version=0))
    assert (conflict.value.expected, conflict.value.actual) == (0, 1)
    await store.run(
        TENANT, lambda tx: tx.sessions.save(1, {"step": "b", "n": [1]}, expected_version=1)
    )
    loaded = await store.read(TENANT, lambda tx: tx.sessions.load(1))
    assert (loaded.state, loaded.version) == ({"step": "b", "n": [1]}, 2)
    with pytest.raises(NotFound):
        await store.run(TENANT, lambda tx: tx.sessions.save(404, {}, expected_version=0))


async def test_concurrent_session_saves_one_wins(store: Store) -> None:
    await add_users(store, 1)
    outcomes: list[str] = []

    async def save(n: int) -> None:
        try:
            await store.run(TENANT, lambda tx: tx.sessions.save(1, {"n": n}, expected_version=0))
            outcomes.append("saved")
        except VersionConflict:
            outcomes.append("conflict")

    async with trio.open_nursery() as nursery:
        for n in range(5):
            nursery.start_soon(save, n)
    assert sorted(outcomes) == ["conflict"] * 4 + ["saved"]


async def test_payments_stars_and_reviewed_transfers(store: Store) -> None:
    await add_users(store, 1)
    stars, new = await store.run(
        TENANT, lambda tx: tx.payments.record_stars(1, 50, charge_id="ch-1")
    )
    again, new_again = await store.run(
        TENANT, lambda tx: tx.payments.record_stars(1, 50, charge_id="ch-1")
    )
    assert new and not new_again and again.id == stars.id
    assert (stars.method, stars.status, stars.currency) == (
        PaymentMethod.STARS, PaymentStatus.APPROVED, Currency.XTR,
    )  # fmt: skip

    def submit_and_approve(tx: Tx) -> int:
        payment, _ = tx.payments.submit_transfer(1, 150_000, Currency.RUB, reference="r", proof="f")
        reviewed = tx.payments.review(payment.id, approve=True, reviewer_id=9, note="ok")
        tx.ledger.credit(1, reviewed.amount, reviewed.currency, kind=CreditKind.TOPUP,
                         key=f"payment:{reviewed.id}", actor="admin:9")  # fmt: skip
        return payment.id

    payment_id = await store.run(TENANT, submit_and_approve)
    with pytest.raises(InvalidState):
        await store.run(
            TENANT, lambda tx: tx.payments.review(payment_id, approve=False, reviewer_id=9)
        )
    got = await store.read(TENANT, lambda tx: tx.payments.get(payment_id))
    assert (got.status, got.reviewer_id, got.note) == (PaymentStatus.APPROVED, 9, "ok")
    balance = await store.read(TENANT, lambda tx: tx.ledger.account(1, Currency.RUB))
    assert balance.balance == 150_000
    refunded = await store.run(
        TENANT, lambda tx: tx.payments.mark_refunded(payment_id, reviewer_id=9, note="r")
    )
    assert refunded.status is PaymentStatus.REFUNDED
    assert [p.id for p in await store.read(TENANT, lambda tx: tx.payments.for_user(1))] == [
        payment_id, stars.id,
    ]  # fmt: skip


async def test_jobs_follow_their_state_machine(store: Store) -> None:
    await add_users(store, 1)
    job = await store.run(
        TENANT,
        lambda tx: tx.jobs.create(1, "flux", {"prompt": "cat"}, price=1500, currency=Currency.RUB),
    )
    assert job.state is JobState.CREATED and not job.finished
    submitted = await store.run(
        TENANT, lambda tx: tx.jobs.transition(job.id, JobState.SUBMITTED, kie_task_id="kie-1")
    )
    assert submitted.submitted_at is not None
    with pytest.raises(InvalidState):
        await store.run(TENANT, lambda tx: tx.jobs.transition(job.id, JobState.DELIVERED))
    urls = ["https://x/1.png"]
    done = await store.run(
        TENANT, lambda tx: tx.jobs.transition(job.id, JobState.SUCCEEDED, result_urls=urls)
    )
    twice = await store.run(TENANT, lambda tx: tx.jobs.transition(job.id, JobState.SUCCEEDED))
    assert done.result_urls == twice.result_urls == urls
    by_task = await store.read(TENANT, lambda tx: tx.jobs.by_task("kie-1"))
    assert by_task is not None and by_task.id == job.id
    assert [j.id for j in await store.read(TENANT, lambda tx: tx.jobs.unfinished())] == [job.id]
    final = await store.run(TENANT, lambda tx: tx.jobs.transition(job.id, JobState.DELIVERED))
    assert final.finished and final.finished_at is not None
    assert await store.read(TENANT, lambda tx: tx.jobs.unfinished()) == []
    with pytest.raises(ValueError):
        await store.run(TENANT, lambda tx: tx.jobs.transition(job.id, JobState.SUBMITTED))


async def test_promo_codes_limit_and_once_per_user(store: Store) -> None:
    await add_users(store, 1, 2, 3)
    await store.run(
        TENANT, lambda tx: tx.promos.create("GIFT", 500, Currency.RUB, max_redemptions=2)
    )
    with pytest.raises(DuplicateKey):
        await store.run(TENANT, lambda tx: tx.promos.create("GIFT", 1, Currency.RUB))

    def redeem(user_id: int) -> Callable[[Tx], int]:
        def unit(tx: Tx) -> int:
            promo = tx.promos.redeem("GIFT", user_id)
            tx.ledger.credit(user_id, promo.amount, promo.currency, kind=CreditKind.PROMO,
                             key=f"promo:GIFT:{user_id}", actor="promo")  # fmt: skip
            return promo.redemptions

        return unit

    assert await store.run(TENANT, redeem(1)) == 1
    with pytest.raises(PromoRejected) as twice:
        await store.run(TENANT, redeem(1))
    assert twice.value.reason == PromoRejected.ALREADY_REDEEMED
    assert await store.run(TENANT, redeem(2)) == 2
    with pytest.raises(PromoRejected) as exhausted:
        await store.run(TENANT, redeem(3))
    assert exhausted.value.reason == PromoRejected.EXHAUSTED
    three = await store.read(TENANT, lambda tx: tx.ledger.account(3, Currency.RUB))
    assert three.balance == 0
    await store.run(TENANT, lambda tx: tx.promos.create("OLD", 1, Currency.XTR, expires_at=1))
    with pytest.raises(PromoRejected, match="expired"):
        await store.run(TENANT, lambda tx: tx.promos.redeem("OLD", 1))
    await store.run(TENANT, lambda tx: tx.promos.deactivate("OLD"))
    with pytest.raises(NotFound):
        await store.run(TENANT, lambda tx: tx.promos.redeem("NOPE", 1))


async def test_free_quota_is_counted_per_day(store: Store) -> None:
    await add_users(store, 1)
    used = [
        await store.run(TENANT, lambda tx: tx.quota.try_consume(1, DAY, limit=2)) for _ in range(3)
    ]
    assert used == [1, 2, None]
    assert await store.run(TENANT, lambda tx: tx.quota.give_back(1, DAY)) == 1
    next_day = DAY + datetime.timedelta(days=1)
    assert await store.run(TENANT, lambda tx: tx.quota.try_consume(1, next_day, limit=2, n=2)) == 2
    assert await store.read(TENANT, lambda tx: tx.quota.used(1, DAY)) == 1


async def test_referrals_are_recorded_once_and_rewarded_once(store: Store) -> None:
    await add_users(store, 1, 2, 3)
    assert await store.run(TENANT, lambda tx: tx.referrals.record(1, 2))
    assert not await store.run(TENANT, lambda tx: tx.referrals.record(3, 2))
    assert not await store.run(TENANT, lambda tx: tx.referrals.record(3, 3))
    assert await store.run(TENANT, lambda tx: tx.referrals.mark_rewarded(2))
    assert not await store.run(TENANT, lambda tx: tx.referrals.mark_rewarded(2))
    referral = await store.read(TENANT, lambda tx: tx.referrals.get(2))
    assert referral is not None and referral.referrer_id == 1 and referral.rewarded_at
    assert await store.read(TENANT, lambda tx: tx.referrals.count_for(1)) == 1


async def test_broadcasts_resume_from_pending_deliveries(store: Store) -> None:
    await add_users(store, 1, 2, 3)
    await store.run(TENANT, lambda tx: tx.users.set_blocked_bot(3, True))
    created = await store.run(TENANT, lambda tx: tx.broadcasts.create(9, {"text": "news"}))
    assert created.counts[DeliveryState.PENDING] == 2
    await store.run(TENANT, lambda tx: tx.broadcasts.set_state(created.id, BroadcastState.RUNNING))
    await store.run(
        TENANT, lambda tx: tx.broadcasts.record_delivery(created.id, 1, DeliveryState.SENT)
    )
    running = await store.read(TENANT, lambda tx: tx.broadcasts.running())
    assert [b.id for b in running] == [created.id]
    assert await store.read(TENANT, lambda tx: tx.broadcasts.pending_recipients(created.id)) == [2]
    await store.run(TENANT, lambda tx: tx.broadcasts.set_state(created.id, BroadcastState.DONE))
    with pytest.raises(InvalidState):
        await store.run(
            TENANT, lambda tx: tx.broadcasts.set_state(created.id, BroadcastState.RUNNING)
        )


async def test_broadcast_history_is_newest_first_with_figures_and_times(fresh_url: str) -> None:
    """Each broadcast keeps its figures and times: started when created, finished when done
    or cancelled — or with its last recorded send, when that came after the cancel."""
    now = [1_000_000]
    async with open_store(fresh_url, clock=lambda: now[0]) as store:
        await add_users(store, 1, 2, 3)

        def started(tx: Tx) -> int:
            created = tx.broadcasts.create(9, {"method": "sendMessage", "text": "hi"})
            tx.broadcasts.set_state(created.id, BroadcastState.RUNNING)
            return created.id

        async def at(ms: int, fn: Callable[[Tx], object]) -> None:
            now[0] = ms
            await store.run(TENANT, fn)

        first = await store.run(TENANT, started)
        await at(1_010_000, lambda tx: tx.broadcasts.record_delivery(first, 1, DeliveryState.SENT))
        await at(
            1_020_000, lambda tx: tx.broadcasts.record_delivery(first, 2, DeliveryState.SKIPPED)
        )
        await at(
            1_030_000, lambda tx: tx.broadcasts.record_delivery(first, 3, DeliveryState.FAILED)
        )
        await at(1_031_000, lambda tx: tx.broadcasts.set_state(first, BroadcastState.DONE))
        now[0] = 2_000_000
        second = await store.run(TENANT, started)
        await at(2_005_000, lambda tx: tx.broadcasts.set_state(second, BroadcastState.CANCELLED))
        await at(2_007_000, lambda tx: tx.broadcasts.record_delivery(second, 1, DeliveryState.SENT))
        now[0] = 3_000_000
        third = await store.run(TENANT, started)
        await store.run(OTHER_TENANT, started)  # another bot's: not in this history

        history = await store.read(TENANT, lambda tx: tx.broadcasts.history())
        assert [b.id for b in history] == [third, second, first]
        newest, cancelled, done = history
        assert (newest.state, newest.finished_at, newest.recipients) == (
            BroadcastState.RUNNING,
            None,
            3,
        )
        assert newest.counts[DeliveryState.PENDING] == 3
        assert (cancelled.created_at, cancelled.finished_at) == (2_000_000, 2_007_000)
        assert cancelled.counts[DeliveryState.SENT] == 1
        assert (done.created_at, done.finished_at) == (1_000_000, 1_031_000)
        assert [done.counts[s] for s in DeliveryState] == [
            0,
            1,
            1,
            1,
        ]  # pending sent failed skipped
        page = await store.read(TENANT, lambda tx: tx.broadcasts.history(before_id=third, limit=1))
        assert [b.id for b in page] == [second]
        assert await store.read(TENANT, lambda tx: tx.broadcasts.history(before_id=first)) == []


async def test_an_audit_entry_with_a_key_is_recorded_once_per_tenant(store: Store) -> None:
    def record(tx: Tx) -> int:
        return tx.audit.record(7, "denied", target="/admin", key="denied:7:100")

    first = await store.run(TENANT, record)
    again = await store.run(TENANT, record)  # the same update handled again
    other = await store.run("other", record)  # the same key in another bot is another entry
    unkeyed = [await store.run(TENANT, lambda tx: tx.audit.record(7, "denied")) for _ in (1, 2)]
    assert again == first and other != first and unkeyed[0] != unkeyed[1]
    entries = await store.read(TENANT, lambda tx: tx.audit.recent(action="denied"))
    assert len(entries) == 3
    found = await store.read(TENANT, lambda tx: tx.audit.by_key("denied:7:100"))
    assert found is not None and (found.id, found.target) == (first, "/admin")
    assert await store.read(TENANT, lambda tx: tx.audit.by_key("denied:7:101")) is None


async def test_settings_audit_and_history(store: Store) -> None:
    await add_users(store, 1)

    def write(tx: Tx) -> None:
        tx.settings.set("free_per_day", 3, updated_by=9)
        tx.settings.set("texts", {"hello": "Привет"})
        tx.audit.record(9, "balance.adjust", target="user:1", details={"amount": 100})
        tx.history.add(1, "generation", {"model": "flux"})
        tx.history.add(1, "payment", {"amount": 5})

    await store.run(TENANT, write)
    settings = await store.read(TENANT, lambda tx: tx.settings.all())
    assert settings == {"free_per_day": 3, "texts": {"hello": "Привет"}}
    assert await store.read(TENANT, lambda tx: tx.settings.get("missing", "d")) == "d"
    assert await store.run(TENANT, lambda tx: tx.settings.delete("texts"))
    audit = await store.read(TENANT, lambda tx: tx.audit.recent(action="balance.adjust"))
    assert [(a.actor_id, a.target, a.details) for a in audit] == [(9, "user:1", {"amount": 100})]
    history = await store.read(TENANT, lambda tx: tx.history.recent(1))
    assert [h.kind for h in history] == ["payment", "generation"]
    only = await store.read(TENANT, lambda tx: tx.history.recent(1, kind="generation"))
    assert [h.payload for h in only] == [{"model": "flux"}]


async def test_an_updates_operation_results_are_kept_until_forgotten(store: Store) -> None:
    await store.run(TENANT, lambda tx: tx.operation_results.keep(41, b"first answer"))
    await store.run(TENANT, lambda tx: tx.operation_results.keep(41, b"\x00\xffanswer"))
    assert await store.read(TENANT, lambda tx: tx.operation_results.find(41)) == b"\x00\xffanswer"
    assert await store.read(OTHER_TENANT, lambda tx: tx.operation_results.find(41)) is None
    assert await store.read(TENANT, lambda tx: tx.operation_results.find(42)) is None
    await store.run(TENANT, lambda tx: tx.operation_results.forget(41))
    assert await store.read(TENANT, lambda tx: tx.operation_results.find(41)) is None


async def test_correlation_steps_are_written_together_in_order_or_not_at_all(
    store: Store,
) -> None:
    """The correlation flush writes hundreds of steps in one call (one round trip on
    PostgreSQL); each id's trail reads back in the order recorded, each tenant its own, and
    a batch with one bad step writes none."""
    steps = [
        CorrelationStep(f"u{n % 3}", f"step{n}", {"n": n, "text": "é"}, 1_000 + n)
        for n in range(300)
    ]
    assert await store.run(TENANT, lambda tx: tx.correlations.record_many(steps)) == 300
    assert await store.run(TENANT, lambda tx: tx.correlations.record_many([])) == 0
    trail = await store.read(TENANT, lambda tx: tx.correlations.trail("u1", limit=1000))
    assert [step.step for step in trail] == [f"step{n}" for n in range(1, 300, 3)]
    assert trail[0].detail == {"n": 1, "text": "é"} and trail[0].at == 1_001
    assert await store.read(OTHER_TENANT, lambda tx: tx.correlations.trail("u1")) == []
    bad = [CorrelationStep("u9", "fine", {}, 1), CorrelationStep("u9", "x" * 65, {}, 2)]
    with pytest.raises(ValueError, match="step must be"):
        await store.run(TENANT, lambda tx: tx.correlations.record_many(bad))
    assert await store.read(TENANT, lambda tx: tx.correlations.trail("u9")) == []
