"""`ExpiringMap`: an in-process dict whose entries vanish at their expiry time.

Used by `LocalBackend`. Expired entries are invisible at once and their memory is reclaimed
lazily, so the map never grows past the entries set within the longest TTL in use.
"""

from __future__ import annotations

import heapq
from typing import Generic, TypeVar

__all__ = ["ExpiringMap"]

V = TypeVar("V")


class ExpiringMap(Generic[V]):
    """A mapping from str to V where each entry has an absolute expiry time.

    Times are whatever clock the caller passes (`trio.current_time()` in this package).
    An entry whose expiry is at or before `now` is treated as absent.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[V, float]] = {}
        self._heap: list[tuple[float, str]] = []

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str, now: float) -> V | None:
        """Return the live value for `key`, or None if absent or expired."""
        entry = self._entries.get(key)
        if entry is None or entry[1] <= now:
            return None
        return entry[0]

    def set(self, key: str, value: V, expires_at: float, now: float) -> None:
        """Store `value` under `key` until `expires_at` (replacing any old entry)."""
        self.prune(now)
        self._entries[key] = (value, expires_at)
        heapq.heappush(self._heap, (expires_at, key))

    def delete(self, key: str) -> None:
        """Remove `key` if present."""
        self._entries.pop(key, None)

    def prune(self, now: float) -> None:
        """Drop every entry that has expired by `now`."""
        heap = self._heap
        while heap and heap[0][0] <= now:
            expires_at, key = heapq.heappop(heap)
            entry = self._entries.get(key)
            if entry is not None and entry[1] == expires_at:
                del self._entries[key]
        if len(heap) > 2 * len(self._entries) + 64:
            self._heap = [(exp, key) for key, (_, exp) in self._entries.items()]
            heapq.heapify(self._heap)
