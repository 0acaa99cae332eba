"""The old bot's referral links: read for its users brought over, never mistaken for ours."""

from __future__ import annotations

import base64

import pytest

from trt_actors.domain.referral_code import (
    old_link_referrer,
    payload_referrer,
    referral_code,
)

ANN = 1234567890


def old_base64(user_id: int) -> str:
    return "ref_" + base64.urlsafe_b64encode(f"u:{user_id}".encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("payload", "referrer"),
    [
        (f"ref_{ANN}", ANN),
        (old_base64(ANN), ANN),
        (old_base64(42), 42),
        ("ref_", None),
        ("ref_0", None),
        ("ref_abc", None),
        ("ref_" + base64.urlsafe_b64encode(b"x:5").decode(), None),
        ("ref_" + base64.urlsafe_b64encode(b"u:5a").decode(), None),
        ("ref_" + "1" * 41, None),
        (f"ref_{2**63}", None),
        (f"promo_{ANN}", None),
        (None, None),
    ],
)
def test_old_links(payload: str | None, referrer: int | None) -> None:
    assert old_link_referrer(payload) == referrer


def test_our_codes_are_not_old_links_and_old_links_are_not_our_codes() -> None:
    secret = b"tenant-secret"
    ours = "ref_" + referral_code(secret, ANN)
    assert payload_referrer(secret, ours) == ANN
    assert old_link_referrer(ours) is None
    assert payload_referrer(secret, f"ref_{ANN}") is None
    assert payload_referrer(secret, old_base64(ANN)) is None
