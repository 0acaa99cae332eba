"""Tenant isolation through the public interface: tenant A never sees or touches B's rows."""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

import pytest

from trt_actors.storage import (
    BroadcastState,
    CreditKind,
    Currency,
    JobState,
    NotFound,
    PaymentStatus,
    Store,
    Tx,
)

from .support import OTHER_TENANT, TENANT

USER, FRIEND = 5, 6
DAY = datetime.date(2026, 11, 26)


def populate(label: str, amount: int) -> Callable[[Tx], dict[str, int]]:
    """The same ids in every tenant, with tenant-specific values."""

    def fill(tx: Tx) -> dict[str, int]:
        tx.users.upsert(USER, first_name=label, language=label)
        tx.users.upsert(FRIEND, first_name=f"{label} friend")
        tx.sessions.save(USER, {"tenant": label}, expected_version=0)
        tx.ledger.credit(USER, amount, Currency.RUB, kind=CreditKind.TOPUP, key="k1", actor="t")
        hold = tx.ledger.hold(USER, 1, Currency.RUB, key="k2", actor="t")
        payment, _ = tx.payments.submit_transfer(
            USER, amount, Currency.RUB, reference="ref-1", proof=None
        )
        job = tx.jobs.create(USER, f"model-{label}", {}, price=1, currency=Currency.RUB)
        tx.jobs.transition(job.id, JobState.SUBMITTED, kie_task_id="task-1")
        tx.promos.create("CODE", amount, Currency.RUB)
        tx.settings.set("greeting", label)
        tx.audit.record(1, f"audit-{label}")
        tx.history.add(USER, "made", {"tenant": label})
        tx.referrals.record(FRIEND, USER)
        tx.quota.try_consume(USER, DAY, limit=10, n=len(label))
        broadcast = tx.broadcasts.create(1, {"text": label})
        return {"hold": hold.hold_id or 0, "payment": payment.id, "job": job.id, "bc": broadcast.id}

    return fill


def start_broadcast(tx: Tx, broadcast_id: int) -> None:
    tx.broadcasts.set_state(broadcast_id, BroadcastState.RUNNING)


def view(tx: Tx) -> dict[str, object]:
    return {
        "user": tx.users.get(USER).first_name,
        "language": tx.users.get(USER).language,
        "users": tx.users.count(),
        "session": tx.sessions.load(USER).state,
        "balance": tx.ledger.account(USER, Currency.RUB).balance,
        "entries": [e.amount for e in tx.ledger.entries(USER)],
        "holds": len(tx.ledger.active_holds(USER)),
        "payments": [p.amount for p in tx.payments.by_status(PaymentStatus.PENDING)],
        "job": tx.jobs.by_task("task-1").model_id,  # type: ignore[union-attr]
        "jobs": len(tx.jobs.unfinished()),
        "promo": tx.promos.get("CODE").amount,
        "settings": tx.settings.all(),
        "audit": [a.action for a in tx.audit.recent()],
        "history": [h.payload for h in tx.history.recent(USER)],
        "referrals": tx.referrals.count_for(FRIEND),
        "quota": tx.quota.used(USER, DAY),
        "broadcasts": [b.message for b in tx.broadcasts.running()],
        "inbox": [e.payload for e in tx.inbox.pending()],
        "reconcile": tx.ledger.reconcile(),
    }


async def test_each_tenant_sees_only_its_own_rows(store: Store) -> None:
    ids_a = await store.run(TENANT, populate("aa", 100))
    ids_b = await store.run(OTHER_TENANT, populate("bbbb", 900))
    assert ids_a != ids_b  # same user ids and keys, different rows
    await store.inbox.append(TENANT, 1, b"a")
    await store.inbox.append(OTHER_TENANT, 1, b"b")
    for tenant, ids in ((TENANT, ids_a), (OTHER_TENANT, ids_b)):
        await store.run(tenant, functools.partial(start_broadcast, broadcast_id=ids["bc"]))

    a = await store.read(TENANT, view)
    b = await store.read(OTHER_TENANT, view)
    assert a == {
        "user": "aa", "language": "aa", "users": 2, "session": {"tenant": "aa"},
        "balance": 100, "entries": [0, 100], "holds": 1, "payments": [100], "job": "model-aa",
        "jobs": 1, "promo": 100, "settings": {"greeting": "aa"}, "audit": ["audit-aa"],
        "history": [{"tenant": "aa"}], "referrals": 1, "quota": 2,
        "broadcasts": [{"text": "aa"}], "inbox": [b"a"], "reconcile": [],
    }  # fmt: skip
    assert (b["user"], b["balance"], b["quota"], b["inbox"]) == ("bbbb", 900, 4, [b"b"])


async def test_a_tenant_cannot_reach_another_tenants_rows_by_id(store: Store) -> None:
    await store.run(TENANT, populate("aa", 100))
    ids_b = await store.run(OTHER_TENANT, populate("bbbb", 900))
    attempts = [
        lambda tx: tx.ledger.capture(ids_b["hold"], key="steal", actor="t"),
        lambda tx: tx.ledger.get_hold(ids_b["hold"]),
        lambda tx: tx.payments.review(ids_b["payment"], approve=True, reviewer_id=1),
        lambda tx: tx.jobs.transition(ids_b["job"], JobState.SUCCEEDED),
        lambda tx: tx.broadcasts.get(ids_b["bc"]),
    ]
    for attempt in attempts:  # ids are unique across tenants: B's ids name nothing in A
        with pytest.raises(NotFound):
            await store.run(TENANT, attempt)
    b = await store.read(OTHER_TENANT, view)
    assert (b["holds"], b["payments"], b["jobs"]) == (1, [900], 1)
