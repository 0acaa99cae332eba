"""The ledger contract, on both backends: money moves, idempotency, invariants, atomicity."""

from __future__ import annotations

import sqlite3

import psycopg
import pytest
import trio

from trt_actors.storage import (
    CreditKind,
    Currency,
    HoldStatus,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidState,
    LedgerEntry,
    LedgerKind,
    NotFound,
    Store,
    Tx,
)

from .support import TENANT, add_users, query

RUB, XTR = Currency.RUB, Currency.XTR
USER = 1001


async def credit(store: Store, amount: int, key: str, currency: Currency = RUB) -> LedgerEntry:
    return await store.run(
        TENANT,
        lambda tx: tx.ledger.credit(
            USER, amount, currency, kind=CreditKind.TOPUP, key=key, actor="test"
        ),
    )


async def hold(store: Store, amount: int, key: str) -> LedgerEntry:
    return await store.run(
        TENANT, lambda tx: tx.ledger.hold(USER, amount, RUB, key=key, actor="test", reference=key)
    )


async def test_credit_hold_capture_release_refund_move_the_right_amounts(store: Store) -> None:
    await add_users(store, USER)
    topup = await credit(store, 10_000, "topup:1")
    assert (topup.kind, topup.amount, topup.balance_after, topup.held_after) == (
        LedgerKind.TOPUP, 10_000, 10_000, 0,
    )  # fmt: skip

    first = await hold(store, 3_000, "hold:1")
    assert (first.balance_after, first.held_after, first.available_after) == (10_000, 3_000, 7_000)
    assert first.hold_id is not None
    second = await hold(store, 2_000, "hold:2")
    assert second.hold_id is not None

    captured = await store.run(
        TENANT, lambda tx: tx.ledger.capture(first.hold_id or 0, key="capture:1", actor="jobs")
    )
    assert (captured.amount, captured.held_delta) == (-3_000, -3_000)
    assert (captured.balance_after, captured.held_after) == (7_000, 2_000)

    released = await store.run(
        TENANT, lambda tx: tx.ledger.release(second.hold_id or 0, key="release:2", actor="jobs")
    )
    assert (released.amount, released.held_delta) == (0, -2_000)
    assert (released.balance_after, released.held_after) == (7_000, 0)

    refunded = await store.run(
        TENANT, lambda tx: tx.ledger.refund(first.hold_id or 0, key="refund:1", actor="admin:7")
    )
    assert (refunded.amount, refunded.balance_after) == (3_000, 10_000)

    debited = await store.run(
        TENANT, lambda tx: tx.ledger.debit(USER, 500, RUB, key="fix:1", actor="admin:7")
    )
    assert (debited.amount, debited.balance_after) == (-500, 9_500)

    account = await store.read(TENANT, lambda tx: tx.ledger.account(USER, RUB))
    assert (account.balance, account.held, account.available) == (9_500, 0, 9_500)
    assert await store.read(TENANT, lambda tx: tx.ledger.reconcile()) == []
    holds = await store.read(
        TENANT, lambda tx: [tx.ledger.get_hold(e.hold_id or 0) for e in (first, second)]
    )
    assert [h.status for h in holds] == [HoldStatus.REFUNDED, HoldStatus.RELEASED]


async def test_currencies_are_separate_accounts(store: Store) -> None:
    await add_users(store, USER)
    await credit(store, 100, "rub", RUB)
    await credit(store, 7, "xtr", XTR)
    rub = await store.read(TENANT, lambda tx: tx.ledger.account(USER, RUB))
    xtr = await store.read(TENANT, lambda tx: tx.ledger.account(USER, XTR))
    assert (rub.balance, xtr.balance) == (100, 7)


async def test_same_key_twice_makes_one_row_and_returns_the_first_result(store: Store) -> None:
    await add_users(store, USER)
    first = await credit(store, 1_000, "topup:once")
    again = await credit(store, 1_000, "topup:once")
    assert again.replayed and not first.replayed
    assert (again.id, again.balance_after) == (first.id, first.balance_after)
    held = await hold(store, 400, "hold:once")
    held_again = await hold(store, 400, "hold:once")
    assert held_again.hold_id == held.hold_id and held_again.replayed

    rows = query(
        store_url(store), "SELECT count(*) FROM ledger WHERE idempotency_key = ?", ("topup:once",)
    )
    assert rows == [(1,)]
    account = await store.read(TENANT, lambda tx: tx.ledger.account(USER, RUB))
    assert (account.balance, account.held) == (1_000, 400)


async def test_same_key_with_other_arguments_is_a_conflict_and_changes_nothing(
    store: Store,
) -> None:
    await add_users(store, USER)
    await credit(store, 1_000, "k")
    with pytest.raises(IdempotencyConflict):
        await credit(store, 2_000, "k")
    with pytest.raises(IdempotencyConflict):
        await hold(store, 1_000, "k")
    account = await store.read(TENANT, lambda tx: tx.ledger.account(USER, RUB))
    assert account.balance == 1_000


async def test_concurrent_calls_with_one_key_apply_once(store: Store) -> None:
    await add_users(store, USER)
    results: list[LedgerEntry] = []

    async def one() -> None:
        results.append(await credit(store, 250, "same-key"))

    async with trio.open_nursery() as nursery:
        for _ in range(10):
            nursery.start_soon(one)
    assert len({r.id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    account = await store.read(TENANT, lambda tx: tx.ledger.account(USER, RUB))
    assert account.balance == 250


async def test_twenty_concurrent_holds_succeed_exactly_as_far_as_the_money_goes(
    store: Store,
) -> None:
    await add_users(store, USER)
    await credit(store, 1_000, "topup")  # affords 7 holds of 130 (910), not 8 (1040)
    won: list[LedgerEntry] = []
    refused: list[InsufficientFunds] = []

    async def try_hold(i: int) -> None:
        try:
            won.append(await hold(store, 130, f"hold:{i}"))
        except InsufficientFunds as exc:
            refused.append(exc)

    async with trio.open_nursery() as nursery:
        for i in range(20):
            nursery.start_soon(try_hold, i)
    assert (len(won), len(refused)) == (7, 13)
    assert all(exc.required == 130 and exc.available < 130 for exc in refused)
    account = await store.read(TENANT, lambda tx: tx.ledger.account(USER, RUB))
    assert (account.balance, account.held, account.available) == (1_000, 910, 90)
    assert await store.read(TENANT, lambda tx: tx.ledger.reconcile()) == []


async def test_insufficient_funds_reports_available_and_required(store: Store) -> None:
    await add_users(store, USER)
    await credit(store, 100, "topup")
    await hold(store, 60, "h")
    with pytest.raises(InsufficientFunds) as caught:
        await store.run(TENANT, lambda tx: tx.ledger.debit(USER, 50, RUB, key="d", actor="a"))
    assert (caught.value.available, caught.value.required) == (40, 50)
    with pytest.raises(InsufficientFunds) as no_account:
        await store.run(TENANT, lambda tx: tx.ledger.hold(USER, 1, XTR, key="x", actor="a"))
    assert no_account.value.available == 0


async def test_failure_inside_a_transaction_leaves_no_partial_row(store: Store) -> None:
    await add_users(store, USER)
    await credit(store, 1_000, "topup")

    def hold_then_fail(tx: Tx) -> None:
        tx.ledger.hold(USER, 300, RUB, key="doomed", actor="test")
        tx.inbox.mark_done(424242)  # raises NotFound: the whole transaction rolls back

    with pytest.raises(NotFound):
        await store.run(TENANT, hold_then_fail)
    assert await store.read(TENANT, lambda tx: tx.ledger.entry("doomed")) is None
    account = await store.read(TENANT, lambda tx: tx.ledger.account(USER, RUB))
    assert (account.balance, account.held) == (1_000, 0)
    assert query(store_url(store), "SELECT count(*) FROM holds") == [(0,)]


async def test_a_caught_ledger_error_undoes_only_its_own_savepoint(store: Store) -> None:
    await add_users(store, USER)

    def credit_then_try_too_big_hold(tx: Tx) -> str:
        tx.ledger.credit(USER, 100, RUB, kind=CreditKind.PROMO, key="promo", actor="t")
        try:
            tx.ledger.hold(USER, 500, RUB, key="big", actor="t")
        except InsufficientFunds:
            return "refused"
        return "held"

    assert await store.run(TENANT, credit_then_try_too_big_hold) == "refused"
    account = await store.read(TENANT, lambda tx: tx.ledger.account(USER, RUB))
    assert (account.balance, account.held) == (100, 0)


async def test_settling_a_hold_twice_or_wrongly_is_refused(store: Store) -> None:
    await add_users(store, USER)
    await credit(store, 100, "topup")
    entry = await hold(store, 50, "h")
    hold_id = entry.hold_id or 0
    await store.run(TENANT, lambda tx: tx.ledger.release(hold_id, key="r1", actor="t"))
    with pytest.raises(InvalidState):
        await store.run(TENANT, lambda tx: tx.ledger.capture(hold_id, key="c1", actor="t"))
    with pytest.raises(InvalidState):
        await store.run(TENANT, lambda tx: tx.ledger.refund(hold_id, key="f1", actor="t"))
    with pytest.raises(NotFound):
        await store.run(TENANT, lambda tx: tx.ledger.capture(999_999, key="c2", actor="t"))


async def test_credit_to_an_unknown_user_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        await credit(store, 10, "ghost")


async def test_amounts_must_be_positive_ints(store: Store) -> None:
    await add_users(store, USER)
    for amount in (0, -5, 1.5, 10.0, True, 10**16):
        with pytest.raises((TypeError, ValueError)):
            await credit(store, amount, f"bad-{amount}")  # type: ignore[arg-type]
    assert await store.read(TENANT, lambda tx: tx.ledger.entries(USER)) == []


async def test_ledger_rows_cannot_be_changed_or_deleted(store: Store) -> None:
    await add_users(store, USER)
    await credit(store, 10, "topup")
    for statement in ("UPDATE ledger SET amount = 99", "DELETE FROM ledger"):
        with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
            query(store_url(store), statement)
    assert query(store_url(store), "SELECT amount FROM ledger") == [(10,)]


async def test_entries_are_listed_newest_first(store: Store) -> None:
    await add_users(store, USER)
    for i in range(3):
        await credit(store, 10 + i, f"k{i}")
    entries = await store.read(TENANT, lambda tx: tx.ledger.entries(USER, limit=2))
    assert [e.amount for e in entries] == [12, 11]
    older = await store.read(TENANT, lambda tx: tx.ledger.entries(USER, before_id=entries[-1].id))
    assert [e.amount for e in older] == [10]


def store_url(store: Store) -> str:
    """The unredacted URL (tests use password-less URLs, so redaction changes nothing)."""
    return store.url
