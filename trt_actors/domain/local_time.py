"""Times as users see them: in the tenant's time zone (`TenantSettings.timezone`), labelled.

A chat shows each message in the reader's own time, so a time the bot writes into a text
must say which zone it is in: "01.12 15:00 MSK", "01.12 17:00 UTC+5".
"""

from __future__ import annotations

import datetime

from .quota import zone


def local(when: datetime.datetime, timezone: str) -> datetime.datetime:
    """`when` (aware) in `timezone`; a naive `when` is taken as UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return when.astimezone(zone(timezone))


def zone_label(when: datetime.datetime) -> str:
    """The zone of an aware `when` as people write it: its abbreviation when it has a
    lettered one (MSK, CET, UTC), else its offset from UTC (UTC+5, UTC+5:30, UTC-3)."""
    name = when.tzname() or ""
    if name.isalpha():
        return name
    offset = when.utcoffset() or datetime.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def stamp(when: datetime.datetime, timezone: str, pattern: str) -> str:
    """`when` formatted with `pattern` in `timezone`, followed by the zone's label."""
    shown = local(when, timezone)
    return f"{shown.strftime(pattern)} {zone_label(shown)}"


def from_ms(at_ms: int) -> datetime.datetime:
    """Milliseconds since the epoch (how storage keeps times) as an aware UTC time."""
    return datetime.datetime.fromtimestamp(at_ms / 1000, datetime.UTC)
