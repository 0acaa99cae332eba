"""Property test: random money operations, run in concurrent batches, keep the invariants.

The operations are the ledger's own (credit, debit, hold, capture, release, refund, replay)
and every money operation built on it (`trt_actors.money.perform`: Stars payments, some
repeated, and their refunds; bank transfers approved — twice — or rejected; promo codes).
After every batch, on both backends: each balance equals the sum of its ledger rows and of
the entries and results the calls returned; held equals the active holds; nothing is
negative; a replayed key changed nothing. Each example runs in a fresh tenant of one database.
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

from trt_actors.domain.money_effects import (
    CreatePromo,
    CreditStars,
    MoneyOperation,
    RedeemPromo,
    RefundStars,
    ReviewTransfer,
    SubmitTransfer,
)
from trt_actors.money import perform
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
ADMIN = 99
PROMOS = ("ONCE", "MANY")
amounts = st.integers(min_value=1, max_value=500)
currencies = st.sampled_from([Currency.RUB, Currency.XTR])
users = st.sampled_from(USERS)
operation = st.one_of(
    st.tuples(st.sampled_from(["credit", "debit", "hold"]), users, currencies, amounts),
    st.tuples(st.sampled_from(["capture", "release", "refund", "replay"]), st.integers(0, 30)),
    st.tuples(st.just("stars"), users, st.integers(0, 4), amounts),  # charge ids repeat
    st.tuples(st.just("stars_refund"), users, st.integers(0, 4)),
    st.tuples(st.just("transfer"), users, amounts, st.booleans()),
    st.tuples(st.just("promo"), users, st.sampled_from(PROMOS)),
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
    money_rows: int = 0  # ledger rows written by money operations


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


def money_steps(op: Op, key: str) -> list[MoneyOperation]:
    """The money operations `op` stands for, performed one transaction each, in order."""
    kind, user = op[0], op[1]
    if kind == "stars":
        return [CreditStars(user, f"charge-{user}-{op[2]}", op[3], op[3] * 150)]
    if kind == "stars_refund":
        return [RefundStars(user, f"charge-{user}-{op[2]}", ADMIN, "prop")]
    if kind == "transfer":
        return [SubmitTransfer(user, op[2], "proof", key)]  # reviewed once it has an id
    return [RedeemPromo(user, op[2])]


async def run_money(store: Store, model: Model, op: Op) -> None:
    key = f"op-{next(model.keys)}"
    for step in money_steps(op, key):
        result = await store.run(model.tenant, lambda tx, s=step: perform(tx, s))
        record_money(model, result.outcome, result.amount, result.user_id or op[1])
        if result.outcome == "submitted" and result.payment_id is not None:
            review = ReviewTransfer(result.payment_id, ADMIN, approve=op[3], by_admin=True)
            for _ in range(2):  # pressed twice: credited once
                again = await store.run(model.tenant, lambda tx, r=review: perform(tx, r))
                record_money(model, again.outcome, again.amount, op[1])


def record_money(model: Model, outcome: str, amount: int, user: int) -> None:
    sign = {"credited": 1, "approved": 1, "redeemed": 1, "refunded": -1}.get(outcome)
    if sign is not None:
        model.balance[user, Currency.RUB] += sign * amount
        model.money_rows += 1


async def run_one(store: Store, model: Model, op: Op) -> None:
    if op[0] in ("stars", "stars_refund", "transfer", "promo"):
        await run_money(store, model, op)
        return
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
    assert entries == len(model.done) + model.money_rows


async def example(url: str, plan: list[list[Op]]) -> None:
    model = Model(tenant=f"prop-{uuid.uuid4().hex[:8]}")
    async with open_store(url) as store:

        def create_users(tx: Tx) -> None:
            for user in (*USERS, ADMIN):
                tx.users.upsert(user, first_name="p")
            perform(tx, CreatePromo(ADMIN, "ONCE", 300, 1, None, by_admin=True))
            perform(tx, CreatePromo(ADMIN, "MANY", 200, None, None, by_admin=True))

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
