"""The free daily quota: how many free generations each user used on each day.

The day is the caller's (its time zone, its rollover); storage keeps a counter per day.
"""

from __future__ import annotations

import datetime

from ._repo import Repo

__all__ = ["FreeQuota"]


class FreeQuota(Repo):
    """Consume and give back free generations of the bound tenant."""

    def try_consume(
        self, user_id: int, day: datetime.date, *, limit: int, n: int = 1
    ) -> int | None:
        """Use `n` of the user's `limit` for `day`; return the count used after it, or None
        (nothing changed) when that would exceed `limit`. Atomic under concurrency."""
        if n <= 0 or limit < 0:
            raise ValueError("n must be positive and limit non-negative")
        if n > limit:
            return None
        used: int | None = self._db.scalar(
            """INSERT INTO free_usage (tenant_id, user_id, day, used, updated_at)
               VALUES (:t, :u, :day, :n, :now)
               ON CONFLICT (tenant_id, user_id, day) DO UPDATE
                   SET used = free_usage.used + excluded.used, updated_at = excluded.updated_at
                   WHERE free_usage.used + excluded.used <= :limit
               RETURNING used""",
            self._params(u=user_id, day=day.isoformat(), n=n, limit=limit),
        )
        return used

    def give_back(self, user_id: int, day: datetime.date, *, n: int = 1) -> int:
        """Return `n` uses of `day` (a free generation failed); never below zero."""
        used: int | None = self._db.scalar(
            """UPDATE free_usage SET used = CASE WHEN used > :n THEN used - :n ELSE 0 END,
                                     updated_at = :now
               WHERE tenant_id = :t AND user_id = :u AND day = :day RETURNING used""",
            self._params(u=user_id, day=day.isoformat(), n=n),
        )
        return used or 0

    def used(self, user_id: int, day: datetime.date) -> int:
        """How many of `day`'s free generations the user used."""
        used: int | None = self._db.scalar(
            "SELECT used FROM free_usage WHERE tenant_id = :t AND user_id = :u AND day = :day",
            self._params(u=user_id, day=day.isoformat()),
        )
        return used or 0
