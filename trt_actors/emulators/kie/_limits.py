"""KIE's account limit on new tasks: at most `limit` accepted in any `window` seconds.

A sliding log of accepted submits on `trio.current_time()` (MockClock-friendly). A refused
submit is not counted (KIE drops it: it never enters the queue).
"""

from __future__ import annotations

from collections import deque

import trio


class AccountLimit:
    """Decides whether one more task may be created now."""

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("the account limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._accepted: deque[float] = deque()
        self.refused = 0

    def try_accept(self) -> float:
        """0.0 when the submit is accepted (and counted), else seconds until one slot frees."""
        now = trio.current_time()
        while self._accepted and self._accepted[0] <= now - self.window:
            self._accepted.popleft()
        if len(self._accepted) < self.limit:
            self._accepted.append(now)
            return 0.0
        self.refused += 1
        return self._accepted[0] + self.window - now
