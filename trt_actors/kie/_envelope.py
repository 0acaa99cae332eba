"""Reading KIE's answers: the ``{"code", "msg" | "message", "data"}`` envelope.

Numbers with a fraction are read as exact `Fraction`s (credits can be 0.5 or 0.8; money is
never a float). Every function here is pure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ._errors import KieApiError, KieProtocolError, error_for_code

#: The code of a successful answer.
OK_CODE = 200


def loads(raw: bytes | str) -> Any:
    """Parse JSON with exact numbers; raises `KieProtocolError` when it is not JSON."""
    try:
        return json.loads(raw, parse_float=Fraction)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        raise KieProtocolError(f"answer is not JSON: {exc}") from None


def envelope_message(body: Mapping[str, Any]) -> str:
    """KIE's text: `msg`, else `message` (the docs use both), else ''."""
    for key in ("msg", "message"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def envelope_code(body: Mapping[str, Any]) -> int | None:
    """The envelope's `code` as an int (KIE sometimes sends it as a string), or None."""
    code = body.get("code")
    if isinstance(code, bool):
        return None
    if isinstance(code, int):
        return code
    if isinstance(code, str) and code.strip().isdigit():
        return int(code.strip())
    return None


def http_error(status: int, raw: bytes, retry_after: float | None = None) -> KieApiError:
    """The error for an HTTP status other than 2xx: the envelope's code when the body has
    one, else the status itself (Cloudflare's bare 403 becomes `KieAuthError`)."""
    message = raw[:200].decode("utf-8", "replace").strip()
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError):
        body = None
    if isinstance(body, Mapping):
        code = envelope_code(body)
        message = envelope_message(body) or message
        if code is not None and code != OK_CODE:
            return error_for_code(code, message, http_status=status, retry_after=retry_after)
    return error_for_code(
        status, message or f"HTTP {status}", http_status=status, retry_after=retry_after
    )


def unwrap(body: Any, *, http_status: int = 200) -> Any:
    """The envelope's `data` when `code` is 200; else raise the typed error for the code.

    Raises `KieProtocolError` when `body` is not an envelope at all.
    """
    if not isinstance(body, Mapping):
        raise KieProtocolError(f"answer is not a JSON object: {type(body).__name__}")
    code = envelope_code(body)
    if code is None:
        raise KieProtocolError("answer has no numeric 'code'")
    if code != OK_CODE:
        raise error_for_code(code, envelope_message(body), http_status=http_status)
    if body.get("success") is False:  # the upload API adds a boolean
        raise KieProtocolError(f"success=false with code 200: {envelope_message(body)}")
    return body.get("data")


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds; None when absent or a date."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def as_credits(value: Any) -> Fraction:
    """A credit amount as an exact Fraction (from int, Fraction or decimal text)."""
    if isinstance(value, bool):
        raise KieProtocolError("credits must be a number, got a boolean")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            pass
    raise KieProtocolError(f"credits must be a number, got {value!r}")
