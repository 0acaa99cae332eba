"""Property test: random money operations, run in concurrent batches, keep the invariants.

The operations are the ledger's own (credit, debit, hold, capture, release, refund, replay)
and every money operation built on it (`trt_actors.money.perform`: Stars payments, some
repeated, and their refunds; bank transfers approved — twice — or rejected; promo codes),
and the free generations reserved at Confirm (`FreeHolds`: reserve by a key that repeats,
capture, release). After every batch, on both backends: each balance equals the sum of its
ledger rows and of the entries and results the calls returned; held equals the active
holds; nothing is negative; a replayed key changed nothing; the day's free uses counted are
exactly the quota holds not released, never over the quota, and the bonus generations left
are those granted less the bonus holds not released; no key reserved twice. Each example
runs in a fresh tenant of one database.
"""

from __future__ import annotations

import datetime
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
    FreeHold,
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
FREE_PER_DAY = 2
FREE_BONUS = {1: 1, 2: 0}  # bonus generations granted at the start
DAY = datetime.date(2026, 11, 26)
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
    st.tuples(st.just("free"), users, st.integers(0, 5)),  # a confirmation's key, repeating
    st.tuples(st.sampled_from(["free_capture", "free_release"]), st.integers(0, 30)),
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
    free_holds: dict[str, FreeHold] = field(default_factory=dict)  # by key, as first made


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


async def run_free(store: Store, model: Model, op: Op) -> None:
    """Reserve a free generation for a confirmation (the same key again reserves nothing),
    or capture or release one reserved."""
    if op[0] == "free":
        key = f"confirm-{op[1]}-{op[2]}"
        hold = await store.run(
            model.tenant,
            lambda tx: tx.free_holds.reserve(op[1], key=key, day=DAY, per_day=FREE_PER_DAY),
        )
        if hold is None:
            return
        first = model.free_holds.setdefault(key, hold)
        assert hold.replayed == (first is not hold)  # made once, then only found
        assert hold.id == first.id and hold.user_id == op[1]
        return
    if not model.free_holds:
        return
    hold = list(model.free_holds.values())[op[1] % len(model.free_holds)]
    if op[0] == "free_capture":
        await store.run(model.tenant, lambda tx: tx.free_holds.capture(hold.id))
    else:
        await store.run(model.tenant, lambda tx: tx.free_holds.release(hold.id))


async def run_one(store: Store, model: Model, op: Op) -> None:
    if op[0] in ("stars", "stars_refund", "transfer", "promo"):
        await run_money(store, model, op)
        return
    if op[0] in ("free", "free_capture", "free_release"):
        await run_free(store, model, op)
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
    check_free(tx, model)


def check_free(tx: Tx, model: Model) -> None:
    """The free uses: counted once per hold not released, never over what there was."""
    holds = [tx.free_holds.by_key(key) for key in model.free_holds]
    assert all(hold is not None for hold in holds)
    live = [h for h in holds if h is not None and h.status != "released"]
    for user in USERS:
        quota = sum(1 for h in live if h.user_id == user and h.source == "quota")
        bonus = sum(1 for h in live if h.user_id == user and h.source == "bonus")
        assert tx.quota.used(user, DAY) == quota <= FREE_PER_DAY
        assert tx.free_bonus.left(user) == FREE_BONUS[user] - bonus >= 0
        held = sum(1 for h in holds if h is not None and h.user_id == user and h.status == "held")
        assert tx.free_holds.held(user) == held


async def example(url: str, plan: list[list[Op]]) -> None:
    model = Model(tenant=f"prop-{uuid.uuid4().hex[:8]}")
    async with open_store(url) as store:

        def create_users(tx: Tx) -> None:
            for user in (*USERS, ADMIN):
                tx.users.upsert(user, first_name="p")
            perform(tx, CreatePromo(ADMIN, "ONCE", 300, 1, None, by_admin=True))
            perform(tx, CreatePromo(ADMIN, "MANY", 200, None, None, by_admin=True))
            for user, bonus in FREE_BONUS.items():
                if bonus:
                    tx.free_bonus.grant(user, bonus, key=f"bonus-{user}", reason="promo")

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
