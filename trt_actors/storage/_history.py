"""History: the events a user can look back on (generations made, payments, bonuses)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ._repo import Repo, check_text
from ._sql import dump_json, load_json

__all__ = ["History", "HistoryEvent"]


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One event; `kind` and `payload` are the caller's vocabulary, stored as given."""

    id: int
    user_id: int
    kind: str
    payload: dict[str, Any]
    created_at: int


class History(Repo):
    """Append and list history events of the bound tenant."""

    def add(self, user_id: int, kind: str, payload: Mapping[str, Any]) -> int:
        """Append an event; return its id."""
        event_id: int = self._db.scalar(
            """INSERT INTO history (tenant_id, user_id, kind, payload, created_at)
               VALUES (:t, :u, :kind, :payload, :now) RETURNING id""",
            self._params(
                u=user_id, kind=check_text("kind", kind), payload=dump_json(dict(payload))
            ),
        )
        return event_id

    def recent(
        self, user_id: int, *, kind: str | None = None, limit: int = 20
    ) -> list[HistoryEvent]:
        """The user's events, newest first, optionally only of `kind`."""
        rows = self._db.execute(
            """SELECT id, user_id, kind, payload, created_at FROM history
               WHERE tenant_id = :t AND user_id = :u AND (kind = :kind OR :kind = '')
               ORDER BY id DESC LIMIT :lim""",
            self._params(u=user_id, kind=kind or "", lim=limit),
        )
        return [
            HistoryEvent(r["id"], r["user_id"], r["kind"], load_json(r["payload"]), r["created_at"])
            for r in rows
        ]
