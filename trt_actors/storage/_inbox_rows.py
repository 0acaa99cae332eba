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

_COLUMNS = "update_id, payload, received_at, state, attempts, last_error, done_at, user_partition"


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
    partition: int = -1  # of the user it comes from (-1: stored before partitions existed)


def _entry(row: Row) -> InboxEntry:
    return InboxEntry(
        update_id=row["update_id"],
        payload=bytes(row["payload"]),
        received_at=row["received_at"],
        state=InboxState(row["state"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        done_at=row["done_at"],
        partition=row["user_partition"],
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

    def pending_in(self, partitions: Sequence[int], *, limit: int) -> list[tuple[int, int]]:
        """(update_id, partition) of the pending rows of `partitions`, in update_id order:
        ids only, so that an owner can tell what it has not seen without reading payloads."""
        if not partitions:
            return []
        marks = ", ".join(f":p{i}" for i in range(len(partitions)))
        rows = self._db.execute(
            f"""SELECT update_id, user_partition FROM inbox
                WHERE tenant_id = :t AND state = 'pending' AND user_partition IN ({marks})
                ORDER BY update_id LIMIT :lim""",
            self._params(lim=limit, **{f"p{i}": p for i, p in enumerate(partitions)}),
        )
        return [(row["update_id"], row["user_partition"]) for row in rows]

    def by_ids(self, update_ids: Sequence[int]) -> list[InboxEntry]:
        """The rows of `update_ids` (those that exist), in update_id order."""
        if not update_ids:
            return []
        marks = ", ".join(f":u{i}" for i in range(len(update_ids)))
        rows = self._db.execute(
            f"""SELECT {_COLUMNS} FROM inbox WHERE tenant_id = :t AND update_id IN ({marks})
                ORDER BY update_id""",
            self._params(**{f"u{i}": u for i, u in enumerate(update_ids)}),
        )
        return [_entry(row) for row in rows]

    def unassigned(self, *, limit: int) -> list[InboxEntry]:
        """Pending rows stored before partitions existed (`partition` -1)."""
        rows = self._db.execute(
            f"""SELECT {_COLUMNS} FROM inbox
                WHERE tenant_id = :t AND state = 'pending' AND user_partition = -1
                ORDER BY update_id LIMIT :lim""",
            self._params(lim=limit),
        )
        return [_entry(row) for row in rows]

    def assign(self, update_id: int, partition: int) -> None:
        """Record the partition of a row stored before partitions existed."""
        self._db.run(
            """UPDATE inbox SET user_partition = :p
               WHERE tenant_id = :t AND update_id = :u AND user_partition = -1""",
            self._params(u=update_id, p=partition),
        )

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
    conn: SqlConn, rows: Sequence[tuple[str, int, bytes, int, int]]
) -> set[tuple[str, int]]:
    """Insert (tenant_id, update_id, payload, received_at, partition) rows, ignoring existing
    keys, in one statement; return the keys that were new. `rows` must not repeat a key."""
    values: list[str] = []
    params: dict[str, object] = {}
    for i, (tenant_id, update_id, payload, received_at, partition) in enumerate(rows):
        values.append(f"(:t{i}, :u{i}, :p{i}, :r{i}, :q{i})")
        params.update(
            {
                f"t{i}": tenant_id,
                f"u{i}": update_id,
                f"p{i}": payload,
                f"r{i}": received_at,
                f"q{i}": partition,
            }
        )
    inserted = conn.execute(
        f"""INSERT INTO inbox (tenant_id, update_id, payload, received_at, user_partition)
            VALUES {", ".join(values)}
            ON CONFLICT (tenant_id, update_id) DO NOTHING
            RETURNING tenant_id, update_id""",
        params,
    )
    return {(row["tenant_id"], row["update_id"]) for row in inserted}
