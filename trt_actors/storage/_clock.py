"""Timestamps: integer Unix milliseconds (UTC), the only time format the storage writes."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Clock", "wall_clock_ms"]

Clock = Callable[[], int]


def wall_clock_ms() -> int:
    """The current wall-clock time in Unix milliseconds."""
    return time.time_ns() // 1_000_000
