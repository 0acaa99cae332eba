"""What an update's operations answered, kept until the update is done (migration 12).

The session writes the answers in the operations' transaction and forgets them in the one
that marks the update done; a new attempt of an update that crashed in between finds them
and answers the same way. The body is the application's to encode: storage keeps bytes.
"""

from __future__ import annotations

from ._repo import Repo

__all__ = ["OperationResults"]


class OperationResults(Repo):
    def keep(self, update_id: int, body: bytes) -> None:
        """Keep `body` as the answer of update `update_id`'s operations (replacing any)."""
        self._db.run(
            """INSERT INTO operation_results (tenant_id, update_id, body, created_at)
               VALUES (:t, :u, :b, :now)
               ON CONFLICT (tenant_id, update_id) DO UPDATE SET body = excluded.body""",
            self._params(u=update_id, b=body),
        )

    def find(self, update_id: int) -> bytes | None:
        """The answer kept for update `update_id`, if any."""
        body = self._db.scalar(
            "SELECT body FROM operation_results WHERE tenant_id = :t AND update_id = :u",
            self._params(u=update_id),
        )
        return None if body is None else bytes(body)

    def forget(self, update_id: int) -> None:
        self._db.run(
            "DELETE FROM operation_results WHERE tenant_id = :t AND update_id = :u",
            self._params(u=update_id),
        )
