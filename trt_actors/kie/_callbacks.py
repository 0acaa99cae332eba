"""Verifying KIE's callbacks: a per-job secret in the callback URL, plus KIE's HMAC.

Every job gets its own secret (`new_callback_secret`) and puts it in its callBackUrl; the
route compares it in constant time. When a webhook HMAC key is set in KIE's dashboard,
KIE also sends ``X-Webhook-Timestamp`` (Unix seconds) and ``X-Webhook-Signature`` =
base64(HMAC-SHA256(key, taskId + "." + timestamp)); `verify_callback` checks both, and the
timestamp's age. Everything here is pure: the caller passes the clock.

A callback is a hint, not the truth: after a verified callback the job asks `status` (the
documented authority), so a forged-but-valid-looking body cannot change an outcome.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ._dedicated import normalise_veo
from ._envelope import OK_CODE, envelope_code, envelope_message
from ._errors import KieError
from ._market import normalise_market
from ._status import TaskState, TaskStatus

TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SIGNATURE_HEADER = "X-Webhook-Signature"
#: How far a callback's timestamp may be from our clock (seconds), either way.
MAX_CALLBACK_SKEW = 300.0
#: Bytes of randomness in a per-job callback secret.
SECRET_BYTES = 24


class CallbackRejected(KieError):
    """The callback failed verification; `reason` is a short machine-readable word."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class VerifiedCallback:
    """A callback that passed verification: its task id and parsed JSON body."""

    task_id: str
    payload: Mapping[str, Any]


def new_callback_secret() -> str:
    """A fresh URL-safe secret for one job's callback URL."""
    return secrets.token_urlsafe(SECRET_BYTES)


def callback_signature(hmac_key: str, task_id: str, timestamp: int | str) -> str:
    """KIE's signature: base64(HMAC-SHA256(key, f"{task_id}.{timestamp}"))."""
    digest = hmac.new(
        hmac_key.encode("utf-8"), f"{task_id}.{timestamp}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def callback_task_id(payload: Mapping[str, Any]) -> str | None:
    """The task id of a callback body: `data.taskId`, `data.task_id`, `taskId` or `task_id`."""
    data = payload.get("data")
    places = [data] if isinstance(data, Mapping) else []
    places.append(payload)
    for place in places:
        for key in ("taskId", "task_id"):
            value = place.get(key)
            if isinstance(value, str) and value:
                return value
    return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def verify_callback(
    *,
    body: bytes,
    headers: Mapping[str, str],
    given_secret: str | None,
    expected_secret: str,
    hmac_key: str | None,
    now: float,
    max_skew: float = MAX_CALLBACK_SKEW,
) -> VerifiedCallback:
    """Check one callback; return its task id and body, or raise `CallbackRejected`.

    `given_secret` is the secret from the request's URL, `expected_secret` the job's.
    With `hmac_key` set, the timestamp and signature headers are required, the timestamp
    must be within `max_skew` seconds of `now` (Unix seconds), and the signature must match.
    All comparisons of secrets run in constant time.
    """
    if not expected_secret:
        raise ValueError("expected_secret must not be empty")
    if given_secret is None or not hmac.compare_digest(
        given_secret.encode("utf-8"), expected_secret.encode("utf-8")
    ):
        raise CallbackRejected("secret", "callback URL secret does not match")
    try:
        payload = json.loads(body, parse_float=Fraction)  # credits stay exact
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError):
        raise CallbackRejected("body", "callback body is not JSON") from None
    if not isinstance(payload, Mapping):
        raise CallbackRejected("body", "callback body is not a JSON object")
    task_id = callback_task_id(payload)
    if task_id is None:
        raise CallbackRejected("body", "callback has no task id")
    if hmac_key:
        _check_signature(headers, hmac_key, task_id, now, max_skew)
    return VerifiedCallback(task_id, payload)


def _check_signature(
    headers: Mapping[str, str], hmac_key: str, task_id: str, now: float, max_skew: float
) -> None:
    timestamp = _header(headers, TIMESTAMP_HEADER)
    signature = _header(headers, SIGNATURE_HEADER)
    if not timestamp or not signature:
        raise CallbackRejected("signature", "callback has no HMAC headers")
    stamp = timestamp.strip()
    if not stamp.isdigit():
        raise CallbackRejected("timestamp", "callback timestamp is not Unix seconds")
    if abs(now - int(stamp)) > max_skew:
        raise CallbackRejected("timestamp", "callback timestamp is too far from now")
    expected = callback_signature(hmac_key, task_id, stamp)
    if not hmac.compare_digest(signature.strip().encode("ascii", "replace"), expected.encode()):
        raise CallbackRejected("signature", "callback signature does not match")


def callback_status(api_id: str, payload: Mapping[str, Any]) -> TaskStatus | None:
    """The outcome a verified callback reports, when its shape is known: market callbacks
    (the recordInfo record) and Veo's. None for the other APIs: ask `KieClient.status`.

    Raises `KieProtocolError` / `KieResultError` like `status` for unreadable bodies.
    """
    data = payload.get("data")
    if api_id == "market":
        return normalise_market(data)
    if api_id != "veo" or not isinstance(data, Mapping):
        return None
    task_id = callback_task_id(payload) or ""
    code = envelope_code(payload)
    if code != OK_CODE:
        return TaskStatus(
            task_id=task_id,
            state=TaskState.FAIL,
            api="veo",
            fail_code=str(code) if code is not None else "",
            fail_message=envelope_message(payload),
            raw=data,
        )
    return normalise_veo({**data, "successFlag": 1}, task_id)
