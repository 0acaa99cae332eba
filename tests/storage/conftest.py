"""Fixtures for the storage tests: every contract test runs on SQLite and on PostgreSQL.

PostgreSQL is `TRT_TEST_POSTGRES_URL` when set, else a throwaway server started once per
session (`trt_actors.testing.postgres`). When neither can be had the fixture raises, so the
PostgreSQL half of the suite FAILS: a skipped backend would hide its failures.

Each test gets its own empty database: a fresh SQLite file, or a fresh PostgreSQL schema
(in one database created for the session; the URL selects the schema via ``search_path``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import trio

from trt_actors.storage import Store, open_store
from trt_actors.testing.postgres import scratch_schema

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture
def fresh_pg_url(postgres_database: str) -> Iterator[str]:
    """An empty PostgreSQL schema private to this test."""
    with scratch_schema(postgres_database, "t") as url:
        yield url


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def fresh_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The URL of an empty database of `backend`, private to this test."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'trt.db'}"
    url: str = request.getfixturevalue("fresh_pg_url")
    return url


@pytest.fixture
async def store(fresh_url: str) -> AsyncIterator[Store]:
    """A migrated store with its inbox writer running."""
    async with open_store(fresh_url) as opened, trio.open_nursery() as nursery:
        await nursery.start(opened.inbox.run_writer)
        yield opened
        nursery.cancel_scope.cancel()
