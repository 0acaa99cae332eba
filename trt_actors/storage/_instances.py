"""The instances registry: which `trt run` processes use this database, and how they
coordinate.

Each instance keeps one row while it runs: where it runs (`host`, `pid`), since when, when it
was last seen (refreshed every few seconds) and how it coordinates with other instances
(`coordination`: ``"redis <host:port/db>"``, or ``"none"`` for the in-process fallback), and
whether it serves or waits as a standby. The
row goes when the instance stops; the row of one that died stops being refreshed and is
stale after a while. Not tenant data: the registry belongs to the database as a whole.
"""

from __future__ import annotations

import dataclasses

from ._clock import Clock
from ._engine import Engine
from ._repo import check_text
from ._sql import Row, SqlConn

__all__ = ["InstanceRow", "Instances"]

TIMEOUT = 5.0


@dataclasses.dataclass(frozen=True, slots=True)
class InstanceRow:
    instance_id: str
    host: str
    pid: int
    started_at: int  # Unix milliseconds
    seen_at: int
    coordination: str
    serving: bool  # False: a standby, waiting for its turn


def _row(row: Row) -> InstanceRow:
    return InstanceRow(
        row["instance_id"],
        row["host"],
        row["pid"],
        row["started_at"],
        row["seen_at"],
        row["coordination"],
        bool(row["serving"]),
    )


class Instances:
    """Register this instance, refresh it, find the others."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock

    async def beat(self, me: InstanceRow) -> None:
        """Write `me`, seen now (insert or refresh)."""
        check_text("instance_id", me.instance_id, max_len=200)
        now = self._clock()

        def upsert(conn: SqlConn) -> None:
            conn.run(
                """INSERT INTO instances
                       (instance_id, host, pid, started_at, seen_at, coordination, serving)
                   VALUES (:id, :host, :pid, :started, :now, :coordination, :serving)
                   ON CONFLICT (instance_id) DO UPDATE SET seen_at = :now, serving = :serving""",
                {
                    "id": me.instance_id,
                    "host": me.host,
                    "pid": me.pid,
                    "started": me.started_at,
                    "now": now,
                    "coordination": me.coordination,
                    "serving": me.serving,
                },
            )

        await self._engine.write(upsert, timeout=TIMEOUT)

    async def alive(self, *, within_ms: int) -> list[InstanceRow]:
        """Every instance seen within the last `within_ms` milliseconds, oldest first."""
        since = self._clock() - within_ms

        def select(conn: SqlConn) -> list[InstanceRow]:
            rows = conn.execute(
                """SELECT instance_id, host, pid, started_at, seen_at, coordination, serving
                   FROM instances WHERE seen_at >= :since ORDER BY started_at, instance_id""",
                {"since": since},
            )
            return [_row(row) for row in rows]

        return await self._engine.read(select, timeout=TIMEOUT)

    async def leave(self, instance_id: str, *, forget_before_ms: int | None = None) -> None:
        """Remove this instance's row, and rows not seen since `forget_before_ms` (Unix ms)."""

        def delete(conn: SqlConn) -> None:
            conn.run("DELETE FROM instances WHERE instance_id = :id", {"id": instance_id})
            if forget_before_ms is not None:
                conn.run(
                    "DELETE FROM instances WHERE seen_at < :before", {"before": forget_before_ms}
                )

        await self._engine.write(delete, timeout=TIMEOUT)
