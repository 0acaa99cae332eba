"""The free daily quota's day: days in the tenant's time zone, and when the next one begins."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FALLBACK_ZONE = "Europe/Moscow"


def zone(name: str) -> datetime.tzinfo:
    """The time zone `name`; Moscow when the name is unknown (a misconfigured tenant)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(FALLBACK_ZONE)


def quota_day(now: datetime.datetime, timezone: str) -> datetime.date:
    """The quota day `now` (aware) falls on, in `timezone`."""
    return now.astimezone(zone(timezone)).date()


def next_reset(now: datetime.datetime, timezone: str) -> datetime.datetime:
    """When the next quota day begins: the coming local midnight in `timezone` (aware)."""
    tz = zone(timezone)
    tomorrow = now.astimezone(tz).date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, datetime.time(0), tzinfo=tz)
