"""Property test: random money operations, run in concurrent batches, keep the invariants.

After every batch, on both backends: each balance equals the sum of its ledger rows and of
the entries the calls returned; held equals the active holds; nothing is negative; a
replayed key changed nothing. Each example runs in a fresh tenant of one database.
"""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trt_actors.storage import (
    CreditKind,
    Currency,
    InsufficientFunds,
    InvalidState,
    LedgerEntry,
    Store,
    Tx,
    open_store,
)

USERS = (1, 2)
amounts = st.integers(min_value=1, max_value=500)
currencies = st.sampled_from([Currency.RUB, Currency.XTR])
users = st.sampled_from(USERS)
operation = st.one_of(
    st.tuples(st.sampled_from(["credit", "debit", "hold"]), users, currencies, amounts),
    st.tuples(st.sampled_from(["capture", "release", "refund", "replay"]), st.integers(0, 30)),
)
batches = st.lists(st.lists(operation, min_size=1, max_size=8), min_size=1, max_size=6)


@dataclass
class Model:
    tenant: str
    keys: itertools.count[int] = field(default_factory=itertools.count)
    holds: list[int] = field(default_factory=list)
    done: list[tuple[Callable[[Tx], LedgerEntry], LedgerEntry]] = field(default_factory=list)
    balance: Counter[tuple[int, Currency]] = field(default_factory=Counter)
    held: Counter[tuple[int, Currency]] = field(default_factory=Counter)


Op = tuple[Any, ...]


def call(op: Op, key: str, model: Model) -> Callable[[Tx], LedgerEntry] | None:
    """The transaction function for `op`, or None when it names a hold that does not exist."""
    kind = op[0]
    if kind in ("credit", "debit", "hold"):
        _, user, currency, amount = op
        if kind == "credit":
            return lambda tx: tx.ledger.credit(
                user, amount, currency, kind=CreditKind.TOPUP, key=key, actor="prop"
            )
        method = "debit" if kind == "debit" else "hold"
        return lambda tx: cast(
            LedgerEntry, getattr(tx.ledger, method)(user, amount, currency, key=key, actor="p")
        )
    if not model.holds:
        return None
    hold_id = model.holds[op[1] % len(model.holds)]
    return lambda tx: cast(LedgerEntry, getattr(tx.ledger, kind)(hold_id, key=key, actor="prop"))


async def run_one(store: Store, model: Model, op: Op) -> None:
    if op[0] == "replay":
        if not model.done:
            return
        replay, first = model.done[op[1] % len(model.done)]  # same key, same arguments
        again = await store.run(model.tenant, replay)
        assert (
            again.replayed and again.id == first.id and again.balance_after == first.balance_after
        )
        return
    key = f"op-{next(model.keys)}"
    fn = call(op, key, model)
    if fn is None:
        return
    try:
        entry = await store.run(model.tenant, fn)
    except InsufficientFunds as exc:
        assert exc.available < exc.required
        return
    except InvalidState:
        return  # settling a hold that another operation settled first
    assert not entry.replayed
    if entry.hold_id is not None and op[0] == "hold":
        model.holds.append(entry.hold_id)
    model.done.append((fn, entry))
    model.balance[entry.user_id, entry.currency] += entry.amount
    model.held[entry.user_id, entry.currency] += entry.held_delta


def check(tx: Tx, model: Model) -> None:
    assert tx.ledger.reconcile() == []
    for user, currency in itertools.product(USERS, Currency):
        account = tx.ledger.account(user, currency)
        assert 0 <= account.held <= account.balance
        assert account.balance == model.balance[user, currency]
        assert account.held == model.held[user, currency]
    entries = sum(len(tx.ledger.entries(u, limit=10_000)) for u in USERS)
    assert entries == len(model.done)


async def example(url: str, plan: list[list[Op]]) -> None:
    model = Model(tenant=f"prop-{uuid.uuid4().hex[:8]}")
    async with open_store(url) as store:

        def create_users(tx: Tx) -> None:
            for user in USERS:
                tx.users.upsert(user, first_name="p")

        await store.run(model.tenant, create_users)
        for batch in plan:
            async with trio.open_nursery() as nursery:
                for op in batch:
                    nursery.start_soon(run_one, store, model, op)
            await store.read(model.tenant, lambda tx: check(tx, model))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=batches)
def test_random_operations_keep_the_invariants(fresh_url: str, plan: list[list[Op]]) -> None:
    trio.run(example, fresh_url, plan)
