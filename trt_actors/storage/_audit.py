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
        key: str | None = None,
    ) -> int:
        """Append an entry; return its id. With `key` (an operation's idempotency key), an
        entry recorded under that key already is kept as it is and its id returned."""
        entry_id: int | None = self._db.scalar(
            """INSERT INTO admin_audit
                   (tenant_id, actor_id, action, target, details, created_at, op_key)
               VALUES (:t, :actor, :action, :target, :details, :now, :key)
               ON CONFLICT (tenant_id, op_key) WHERE op_key IS NOT NULL DO NOTHING
               RETURNING id""",
            self._params(
                actor=actor_id,
                action=check_text("action", action),
                target=target,
                details=dump_json(dict(details or {})),
                key=None if key is None else check_text("key", key, max_len=200),
            ),
        )
        if entry_id is None:  # recorded before under `key`
            found = self.by_key(key or "")
            if found is None:  # the conflict was on this key: it cannot be missing
                raise RuntimeError(f"audit key {key!r} conflicted but is not stored")
            return found.id
        return entry_id

    def by_key(self, key: str) -> AuditEntry | None:
        """The entry recorded under idempotency key `key`, if any."""
        row = self._db.one(
            """SELECT id, actor_id, action, target, details, created_at FROM admin_audit
               WHERE tenant_id = :t AND op_key = :key""",
            self._params(key=key),
        )
        return None if row is None else _entry(row)

    def recent(self, *, action: str | None = None, limit: int = 50) -> list[AuditEntry]:
        """The newest entries first, optionally only of `action`."""
        rows = self._db.execute(
            """SELECT id, actor_id, action, target, details, created_at FROM admin_audit
               WHERE tenant_id = :t AND (action = :action OR :action = '')
               ORDER BY id DESC LIMIT :lim""",
            self._params(action=action or "", lim=limit),
        )
        return [_entry(row) for row in rows]


def _entry(row: Mapping[str, Any]) -> AuditEntry:
    return AuditEntry(
        row["id"],
        row["actor_id"],
        row["action"],
        row["target"],
        load_json(row["details"]),
        row["created_at"],
    )
