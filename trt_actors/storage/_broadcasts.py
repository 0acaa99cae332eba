"""Broadcasts: one message to many users, resumable after a restart.

Creating a broadcast snapshots its recipients (every reachable user) as ``pending``
deliveries; the broadcaster takes pending recipients in user-id order, sends, and records
each outcome. After a crash it continues with whatever is still pending.

Every broadcast stays on record with its figures (deliveries per state) and its times: it
started when it was created (the panel creates and starts it at once) and finished when it
was done or cancelled — or with its last recorded send, if that came later (the sends in
flight when it was cancelled).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

from ._errors import InvalidState, NotFound
from ._repo import Repo
from ._sql import Row, dump_json, load_json

__all__ = ["Broadcast", "BroadcastState", "Broadcasts", "DeliveryState"]

_COLUMNS = "id, created_by, message, state, created_at, updated_at"


class BroadcastState(enum.StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


_FINAL = frozenset({BroadcastState.DONE, BroadcastState.CANCELLED})


@dataclasses.dataclass(frozen=True, slots=True)
class Broadcast:
    """A broadcast and how many of its deliveries are in each state."""

    id: int
    created_by: int
    message: dict[str, Any]
    state: BroadcastState
    created_at: int
    updated_at: int
    counts: dict[DeliveryState, int]
    finished_at: int | None = None  # done or cancelled: when (ms); None while it runs

    @property
    def recipients(self) -> int:
        return sum(self.counts.values())


class Broadcasts(Repo):
    """Create, run and account for broadcasts of the bound tenant."""

    def create(self, created_by: int, message: Mapping[str, Any]) -> Broadcast:
        """Create a ``draft`` broadcast addressed to every reachable user of the tenant."""
        broadcast_id: int = self._db.scalar(
            """INSERT INTO broadcasts (tenant_id, created_by, message, state, created_at,
                                       updated_at)
               VALUES (:t, :by, :message, 'draft', :now, :now) RETURNING id""",
            self._params(by=created_by, message=dump_json(dict(message))),
        )
        self._db.run(
            """INSERT INTO broadcast_deliveries (tenant_id, broadcast_id, user_id, updated_at)
               SELECT :t, :b, user_id, :now FROM users
               WHERE tenant_id = :t AND NOT is_blocked AND NOT blocked_bot""",
            self._params(b=broadcast_id),
        )
        return self.get(broadcast_id)

    def get(self, broadcast_id: int) -> Broadcast:
        """The broadcast with its delivery counts; raises `NotFound`."""
        row = self._db.one(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE tenant_id = :t AND id = :b",
            self._params(b=broadcast_id),
        )
        if row is None:
            raise NotFound("broadcast", broadcast_id)
        return self._with_counts(row)

    def set_state(self, broadcast_id: int, state: BroadcastState) -> Broadcast:
        """Move the broadcast to `state`. Raises `InvalidState` once it is done or cancelled."""
        current = self.get(broadcast_id)
        if current.state in _FINAL and current.state is not state:
            raise InvalidState(f"broadcast {broadcast_id} is {current.state}")
        self._db.run(
            "UPDATE broadcasts SET state = :s, updated_at = :now WHERE tenant_id = :t AND id = :b",
            self._params(b=broadcast_id, s=BroadcastState(state).value),
        )
        return self.get(broadcast_id)

    def running(self) -> list[Broadcast]:
        """Broadcasts in state ``running`` (to resume at boot)."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM broadcasts WHERE tenant_id = :t AND state = 'running'"
            " ORDER BY id",
            self._params(),
        )
        return [self._with_counts(row) for row in rows]

    def history(self, *, before_id: int | None = None, limit: int = 10) -> list[Broadcast]:
        """The tenant's broadcasts with their figures, newest first, paged by `before_id`."""
        rows = self._db.execute(
            f"""SELECT {_COLUMNS} FROM broadcasts WHERE tenant_id = :t AND id < :before
                ORDER BY id DESC LIMIT :lim""",
            self._params(before=2**62 if before_id is None else before_id, lim=limit),
        )
        return [self._with_counts(row) for row in rows]

    def pending_recipients(self, broadcast_id: int, *, limit: int = 100) -> list[int]:
        """The next user ids still to send to, ascending."""
        rows = self._db.execute(
            """SELECT user_id FROM broadcast_deliveries
               WHERE tenant_id = :t AND broadcast_id = :b AND state = 'pending'
               ORDER BY user_id LIMIT :lim""",
            self._params(b=broadcast_id, lim=limit),
        )
        return [row["user_id"] for row in rows]

    def record_delivery(
        self, broadcast_id: int, user_id: int, state: DeliveryState, *, error: str | None = None
    ) -> None:
        """Record the outcome of one send; raises `NotFound` for an unknown recipient."""
        if not self._db.run(
            """UPDATE broadcast_deliveries
               SET state = :s, error = :error, attempts = attempts + 1, updated_at = :now
               WHERE tenant_id = :t AND broadcast_id = :b AND user_id = :u""",
            self._params(b=broadcast_id, u=user_id, s=DeliveryState(state).value, error=error),
        ):
            raise NotFound("broadcast delivery", (broadcast_id, user_id))

    def _with_counts(self, row: Row) -> Broadcast:
        counts = {state: 0 for state in DeliveryState}
        last_send = 0
        for r in self._db.execute(
            """SELECT state, count(*) AS n, max(updated_at) AS last FROM broadcast_deliveries
               WHERE tenant_id = :t AND broadcast_id = :b GROUP BY state""",
            self._params(b=row["id"]),
        ):
            counts[DeliveryState(r["state"])] = int(r["n"])
            if r["state"] != DeliveryState.PENDING:
                last_send = max(last_send, int(r["last"]))
        state = BroadcastState(row["state"])
        return Broadcast(
            id=row["id"],
            created_by=row["created_by"],
            message=load_json(row["message"]),
            state=state,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            counts=counts,
            finished_at=max(row["updated_at"], last_send) if state in _FINAL else None,
        )
