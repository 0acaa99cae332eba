"""The pending updates of one bot, with Telegram's getUpdates offset semantics.

Update ids increase by one. `confirm(offset)` forgets every update with a smaller id (a
negative offset keeps only the last -offset updates). Updates whose kind is not in
`allowed` are never queued (allowed_updates "does not affect updates created before").
"""

from __future__ import annotations

from collections import deque
from typing import Any

from trt_actors.emulators.telegram._signal import Signal

#: Kinds Telegram sends only when listed explicitly in allowed_updates.
OPT_IN_KINDS = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    """Pending updates in id order; `changed` is notified on every push and drop."""

    def __init__(self, first_update_id: int) -> None:
        self._pending: deque[dict[str, Any]] = deque()
        self._next_id = first_update_id
        self.allowed: frozenset[str] | None = None
        self.changed = Signal()
        self.filtered = 0

    def is_allowed(self, kind: str) -> bool:
        if self.allowed is None:
            return kind not in OPT_IN_KINDS
        return kind in self.allowed

    def set_allowed(self, kinds: list[str] | None) -> None:
        """None keeps the previous setting; [] restores the default (all but opt-in)."""
        if kinds is None:
            return
        self.allowed = frozenset(kinds) if kinds else None

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue a new update `{update_id, kind: payload}`; None if the kind is filtered."""
        if not self.is_allowed(kind):
            self.filtered += 1
            return None
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self._pending.append(update)
        self.changed.notify()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates before `offset` (negative: keep only the last -offset)."""
        if offset < 0:
            while len(self._pending) > -offset:
                self._pending.popleft()
        else:
            while self._pending and self._pending[0]["update_id"] < offset:
                self._pending.popleft()

    def peek(self, limit: int) -> list[dict[str, Any]]:
        """The first `limit` pending updates, still pending."""
        return [u for _, u in zip(range(limit), self._pending, strict=False)]

    def first(self) -> dict[str, Any] | None:
        return self._pending[0] if self._pending else None

    def remove(self, update_id: int) -> None:
        """Forget one delivered update (webhook acknowledged it)."""
        if self._pending and self._pending[0]["update_id"] == update_id:
            self._pending.popleft()
        else:
            self._pending = deque(u for u in self._pending if u["update_id"] != update_id)

    def drop_all(self) -> int:
        """Forget every pending update; returns how many were dropped."""
        dropped = len(self._pending)
        self._pending.clear()
        self.changed.notify()
        return dropped

    def __len__(self) -> int:
        return len(self._pending)
