"""The records an old deployment holds, read and checked: what the writer brings over. Pure.

Each record carries its identity in the source (`key`), under which it is remembered once
written (`imported_rows`). Money is integer kopecks (Stars: whole Stars), times Unix ms.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trt_actors.storage import Currency, PaymentMethod, PaymentStatus

from ._money import Rubles

__all__ = [
    "AllowanceRecord",
    "GenerationRecord",
    "PaymentRecord",
    "ReferralRecord",
    "UserRecord",
]


@dataclass(slots=True)
class UserRecord:
    """One person the source knows, with what the source says of them."""

    user_id: int
    first_name: str = ""
    username: str | None = None
    last_name: str | None = None
    language: str | None = None  # "ru" / "en": their choice in the old bot
    blocked: bool = False  # blocked by an admin
    first_seen: int | None = None  # the earliest time the source has for them
    last_seen: int | None = None  # the latest
    balance: Rubles | None = None  # their balance, None when the source has none
    bonus_left: int | None = None  # referral bonus generations not used yet (None: no entry)
    free_used_today: int | None = None  # free uses of the import's day (0: another day's)

    def seen(self, at: int | None) -> None:
        """Widen the span of times the source has for this user."""
        if at is None:
            return
        self.first_seen = at if self.first_seen is None else min(self.first_seen, at)
        self.last_seen = at if self.last_seen is None else max(self.last_seen, at)


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """A past payment. `amount` in minor units of `currency` (kopecks; Stars for Stars);
    `credited`: kopecks it had put on the balance in the source (0 if none)."""

    key: str
    user_id: int
    method: PaymentMethod
    status: PaymentStatus
    amount: int
    currency: Currency
    external_id: str
    created_at: int | None
    credited: int
    proof: str | None = None
    reviewer_id: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class GenerationRecord:
    """A past generation, for History."""

    key: str
    user_id: int
    model_id: str
    created_at: int
    price: int  # kopecks the old bot showed for it (0: free)
    params: Mapping[str, Any] = field(default_factory=dict)
    result_urls: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReferralRecord:
    """Who brought whom; `rewarded_at` when the bonus was granted (None: not known to be)."""

    referred_id: int
    referrer_id: int
    created_at: int | None
    rewarded_at: int | None
    origin: str  # where the source keeps it (the table, an events file, referrals.json)


@dataclass(frozen=True, slots=True)
class AllowanceRecord:
    """A limited admin's spending allowance: `left` = limit - spent, in kopecks."""

    admin_id: int
    limit: int
    spent: int

    @property
    def left(self) -> int:
        return max(0, self.limit - self.spent)
