"""Signed invoice payloads for Stars top-ups, and the pre-checkout verdict.

An invoice's `payload` travels through Telegram and comes back in the `pre_checkout_query`
and the `successful_payment`. It names the tenant, the user, the number of Stars and when the
invoice was issued, and carries an HMAC-SHA256 tag keyed per tenant (`payment_key`), so a
payload that was forged, altered, issued to someone else or by another bot, or is older than
`MAX_AGE` is refused. Pure: no clock (the time comes from the caller), no I/O.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass

VERSION = "s1"
MAX_AGE = datetime.timedelta(hours=24)  # an invoice older than this is stale
TAG_BYTES = 16
PAYLOAD_LIMIT = 128  # Telegram: 1-128 bytes
_TENANT = re.compile(r"[A-Za-z0-9_.-]{1,48}")


def derive_key(secret: bytes, purpose: str) -> bytes:
    """A key for one purpose ("invoice", "referral", …) from the tenant's secret."""
    return hmac.new(secret, b"trt:" + purpose.encode(), hashlib.sha256).digest()


def tenant_secret(bot_token: str, tenant_id: str) -> bytes:
    """The tenant's secret, derived from its bot token (known only to the bot's operator)."""
    return hmac.new(
        bot_token.encode(), b"trt-tenant:" + tenant_id.encode(), hashlib.sha256
    ).digest()


@dataclass(frozen=True, slots=True)
class InvoiceClaim:
    """What an invoice payload says: who pays how many Stars to which tenant, issued when
    (Unix seconds)."""

    tenant_id: str
    user_id: int
    stars: int
    issued_at: int


def _tag(key: bytes, body: str) -> str:
    mac = hmac.new(derive_key(key, "invoice"), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:TAG_BYTES]).decode().rstrip("=")


def sign_invoice(secret: bytes, claim: InvoiceClaim) -> str:
    """The payload for `claim`. Raises ValueError for a tenant id the format cannot carry."""
    if not _TENANT.fullmatch(claim.tenant_id):
        raise ValueError(f"tenant id {claim.tenant_id!r} cannot be carried in a payload")
    body = f"{VERSION}:{claim.tenant_id}:{claim.user_id}:{claim.stars}:{claim.issued_at}"
    payload = f"{body}:{_tag(secret, body)}"
    assert len(payload.encode()) <= PAYLOAD_LIMIT
    return payload


def read_invoice(
    secret: bytes,
    payload: str,
    *,
    tenant_id: str,
    user_id: int,
    now: datetime.datetime,
    max_age: datetime.timedelta = MAX_AGE,
) -> InvoiceClaim | None:
    """The claim of a genuine, fresh payload issued by this tenant to `user_id`; else None."""
    if not secret or not isinstance(payload, str) or len(payload) > PAYLOAD_LIMIT:
        return None
    body, _, tag = payload.rpartition(":")
    parts = body.split(":")
    if len(parts) != 5 or parts[0] != VERSION:
        return None
    if not hmac.compare_digest(tag.encode(), _tag(secret, body).encode()):
        return None
    _, tenant, user, stars, issued = parts
    if not (user.lstrip("-").isdigit() and stars.isdigit() and issued.isdigit()):
        return None
    claim = InvoiceClaim(tenant, int(user), int(stars), int(issued))
    age = now.timestamp() - claim.issued_at
    if claim.tenant_id != tenant_id or claim.user_id != user_id:
        return None
    if age < -300 or age > max_age.total_seconds():  # 5 minutes of clock skew tolerated
        return None
    return claim
