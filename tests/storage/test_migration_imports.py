"""Migration 14 on a database with money in it: the ledger keeps every row (and its ids, and
its immutability), takes the new kind `opening`, and the balances still reconcile."""

from __future__ import annotations

import pytest

from trt_actors.storage import (
    ConstraintViolation,
    CreditKind,
    Currency,
    LedgerKind,
    Tx,
    open_store,
)
from trt_actors.storage._engine import open_engine
from trt_actors.storage._migrate import apply_migrations
from trt_actors.storage.migrations import MIGRATIONS

from .support import TENANT, query

BEFORE = [m for m in MIGRATIONS if m.version < 14]


async def test_the_ledger_survives_migration_14_and_takes_opening_credits(fresh_url: str) -> None:
    engine = await open_engine(fresh_url)
    try:
        assert await apply_migrations(engine, BEFORE) == list(range(1, 14))
    finally:
        await engine.aclose()
    query(
        fresh_url,
        "INSERT INTO users (tenant_id, user_id, first_name, created_at, updated_at)"
        " VALUES (?, 1, 'Ann', 0, 0)",
        (TENANT,),
    )
    query(
        fresh_url,
        "INSERT INTO accounts (tenant_id, user_id, currency, balance, held, updated_at)"
        " VALUES (?, 1, 'RUB', 700, 0, 0)",
        (TENANT,),
    )
    for amount, after, key in ((500, 500, "a"), (200, 700, "b")):
        query(
            fresh_url,
            "INSERT INTO ledger (tenant_id, user_id, currency, kind, amount, held_delta,"
            " balance_after, held_after, hold_id, reference, idempotency_key, actor, created_at)"
            " VALUES (?, 1, 'RUB', 'topup', ?, 0, ?, 0, NULL, '', ?, 'test', 0)",
            (TENANT, amount, after, key),
        )
    before = query(fresh_url, "SELECT * FROM ledger ORDER BY id")

    async with open_store(fresh_url) as store:  # migrates to 14
        assert query(fresh_url, "SELECT * FROM ledger ORDER BY id") == before

        def credit(tx: Tx) -> tuple[int, LedgerKind, int, list[object]]:
            entry = tx.ledger.credit(
                1, 300, Currency.RUB, kind=CreditKind.OPENING, key="opening:1", actor="import"
            )
            balance = tx.ledger.account(1, Currency.RUB).balance
            return entry.id, entry.kind, balance, list(tx.ledger.reconcile())

        entry_id, kind, balance, discrepancies = await store.run(TENANT, credit)
    assert (entry_id, kind, balance, discrepancies) == (3, LedgerKind.OPENING, 1000, [])
    with pytest.raises(Exception, match="immutable"):
        query(fresh_url, "UPDATE ledger SET amount = 1 WHERE id = 1")
    with pytest.raises(Exception, match="immutable"):
        query(fresh_url, "DELETE FROM ledger WHERE id = 1")
    async with open_store(fresh_url) as store:

        def wrong_sign(tx: Tx) -> None:
            tx._db.run(  # behind the ledger's API: the constraint itself refuses it
                "INSERT INTO ledger (tenant_id, user_id, currency, kind, amount, held_delta,"
                " balance_after, held_after, reference, idempotency_key, actor, created_at)"
                " VALUES (:t, 1, 'RUB', 'opening', -5, 0, 995, 0, '', 'x', 'test', 0)",
                {"t": TENANT},
            )

        with pytest.raises(ConstraintViolation):
            await store.run(TENANT, wrong_sign)
