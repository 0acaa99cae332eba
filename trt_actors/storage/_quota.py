"""Free generations: the daily quota, bonus generations, and the uses reserved at Confirm.

The day is the caller's (its time zone, its rollover); storage keeps a counter per day
(`free_usage.used`: the uses reserved or spent that day), the bonus generations as signed
rows (`free_bonus`), and each reservation as a hold (`free_holds`) that is captured when its
job is delivered or released (the use given back) when it fails or is cancelled.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Literal

from ._errors import NotFound
from ._repo import Repo, check_text
from ._sql import Row

__all__ = ["FreeBonus", "FreeHold", "FreeHolds", "FreeQuota"]

FreeSource = Literal["quota", "bonus"]
FreeHoldStatus = Literal["held", "captured", "released"]


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


_HOLD_COLUMNS = "id, user_id, source, day, status, idempotency_key, job_id, created_at, settled_at"


@dataclasses.dataclass(frozen=True, slots=True)
class FreeHold:
    """One free generation reserved for one confirmation (`key`): taken from the quota of
    `day` or from the bonus generations (`source`); `status` held, captured or released.
    `replayed` is True when `FreeHolds.reserve` found it made before with the same key."""

    id: int
    user_id: int
    source: FreeSource
    day: datetime.date | None
    status: FreeHoldStatus
    key: str
    job_id: int | None
    created_at: int
    settled_at: int | None
    replayed: bool = False


def _hold(row: Row) -> FreeHold:
    day = row["day"]
    return FreeHold(
        id=row["id"],
        user_id=row["user_id"],
        source=row["source"],
        day=datetime.date.fromisoformat(day) if day else None,
        status=row["status"],
        key=row["idempotency_key"],
        job_id=row["job_id"],
        created_at=row["created_at"],
        settled_at=row["settled_at"],
    )


class FreeHolds(Repo):
    """Free generations reserved at Confirm, the way money is held: reserve (one of the
    day's quota uses, else one bonus generation), then capture (delivered: it stays used)
    or release (failed or cancelled: given back), each at most once."""

    def reserve(
        self, user_id: int, *, key: str, day: datetime.date, per_day: int
    ) -> FreeHold | None:
        """Reserve one free generation for the confirmation `key`: one of `day`'s `per_day`
        quota uses if any is left, else one bonus generation. None (nothing changed) when
        the user has neither. The same `key` reserves once: a repeat — or a concurrent call
        with the same key — returns the first hold with `replayed` True and takes nothing.

        Atomic under concurrency: the user's row is locked first (PostgreSQL), so one
        user's reservations take their turns — every lock after it is taken in the same
        order, and no two of them deadlock — then the row is claimed by its key (a twin
        finds it), then the quota counter is raised by one conditional upsert: of concurrent
        reservations exactly as many succeed as uses were left."""
        params = self._params(u=user_id, k=check_text("key", key))
        locked = self._db.one(
            "SELECT user_id FROM users WHERE tenant_id = :t AND user_id = :u"
            + self._db.dialect.lock_rows,
            params,
        )
        if locked is None:
            raise NotFound("user", user_id)
        hold_id = self._db.scalar(
            """INSERT INTO free_holds (tenant_id, user_id, source, day, status,
                                       idempotency_key, created_at)
               VALUES (:t, :u, 'quota', NULL, 'held', :k, :now)
               ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
               RETURNING id""",
            params,
        )
        if hold_id is None:
            existing = self.by_key(key)
            if existing is None:  # the twin's transaction rolled back after we looked
                raise NotFound("free hold", key)
            return dataclasses.replace(existing, replayed=True)
        quota = FreeQuota(self._db, self._tenant, self._now)
        source: FreeSource
        if per_day > 0 and quota.try_consume(user_id, day, limit=per_day) is not None:
            source, held_day = "quota", day.isoformat()
        elif FreeBonus(self._db, self._tenant, self._now).use(
            user_id, key=_bonus_key(key), reason="generation"
        ):
            source, held_day = "bonus", None
        else:
            self._db.run(
                "DELETE FROM free_holds WHERE tenant_id = :t AND id = :h",
                self._params(h=hold_id),
            )
            return None
        self._db.run(
            "UPDATE free_holds SET source = :s, day = :d WHERE tenant_id = :t AND id = :h",
            self._params(s=source, d=held_day, h=hold_id),
        )
        return self.get(hold_id)

    def attach(self, hold_id: int, job_id: int) -> None:
        """Record which job the hold is for (the job actor settles it by its job)."""
        self._db.run(
            "UPDATE free_holds SET job_id = :j WHERE tenant_id = :t AND id = :h",
            self._params(j=job_id, h=hold_id),
        )

    def capture(self, hold_id: int) -> bool:
        """The job was delivered: the use stays spent. False if it was settled before."""
        return self._settle(hold_id, "captured") is not None

    def release(self, hold_id: int) -> bool:
        """The job failed or was cancelled: give the use back — to the quota of the day it
        was taken from, or as a bonus generation. False (nothing given) if settled before."""
        hold = self._settle(hold_id, "released")
        if hold is None:
            return False
        if hold.source == "quota" and hold.day is not None:
            FreeQuota(self._db, self._tenant, self._now).give_back(hold.user_id, hold.day)
        else:
            FreeBonus(self._db, self._tenant, self._now).give_back(
                hold.user_id, used_key=_bonus_key(hold.key), key=f"release:{hold.key}"[:200]
            )
        return True

    def get(self, hold_id: int) -> FreeHold:
        row = self._db.one(
            f"SELECT {_HOLD_COLUMNS} FROM free_holds WHERE tenant_id = :t AND id = :h",
            self._params(h=hold_id),
        )
        if row is None:
            raise NotFound("free hold", hold_id)
        return _hold(row)

    def by_key(self, key: str) -> FreeHold | None:
        row = self._db.one(
            f"""SELECT {_HOLD_COLUMNS} FROM free_holds
                WHERE tenant_id = :t AND idempotency_key = :k""",
            self._params(k=key),
        )
        return _hold(row) if row is not None else None

    def of_job(self, job_id: int) -> FreeHold | None:
        """The free generation reserved for job `job_id`, if it had one."""
        row = self._db.one(
            f"SELECT {_HOLD_COLUMNS} FROM free_holds WHERE tenant_id = :t AND job_id = :j",
            self._params(j=job_id),
        )
        return _hold(row) if row is not None else None

    def held(self, user_id: int) -> int:
        """How many of the user's free generations are reserved and not yet settled."""
        count = self._db.scalar(
            """SELECT count(*) FROM free_holds
               WHERE tenant_id = :t AND user_id = :u AND status = 'held'""",
            self._params(u=user_id),
        )
        return int(count or 0)

    def _settle(self, hold_id: int, to: FreeHoldStatus) -> FreeHold | None:
        row = self._db.one(
            f"""UPDATE free_holds SET status = :to, settled_at = :now
                WHERE tenant_id = :t AND id = :h AND status = 'held'
                RETURNING {_HOLD_COLUMNS}""",
            self._params(h=hold_id, to=to),
        )
        return _hold(row) if row is not None else None


def _bonus_key(key: str) -> str:
    """The `free_bonus` key of the bonus generation a hold took."""
    return f"hold:{key}"[:200]
