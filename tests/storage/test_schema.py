"""The schema of a migrated database, introspected on the real backends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from trt_actors.storage import Store, open_store

from .support import query

EXEMPT = {"schema_version", "instances"}  # the registry of processes: not tenant data
# SQLite's own tables behind the knowledge base's FTS5 index (kb_entries_fts holds tenant_id)
FTS5_SHADOW = {f"kb_entries_fts_{part}" for part in ("data", "idx", "docsize", "config")}
REQUIRED_TABLES = {
    "users", "sessions", "inbox", "accounts", "ledger", "holds", "payments", "jobs", "history",
    "referrals", "promo_codes", "promo_redemptions", "free_usage", "broadcasts",
    "broadcast_deliveries", "tenant_settings", "admin_audit",
}  # fmt: skip
MONEY_COLUMNS = {
    ("accounts", "balance"), ("accounts", "held"), ("holds", "amount"),
    ("ledger", "amount"), ("ledger", "held_delta"), ("ledger", "balance_after"),
    ("ledger", "held_after"), ("payments", "amount"), ("jobs", "price"),
    ("promo_codes", "amount"),
}  # fmt: skip
FLOATING = ("REAL", "FLOA", "DOUB", "NUMERIC", "DECIMAL", "MONEY")


def columns(url: str) -> dict[str, dict[str, str]]:
    """{table: {column: declared type}} of every user table."""
    result: dict[str, dict[str, str]] = {}
    if url.startswith("sqlite:///"):
        tables = query(
            url, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        for (table,) in tables:
            info = query(url, f"PRAGMA table_info({table})")
            result[table] = {row[1]: str(row[2]).upper() for row in info}
        return result
    rows = query(
        url,
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema()",
    )
    for table, column, data_type in rows:
        result.setdefault(table, {})[column] = str(data_type).upper()
    return result


async def test_every_table_has_tenant_id(store: Store) -> None:
    tables = columns(store.url)
    assert set(tables) >= REQUIRED_TABLES
    own = EXEMPT | FTS5_SHADOW
    missing = [t for t, cols in tables.items() if t not in own and "tenant_id" not in cols]
    assert missing == []


async def test_no_column_is_floating_point_and_money_is_integer(store: Store) -> None:
    tables = columns(store.url)
    floating = [
        (t, c, kind)
        for t, cols in tables.items()
        for c, kind in cols.items()
        if any(word in kind for word in FLOATING)
    ]
    assert floating == []
    for table, column in MONEY_COLUMNS:
        assert tables[table][column] in {"INTEGER", "BIGINT"}, (table, column)


async def test_sqlite_tables_are_strict(tmp_path: Path) -> None:
    """SQLite would otherwise store 1.5 in an INTEGER column; STRICT tables refuse it."""
    url = f"sqlite:///{tmp_path / 'strict.db'}"
    async with open_store(url):
        rows = query(url, "PRAGMA table_list")
    loose = [r[1] for r in rows if r[2] == "table" and not r[1].startswith("sqlite_") and not r[5]]
    assert loose == []
    with pytest.raises(sqlite3.IntegrityError):
        query(url, "INSERT INTO promo_codes (tenant_id, code, amount, currency, created_at)"
                   " VALUES ('t', 'c', 1.5, 'RUB', 0)")  # fmt: skip


async def test_balances_cannot_go_negative_even_behind_the_code(store: Store) -> None:
    query(store.url, "INSERT INTO users (tenant_id, user_id, created_at, updated_at)"
                     " VALUES ('t', 1, 0, 0)")  # fmt: skip
    for values in ("('t', 1, 'RUB', -1, 0, 0)", "('t', 1, 'RUB', 5, 6, 0)"):
        with pytest.raises((sqlite3.IntegrityError, psycopg.IntegrityError)):
            query(store.url, "INSERT INTO accounts (tenant_id, user_id, currency, balance, held,"
                             f" updated_at) VALUES {values}")  # fmt: skip
