"""The admin audit log: who did what to whom, append-only."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ._repo import Repo, check_text
from ._sql import dump_json, load_json

__all__ = ["AuditEntry", "AuditLog"]


@dataclasses.dataclass(frozen=True, slots=True)
class AuditEntry:
    """One admin action: `actor_id` did `action` to `target`, with `details`."""

    id: int
    actor_id: int
    action: str
    target: str
    details: dict[str, Any]
    created_at: int


class AuditLog(Repo):
    """Record and list admin actions of the bound tenant."""

    def record(
        self,
        actor_id: int,
        action: str,
        *,
        target: str = "",
        details: Mapping[str, Any] | None = None,
    ) -> int:
        """Append an entry; return its id."""
        entry_id: int = self._db.scalar(
            """INSERT INTO admin_audit (tenant_id, actor_id, action, target, details, created_at)
               VALUES (:t, :actor, :action, :target, :details, :now) RETURNING id""",
            self._params(
                actor=actor_id,
                action=check_text("action", action),
                target=target,
                details=dump_json(dict(details or {})),
            ),
        )
        return entry_id

    def recent(self, *, action: str | None = None, limit: int = 50) -> list[AuditEntry]:
        """The newest entries first, optionally only of `action`."""
        rows = self._db.execute(
            """SELECT id, actor_id, action, target, details, created_at FROM admin_audit
               WHERE tenant_id = :t AND (action = :action OR :action = '')
               ORDER BY id DESC LIMIT :lim""",
            self._params(action=action or "", lim=limit),
        )
        return [
            AuditEntry(
                r["id"],
                r["actor_id"],
                r["action"],
                r["target"],
                load_json(r["details"]),
                r["created_at"],
            )
            for r in rows
        ]
