"""What users may still use for free, and limited admins' allowances. Pure.

- `referral_free_bank.json` ``{"<uid>": n}``: referral bonus generations not used yet,
  brought over as bonus free generations.
- `daily_free_generations.json` ``{"<uid>": {"date": "2026-01-20", "count": 1, "bonus": 0}}``:
  free generations used on `date`. Only the count of the import's day matters (the next day
  starts afresh, as it did in the old bot): it is carried when `date` is that day. The legacy
  `bonus` was ignored by the old bot too.
- `admin_limits.json` ``{"<admin uid>": {"limit": 100.0, "spent": 12.5, ...}}``: a limited
  admin's allowance; what is left (limit - spent, in kopecks; limit 100 ₽ and spent 0 when
  missing, as in the old bot) becomes their allowance here.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from ._people import People
from ._records import AllowanceRecord
from ._source import PartnerData

__all__ = ["DEFAULT_LIMIT_RUBLES", "read_admin_limits", "read_bonus_bank", "read_free_today"]

DEFAULT_LIMIT_RUBLES = 100.0
MAX_FREE = 10_000


def _count(value: object) -> int | None:
    """A count of generations (an integer, possibly written as 3.0 or "3"), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and 0 <= value <= MAX_FREE else None


def read_bonus_bank(data: PartnerData, people: People) -> None:
    """Each user's unused referral bonus generations (`UserRecord.bonus_left`)."""
    pairs = people.keyed(
        data.document("referral_free_bank.json"),
        kind="bonus",
        where="referral_free_bank.json",
        count=True,
    )
    for user, value in pairs:
        count = _count(value)
        if count is None:
            people.findings.skip("bonus", user.user_id, f"{value!r} is not a number of generations")
            continue
        user.bonus_left = count


def read_free_today(data: PartnerData, people: People, today: datetime.date) -> None:
    """Free generations used on `today` (`UserRecord.free_used_today`)."""
    legacy_bonus = 0
    pairs = people.keyed(
        data.document("daily_free_generations.json"),
        kind="free_uses",
        where="daily_free_generations.json",
        count=True,
    )
    for user, entry in pairs:
        if not isinstance(entry, Mapping):
            people.findings.skip("free_uses", user.user_id, "not an object")
            continue
        bonus = _count(entry.get("bonus"))
        legacy_bonus += 1 if bonus else 0
        if entry.get("date") != today.isoformat():
            user.free_used_today = 0  # another day's count: the quota starts afresh
            continue
        count = _count(entry.get("count"))
        if count is None:
            people.findings.skip("free_uses", user.user_id, f"count {entry.get('count')!r}")
            continue
        user.free_used_today = count
    if legacy_bonus:
        people.findings.note(
            f"daily_free_generations.json: {legacy_bonus} user(s) have a legacy daily 'bonus';"
            " the old bot had stopped using it, and it is not carried over"
        )


def read_admin_limits(data: PartnerData, people: People) -> list[AllowanceRecord]:
    """Limited admins and what is left of their allowance."""
    findings = people.findings
    records = []
    pairs = people.keyed(
        data.document("admin_limits.json"), kind="allowance", where="admin_limits.json", count=True
    )
    for user, entry in pairs:
        if not isinstance(entry, Mapping):
            findings.skip("allowance", user.user_id, "not an object")
            continue
        limit = findings.rubles("allowance", user.user_id, entry.get("limit", DEFAULT_LIMIT_RUBLES))
        spent = findings.rubles("allowance", user.user_id, entry.get("spent", 0.0))
        if not (limit.usable and spent.usable):
            findings.skip("allowance", user.user_id, "limit or spent is not an amount")
            continue
        records.append(AllowanceRecord(user.user_id, limit.kopecks, spent.kopecks))
    return records
