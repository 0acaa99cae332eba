"""Fixtures shared by the whole suite.

`autojump_clock` is trio's MockClock with autojump_threshold=0: time jumps to the next
deadline as soon as every task is blocked, so deadline logic runs in milliseconds and is
deterministic. Tests that take it must not touch real I/O (threads, sockets), because the
clock jumps while a task waits on them.
"""

from __future__ import annotations

import pytest
from trio.testing import MockClock


@pytest.fixture
def autojump_clock() -> MockClock:
    return MockClock(autojump_threshold=0)
