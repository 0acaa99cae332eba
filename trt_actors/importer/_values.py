"""Reading the old bot's scalar values: user ids and times. Pure.

User ids are keys as decimal strings ("1234567890") and fields as JSON integers; ids of ten
digits and more exceed 32 bits (stored as 64-bit integers here). Times come as epoch seconds
(integer or float), naive ISO (the server's local time, UTC on the old bot's host) or UTC ISO;
every one becomes Unix milliseconds.
"""

from __future__ import annotations

import datetime
import math

__all__ = ["MAX_USER_ID", "text_of", "time_ms", "user_id_of"]

MAX_USER_ID = 2**63 - 1
_EPOCH_MS_FROM = 10**11  # a number above this is taken as milliseconds, below as seconds
_LATEST = 4102444800  # 2100-01-01: later "times" are not times


def user_id_of(value: object) -> int | None:
    """A Telegram user id from a key or a field (``"123"``, ``123``, ``123.0``), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 19:
            return None
        value = int(text)
    if isinstance(value, int) and 0 < value <= MAX_USER_ID:
        return value
    return None


def time_ms(value: object) -> int | None:
    """Unix milliseconds of an epoch number or an ISO text (naive read as UTC), or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            return time_ms(float(text))
        except ValueError:
            pass
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return int(moment.timestamp() * 1000)
    if isinstance(value, datetime.datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)
        return int(moment.timestamp() * 1000)
    if isinstance(value, int | float):
        if not math.isfinite(value) or value <= 0:
            return None
        seconds = value / 1000 if value > _EPOCH_MS_FROM else value
        if seconds > _LATEST:
            return None
        return int(seconds * 1000)
    return None


def text_of(value: object, *, limit: int = 200) -> str | None:
    """A non-empty text field, trimmed to `limit` characters; None otherwise."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text[:limit] if text else None
