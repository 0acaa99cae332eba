"""The message that carries a committed update from the intake to a user's session.

The intakes (webhook route, polling) commit an update to the inbox and send this to the
dispatcher, which hands it to the user's session actor; the sweep and the partition owner send
it for rows read back from the inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from trt_actors.cluster import partition_of
from trt_actors.domain.updates import user_of, wants_quick_answer

__all__ = ["InboxUpdate"]


@dataclass(frozen=True, slots=True)
class InboxUpdate:
    """A committed inbox row on its way to a session: the update as stored (JSON bytes, read
    again by the session: an update waiting in a backlog costs its bytes, not a parsed tree),
    whose it is, and whether it wants a quick answer."""

    update_id: int
    raw: bytes
    user: int  # the session key (`domain.updates.user_of`)
    quick: bool = False  # a button press or a pre-checkout query
    committed_at: float | None = None  # trio time of the inbox commit (None when read back)
    # the fencing token of the user's partition this instance handles it under: every
    # transaction of the update checks it (None: one instance, nothing to fence)
    token: int | None = None

    @property
    def partition(self) -> int:
        return partition_of(self.user)

    @classmethod
    def of(
        cls, update: dict[str, Any], raw: bytes, committed_at: float | None = None
    ) -> InboxUpdate:
        """The message for `update`, stored as `raw`."""
        return cls(
            int(update["update_id"]),
            raw,
            user_of(update),
            wants_quick_answer(update),
            committed_at,
        )

    @classmethod
    def from_row(cls, update_id: int, raw: bytes) -> InboxUpdate:
        """The message for a stored row (read back from the inbox)."""
        update = orjson.loads(raw)
        return cls(update_id, raw, user_of(update), wants_quick_answer(update))

    def payload(self) -> dict[str, Any]:
        update: dict[str, Any] = orjson.loads(self.raw)
        return update
