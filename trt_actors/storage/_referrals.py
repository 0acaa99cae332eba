"""Referrals: who brought whom, and whether the referrer's bonus was granted.

The bonus itself is a ledger credit the caller makes in the same transaction as
`mark_rewarded` (key e.g. ``referral:<referred_id>``), so it is granted once.
"""

from __future__ import annotations

import dataclasses

from ._repo import Repo

__all__ = ["Referral", "Referrals"]


@dataclasses.dataclass(frozen=True, slots=True)
class Referral:
    referred_id: int
    referrer_id: int
    created_at: int
    rewarded_at: int | None


class Referrals(Repo):
    """Record referrals of the bound tenant (both users must exist)."""

    def record(self, referrer_id: int, referred_id: int) -> bool:
        """Record that `referrer_id` brought `referred_id`; False if the referred user was
        already referred (by anyone) or names themself."""
        if referrer_id == referred_id:
            return False
        return bool(
            self._db.run(
                """INSERT INTO referrals (tenant_id, referred_id, referrer_id, created_at)
                   VALUES (:t, :referred, :referrer, :now)
                   ON CONFLICT (tenant_id, referred_id) DO NOTHING""",
                self._params(referred=referred_id, referrer=referrer_id),
            )
        )

    def mark_rewarded(self, referred_id: int) -> bool:
        """Mark the referral's bonus granted; True only the first time."""
        return bool(
            self._db.run(
                """UPDATE referrals SET rewarded_at = :now
                   WHERE tenant_id = :t AND referred_id = :referred AND rewarded_at IS NULL""",
                self._params(referred=referred_id),
            )
        )

    def get(self, referred_id: int) -> Referral | None:
        """Who referred `referred_id`, or None."""
        row = self._db.one(
            """SELECT referred_id, referrer_id, created_at, rewarded_at FROM referrals
               WHERE tenant_id = :t AND referred_id = :referred""",
            self._params(referred=referred_id),
        )
        return None if row is None else Referral(**row)

    def count_for(self, referrer_id: int) -> int:
        """How many users `referrer_id` brought."""
        return int(
            self._db.scalar(
                "SELECT count(*) FROM referrals WHERE tenant_id = :t AND referrer_id = :r",
                self._params(r=referrer_id),
            )
        )

    def rewarded_for(self, referrer_id: int) -> int:
        """How many of the users `referrer_id` brought earned the bonus (activated)."""
        return int(
            self._db.scalar(
                """SELECT count(*) FROM referrals
                   WHERE tenant_id = :t AND referrer_id = :r AND rewarded_at IS NOT NULL""",
                self._params(r=referrer_id),
            )
        )
