"""Small readers for fields of KIE's answers: lenient about types, strict about meaning.

KIE sends the same field as an int in one API and a string in another, `null` or `""` for
"none". These helpers absorb that; anything that cannot mean what the field should mean
raises `KieProtocolError` (or `KieResultError` for result fields).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from ._envelope import as_credits
from ._errors import KieProtocolError, KieResultError


def path(data: Any, dotted: str) -> Any:
    """The value at a dotted path (``response.resultUrls``), or None when any step is missing."""
    value = data
    for key in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def text(value: Any) -> str | None:
    """A string field; numbers become their text; None and "" stay None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | Fraction):
        return str(value)
    if isinstance(value, str):
        return value or None
    return None


def first_text(data: Mapping[str, Any], *keys: str) -> str | None:
    """The first of `keys` that holds a non-empty text."""
    for key in keys:
        value = text(data.get(key))
        if value is not None:
            return value
    return None


def flag(value: Any) -> int | None:
    """A small integer flag sent as int or digit string (``successFlag``); None if absent."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise KieProtocolError(f"not a flag: {value!r}")


def progress(value: Any) -> int | None:
    """Progress as 0-100. KIE sends 0-100 ints, 0-1 fractions ("0.50") or "50%"."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    number: Fraction
    try:
        if isinstance(value, str):
            stripped = value.strip()
            if stripped.endswith("%"):
                number = Fraction(stripped[:-1])
            else:
                number = Fraction(stripped)
                number = number * 100 if number <= 1 and "." in stripped else number
        elif isinstance(value, int | Fraction):
            number = Fraction(value)
            number = number * 100 if isinstance(value, Fraction) and number <= 1 else number
        else:
            return None
    except (ValueError, ZeroDivisionError):
        return None
    return max(0, min(100, int(number)))


def credits(data: Mapping[str, Any]) -> Fraction | None:
    """Credits a task used: `creditsConsumed` (newer) or `consumeCredits` (older)."""
    for key in ("creditsConsumed", "consumeCredits"):
        if data.get(key) is not None:
            return as_credits(data[key])
    return None


def url(value: Any) -> str:
    """One result URL: an http(s) string, else `KieResultError`."""
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value
    raise KieResultError(f"result URL is not an http(s) URL: {value!r}")


def urls(value: Any) -> tuple[str, ...]:
    """A list of result URLs (None means none); anything else is a `KieResultError`."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (url(value),)
    if not isinstance(value, Sequence):
        raise KieResultError(f"result URLs are not a list: {type(value).__name__}")
    return tuple(url(item) for item in value)
