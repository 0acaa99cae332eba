"""Inbox rows: the durable record of every update received, and its processing state.

States: ``pending`` (received, not yet handled), ``done`` (handled: marked in the same
transaction as the handler's own writes), ``dead`` (set aside after repeated failures, kept
for inspection). Rows are appended by the group-commit writer (`insert_batch`); the rest of
the life of a row is here.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence

from ._errors import InvalidState, NotFound
from ._repo import Repo
from ._sql import Row, SqlConn

__all__ = ["InboxEntry", "InboxRows", "InboxState", "insert_batch"]

_COLUMNS = "update_id, payload, received_at, state, attempts, last_error, done_at"


class InboxState(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"


@dataclasses.dataclass(frozen=True, slots=True)
class InboxEntry:
    """One received update: its raw `payload` bytes and where its handling stands."""

    update_id: int
    payload: bytes
    received_at: int
    state: InboxState
    attempts: int
    last_error: str | None
    done_at: int | None


def _entry(row: Row) -> InboxEntry:
    return InboxEntry(
        update_id=row["update_id"],
        payload=bytes(row["payload"]),
        received_at=row["received_at"],
        state=InboxState(row["state"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        done_at=row["done_at"],
    )


class InboxRows(Repo):
    """Handle, fail, replay and clean up inbox rows of the bound tenant."""

    def get(self, update_id: int) -> InboxEntry:
        """The row; raises `NotFound`."""
        row = self._db.one(
            f"SELECT {_COLUMNS} FROM inbox WHERE tenant_id = :t AND update_id = :u",
            self._params(u=update_id),
        )
        if row is None:
            raise NotFound("inbox update", update_id)
        return _entry(row)

    def mark_done(self, update_id: int) -> None:
        """Mark the update handled (also a dead one, handled by hand); a no-op if already
        done. Raises `NotFound`."""
        changed = self._db.run(
            """UPDATE inbox SET state = 'done', done_at = :now
               WHERE tenant_id = :t AND update_id = :u AND state <> 'done'""",
            self._params(u=update_id),
        )
        if not changed:
            self.get(update_id)  # raises NotFound, or it was done already

    def record_failure(self, update_id: int, *, error: str, max_attempts: int) -> InboxEntry:
        """Count one failed attempt of a pending update; at `max_attempts` it becomes
        ``dead``. Returns the row. Raises `NotFound`, or `InvalidState` if not pending."""
        row = self._db.one(
            f"""UPDATE inbox SET attempts = attempts + 1, last_error = :error,
                    state = CASE WHEN attempts + 1 >= :max THEN 'dead' ELSE state END
                WHERE tenant_id = :t AND update_id = :u AND state = 'pending'
                RETURNING {_COLUMNS}""",
            self._params(u=update_id, error=error[:2000], max=max_attempts),
        )
        if row is None:
            raise InvalidState(f"inbox update {update_id} is {self.get(update_id).state}")
        return _entry(row)

    def set_aside(self, update_id: int, *, error: str) -> None:
        """Mark a pending update ``dead`` at once. Raises `NotFound` or `InvalidState`."""
        if not self._db.run(
            """UPDATE inbox SET state = 'dead', last_error = :error
               WHERE tenant_id = :t AND update_id = :u AND state = 'pending'""",
            self._params(u=update_id, error=error[:2000]),
        ):
            raise InvalidState(f"inbox update {update_id} is {self.get(update_id).state}")

    def pending(self, *, after: int | None = None, limit: int = 500) -> list[InboxEntry]:
        """Pending updates in `update_id` order, after `after` (for replay after a crash)."""
        rows = self._db.execute(
            f"""SELECT {_COLUMNS} FROM inbox
                WHERE tenant_id = :t AND state = 'pending' AND update_id > :after
                ORDER BY update_id LIMIT :lim""",
            self._params(after=-(2**63) if after is None else after, lim=limit),
        )
        return [_entry(row) for row in rows]

    def purge_done(self, *, before: int, limit: int = 1000) -> int:
        """Delete up to `limit` done rows finished before `before` (Unix ms); return how many."""
        return self._db.run(
            """DELETE FROM inbox WHERE tenant_id = :t AND update_id IN (
                   SELECT update_id FROM inbox
                   WHERE tenant_id = :t AND state = 'done' AND done_at < :before
                   ORDER BY done_at LIMIT :lim)""",
            self._params(before=before, lim=limit),
        )


def insert_batch(
    conn: SqlConn, rows: Sequence[tuple[str, int, bytes, int]]
) -> set[tuple[str, int]]:
    """Insert (tenant_id, update_id, payload, received_at) rows, ignoring existing keys, in
    one statement; return the keys that were new. `rows` must not repeat a key."""
    values: list[str] = []
    params: dict[str, object] = {}
    for i, (tenant_id, update_id, payload, received_at) in enumerate(rows):
        values.append(f"(:t{i}, :u{i}, :p{i}, :r{i})")
        params.update(
            {f"t{i}": tenant_id, f"u{i}": update_id, f"p{i}": payload, f"r{i}": received_at}
        )
    inserted = conn.execute(
        f"""INSERT INTO inbox (tenant_id, update_id, payload, received_at)
            VALUES {", ".join(values)}
            ON CONFLICT (tenant_id, update_id) DO NOTHING
            RETURNING tenant_id, update_id""",
        params,
    )
    return {(row["tenant_id"], row["update_id"]) for row in inserted}
