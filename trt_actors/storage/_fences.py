"""Fences: the highest fencing token that wrote in each partition of a tenant's users.

An instance owns a partition through a lease with a fencing token (trt_actors/cluster); every
transaction that changes a user's state or money calls `hold(partition, token)` first. The
token is recorded if it is the highest yet; a lower one means a newer owner exists, and the
transaction is refused (`Fenced`) — so an owner that lost its lease without knowing it (a
pause, a partition from Redis) can never write over its successor.
"""

from __future__ import annotations

from ._errors import Fenced
from ._repo import Repo

__all__ = ["Fences"]


class Fences(Repo):
    def hold(self, partition: int, token: int) -> None:
        """Record `token` for `partition` if no higher one wrote; raise `Fenced` otherwise.
        The row stays locked until the transaction ends, so a newer owner's write waits."""
        changed = self._db.run(
            """INSERT INTO partition_fences (tenant_id, user_partition, token)
               VALUES (:t, :p, :tok)
               ON CONFLICT (tenant_id, user_partition) DO UPDATE SET token = excluded.token
               WHERE partition_fences.token <= excluded.token""",
            self._params(p=partition, tok=token),
        )
        if not changed:
            current = self._db.scalar(
                """SELECT token FROM partition_fences
                   WHERE tenant_id = :t AND user_partition = :p""",
                self._params(p=partition),
            )
            raise Fenced(partition, token, int(current))

    def token(self, partition: int) -> int | None:
        """The highest token that wrote in `partition`, if any."""
        value = self._db.scalar(
            "SELECT token FROM partition_fences WHERE tenant_id = :t AND user_partition = :p",
            self._params(p=partition),
        )
        return None if value is None else int(value)
