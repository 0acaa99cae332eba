"""The free daily quota: how many free generations each user used on each day.

The day is the caller's (its time zone, its rollover); storage keeps a counter per day.
"""

from __future__ import annotations

import datetime

from ._repo import Repo, check_text

__all__ = ["FreeBonus", "FreeQuota"]


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


class FreeBonus(Repo):
    """Bonus free generations of the bound tenant (referrals, promo codes): signed rows,
    each idempotent by its key; what is left is their sum."""

    def grant(self, user_id: int, n: int, *, key: str, reason: str) -> bool:
        """Give `n` bonus generations; False (nothing changed) if `key` was used before."""
        if n <= 0:
            raise ValueError("a grant must be positive")
        return self._insert(user_id, n, key, reason)

    def use(self, user_id: int, *, key: str, reason: str) -> bool:
        """Use one bonus generation; False when none is left or `key` was used before.

        The user's row is locked first (PostgreSQL), so two concurrent uses of the last
        bonus cannot both succeed."""
        self._db.one(
            "SELECT user_id FROM users WHERE tenant_id = :t AND user_id = :u"
            + self._db.dialect.lock_rows,
            self._params(u=user_id),
        )
        if self._key_used(key) or self.left(user_id) < 1:
            return False
        return self._insert(user_id, -1, key, reason)

    def give_back(self, user_id: int, *, used_key: str, key: str) -> bool:
        """Return the generation used with `used_key` (its job failed), once."""
        if not self._key_used(used_key):
            return False
        return self._insert(user_id, 1, key, "given back")

    def left(self, user_id: int) -> int:
        """Bonus generations the user has left."""
        total = self._db.scalar(
            "SELECT COALESCE(SUM(delta), 0) FROM free_bonus WHERE tenant_id = :t AND user_id = :u",
            self._params(u=user_id),
        )
        return int(total or 0)

    def granted(self, user_id: int, *, reason: str) -> int:
        """How many bonus generations the user was granted for `reason`."""
        total = self._db.scalar(
            """SELECT COALESCE(SUM(delta), 0) FROM free_bonus
               WHERE tenant_id = :t AND user_id = :u AND reason = :r AND delta > 0""",
            self._params(u=user_id, r=reason),
        )
        return int(total or 0)

    def _key_used(self, key: str) -> bool:
        return bool(
            self._db.scalar(
                "SELECT count(*) FROM free_bonus WHERE tenant_id = :t AND idempotency_key = :k",
                self._params(k=key),
            )
        )

    def _insert(self, user_id: int, delta: int, key: str, reason: str) -> bool:
        return bool(
            self._db.run(
                """INSERT INTO free_bonus (tenant_id, user_id, delta, reason, idempotency_key,
                                           created_at)
                   VALUES (:t, :u, :d, :r, :k, :now)
                   ON CONFLICT (tenant_id, idempotency_key) DO NOTHING""",
                self._params(
                    u=user_id, d=delta, r=check_text("reason", reason), k=check_text("key", key)
                ),
            )
        )
