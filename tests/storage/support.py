"""Helpers shared by the storage tests."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from typing import Any

import psycopg

from trt_actors.storage import Store, Tx

TENANT = "tenant-a"
OTHER_TENANT = "tenant-b"


async def add_users(store: Store, *user_ids: int, tenant: str = TENANT) -> None:
    """Create users (with a plain profile) so accounts and sessions can refer to them."""

    def create(tx: Tx) -> None:
        for user_id in user_ids:
            tx.users.upsert(user_id, first_name=f"user {user_id}")

    await store.run(tenant, create)


@contextlib.contextmanager
def raw_connection(url: str) -> Iterator[Any]:
    """A plain driver connection to the test database, for checks behind the interface."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            yield conn
        finally:
            conn.close()
    else:
        with psycopg.connect(url, autocommit=True) as pg:
            yield pg


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one query with a plain driver connection; `?` placeholders on both backends."""
    with raw_connection(url) as conn:
        if not url.startswith("sqlite:///"):
            sql = sql.replace("?", "%s")
        cursor = conn.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall() if cursor.description else []
        return rows
