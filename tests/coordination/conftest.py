"""Fixtures for the coordination tests.

The contract suite runs every test against three set-ups (`backend_kind`):

* ``local``: no Redis; trio's MockClock drives time (no threads or sockets are touched);
* ``redis``: the session's real Redis (`TRT_TEST_REDIS_URL`, or a throwaway server started
  once per session); real time, small numbers;
* ``fallback``: Redis configured but unreachable, with ``single_instance=True``, so every
  primitive runs on the local fallback through the degraded routing; real time.

Contract tests must take `contract_clock` as an argument: pytest-trio only picks a clock
from the test's own arguments. A missing Redis fails the tests (it never skips them).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from trio.testing import MockClock

from trt_actors.coordination import Coordination, open_coordination
from trt_actors.testing.redis_server import RedisServer

from .support import dead_redis_url, fast_settings

BACKEND_KINDS = ["local", "redis", "fallback"]


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A private Redis server this test may kill and restart."""
    with RedisServer() as server:
        yield server


@pytest.fixture(params=BACKEND_KINDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def contract_clock(backend_kind: str) -> MockClock | None:
    """MockClock (autojump) for the local backend; None (real time) otherwise."""
    return MockClock(autojump_threshold=0) if backend_kind == "local" else None


@pytest.fixture
def backend_url(backend_kind: str, request: pytest.FixtureRequest) -> str | None:
    if backend_kind == "redis":
        url: str = request.getfixturevalue("redis_url")
        return url
    if backend_kind == "fallback":
        return dead_redis_url()
    return None


@pytest.fixture
async def coord(backend_kind: str, backend_url: str | None) -> AsyncIterator[Coordination]:
    single = backend_kind == "fallback"
    async with open_coordination(
        backend_url, single_instance=single, settings=fast_settings()
    ) as opened:
        yield opened
