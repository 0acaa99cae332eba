"""Fixtures shared by the whole suite.

Deadline tests take pytest-trio's `autojump_clock` fixture as an argument (it must be a
parameter of the test: pytest-trio picks the clock from the test's arguments). It is trio's
MockClock with autojump_threshold=0: time jumps to the next deadline as soon as every task is
blocked, so deadline logic runs in milliseconds and is deterministic. Tests that take it must
not touch real I/O (threads, sockets), because the clock jumps while a task waits on them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from trt_actors.testing.postgres import postgres_for_tests
from trt_actors.testing.redis_server import redis_for_tests


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The session's PostgreSQL (`TRT_TEST_POSTGRES_URL`, or a throwaway server started once).

    It fails, never skips, when no PostgreSQL can be had: a skipped backend hides failures."""
    with postgres_for_tests() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The session's Redis (`TRT_TEST_REDIS_URL`, or a throwaway server started once)."""
    with redis_for_tests() as url:
        yield url
