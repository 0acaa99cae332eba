"""Referral codes: a user's personal code for `/start ref_<code>`, never their raw id.

The code is the user id enciphered with a small keyed Feistel permutation (four rounds of
HMAC-SHA256 over two 32-bit halves) plus a 24-bit tag, in lowercase base32: the same user
always gets the same code, the code reveals nothing about the id, a code made up or altered
by hand is rejected, and no table is needed to map a code back to its user. Pure.

The old bot's links (`trt import` brings its users over) named the referrer openly:
``ref_<id>`` or ``ref_`` + unpadded URL-safe base64 of ``u:<id>``. `old_link_referrer` reads
them; they are honoured only for referrers brought over from the old bot (`JoinWithReferral`
with `old_link`), so a made-up id refers nobody.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from .invoice import derive_key

PREFIX = "ref_"
OLD_PAYLOAD_PREFIX = "u:"  # the old bot's base64 payload: "u:<id>"
MAX_OLD_TOKEN = 40  # longer than any old link's token
ROUNDS = 4
_MASK = 0xFFFFFFFF


def _round(key: bytes, index: int, half: int) -> int:
    mac = hmac.new(key, bytes([index]) + half.to_bytes(4, "big"), hashlib.sha256).digest()
    return int.from_bytes(mac[:4], "big")


def _tag(key: bytes, block: bytes) -> bytes:
    return hmac.new(key, b"tag" + block, hashlib.sha256).digest()[:3]


def referral_code(secret: bytes, user_id: int) -> str:
    """The user's code (18 lowercase letters and digits)."""
    if not 0 < user_id < 2**63:
        raise ValueError("a referral code needs a positive user id")
    key = derive_key(secret, "referral")
    left, right = user_id >> 32, user_id & _MASK
    for index in range(ROUNDS):
        left, right = right, left ^ _round(key, index, right)
    block = ((left << 32) | right).to_bytes(8, "big")
    return base64.b32encode(block + _tag(key, block)).decode().rstrip("=").lower()


def referrer_of(secret: bytes, code: str) -> int | None:
    """The user whose code `code` is, or None when it is not a code of this tenant."""
    if not secret or not isinstance(code, str) or len(code) != 18:
        return None
    try:
        raw = base64.b32decode(code.upper() + "======")
    except ValueError:
        return None
    key = derive_key(secret, "referral")
    block, tag = raw[:8], raw[8:]
    if len(tag) != 3 or not hmac.compare_digest(tag, _tag(key, block)):
        return None
    value = int.from_bytes(block, "big")
    left, right = value >> 32, value & _MASK
    for index in reversed(range(ROUNDS)):
        left, right = right ^ _round(key, index, left), left
    user_id = (left << 32) | right
    return user_id if 0 < user_id < 2**63 else None


def payload_referrer(secret: bytes, payload: str | None) -> int | None:
    """The referrer named by a deep-link payload ``ref_<code>``, or None."""
    if not payload or not payload.startswith(PREFIX):
        return None
    return referrer_of(secret, payload[len(PREFIX) :])


def old_link_referrer(payload: str | None) -> int | None:
    """The referrer an old bot's deep link names (``ref_<id>`` or ``ref_<base64 of u:<id>>``),
    or None when `payload` is not such a link."""
    if not payload or not payload.startswith(PREFIX):
        return None
    token = payload[len(PREFIX) :]
    if not token or len(token) > MAX_OLD_TOKEN:
        return None
    if not token.isdigit():
        try:
            decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        except (binascii.Error, ValueError):
            return None
        if not decoded.startswith(OLD_PAYLOAD_PREFIX):
            return None
        token = decoded[len(OLD_PAYLOAD_PREFIX) :]
    if not token.isascii() or not token.isdigit():
        return None
    user_id = int(token)
    return user_id if 0 < user_id < 2**63 else None
