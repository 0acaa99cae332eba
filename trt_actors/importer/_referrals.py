"""Who brought whom, from every place the old bot kept it. Pure.

- the PostgreSQL table `referrals` (``referred_user_id``, ``referrer_id``, ``created_at``,
  ``bonus_granted_at``: None when it was recorded without a bonus);
- `referral_events.json`: ``{"events": {"<partner>:<referred>": {"referrer_id",
  "referred_user_id", "created_at", "awarded_at", "bonus"}}}``;
- `referrals.json`, whose three shapes may be mixed in one file: (a) ``{"<referred>":
  {"referred_by": id, "referred_at": epoch}, "<referrer>": {"referred_users": [ids]}}`` (one
  key may hold both), (b) ``{"<referred>": <referrer id>}``, (c) (b) plus ``"referrals":
  {"<referrer>": [referred ids]}``.

Deployments that ran before the table existed have theirs only in the files, so all are
read together. A user has one referrer: the earliest recorded one (by time where known, else
the table before the events before the file). Another referrer named for the same user is
reported and not brought over; so is a user named as their own referrer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._people import People
from ._records import ReferralRecord
from ._source import PartnerData
from ._values import time_ms, user_id_of

__all__ = ["read_referrals"]

KIND = "referral"
# Where each came from, most trusted first.
ORIGINS = ("referrals table", "referral_events.json", "referrals.json")


@dataclass(frozen=True, slots=True)
class _Claim:
    referred: object
    referrer: object
    created_at: int | None
    rewarded_at: int | None
    origin: str


def _table(rows: Iterable[Mapping[str, Any]]) -> list[_Claim]:
    return [
        _Claim(
            row.get("referred_user_id"),
            row.get("referrer_id"),
            time_ms(row.get("created_at")),
            time_ms(row.get("bonus_granted_at")),
            ORIGINS[0],
        )
        for row in rows
    ]


def _events(document: Mapping[str, Any]) -> list[_Claim]:
    events = document.get("events")
    if not isinstance(events, Mapping):
        return []
    claims = []
    for key, event in events.items():
        if not isinstance(event, Mapping):
            claims.append(_Claim(key, None, None, None, ORIGINS[1]))
            continue
        claims.append(
            _Claim(
                event.get("referred_user_id", str(key).rpartition(":")[2]),
                event.get("referrer_id"),
                time_ms(event.get("created_at")),
                time_ms(event.get("awarded_at")),
                ORIGINS[1],
            )
        )
    return claims


def _file(document: Mapping[str, Any]) -> list[_Claim]:
    origin = ORIGINS[2]
    claims: list[_Claim] = []
    for key, value in document.items():
        if key == "referrals" and isinstance(value, Mapping):  # shape (c)
            for referrer, referred in value.items():
                for one in referred if isinstance(referred, list) else [referred]:
                    claims.append(_Claim(one, referrer, None, None, origin))
        elif isinstance(value, Mapping):  # shape (a): the referred side, the referrer side
            if "referred_by" in value:
                at = time_ms(value.get("referred_at"))
                claims.append(_Claim(key, value.get("referred_by"), at, at, origin))
            referred_users = value.get("referred_users")
            if isinstance(referred_users, list):
                claims += [_Claim(one, key, None, None, origin) for one in referred_users]
            if "referred_by" not in value and not isinstance(referred_users, list):
                claims.append(_Claim(key, None, None, None, origin))
        elif key not in ("events",):  # shape (b)
            claims.append(_Claim(key, value, None, None, origin))
    return claims


def _order(claim: _Claim) -> tuple[int, int, int]:
    """Claims with a time first, earliest first; then the more trusted origin first."""
    timeless = claim.created_at is None
    return (int(timeless), claim.created_at or 0, ORIGINS.index(claim.origin))


def read_referrals(data: PartnerData, people: People) -> list[ReferralRecord]:
    """One referral per referred user: the first recorded; the others reported."""
    claims = (
        _table(data.referral_rows)
        + _events(data.document("referral_events.json"))
        + _file(data.document("referrals.json"))
    )
    findings = people.findings
    by_referred: dict[int, list[tuple[_Claim, int]]] = {}
    for claim in claims:
        referred, referrer = user_id_of(claim.referred), user_id_of(claim.referrer)
        where = f"{claim.referred!r} ← {claim.referrer!r} ({claim.origin})"
        if referred is None or referrer is None:
            people.found[KIND] += 1
            findings.skip(KIND, where, "not a pair of Telegram user ids")
            continue
        if referred == referrer:
            people.found[KIND] += 1
            findings.skip(KIND, where, "a user named as their own referrer")
            continue
        pairs = by_referred.setdefault(referred, [])
        if all(known != referrer for _, known in pairs):
            people.found[KIND] += 1  # the same pair kept in several places is one referral
        pairs.append((claim, referrer))
    records = []
    for referred, found in sorted(by_referred.items()):
        found.sort(key=lambda pair: _order(pair[0]))
        first, referrer = found[0]
        losers: dict[int, _Claim] = {}
        for claim, other in found[1:]:
            if other != referrer:
                losers.setdefault(other, claim)
        for other, claim in losers.items():
            findings.skip(
                KIND,
                f"{referred} ← {other} ({claim.origin})",
                f"{referred} was referred by {referrer} first",
            )
        rewarded = next((c.rewarded_at for c, r in found if r == referrer and c.rewarded_at), None)
        for user_id in (referred, referrer):
            people.named(user_id, kind=KIND, where=first.origin)
        people.users[referred].seen(first.created_at)
        records.append(ReferralRecord(referred, referrer, first.created_at, rewarded, first.origin))
    return records
