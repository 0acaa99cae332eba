"""Where a generation is in its life, as storage keeps it and the screens show it."""

from __future__ import annotations

import enum


class JobState(enum.StrEnum):
    """created → submitted (to KIE) → succeeded → delivered (to the user); failed from any
    state before delivery, then refunded once its hold is released. Storage enforces the
    transitions (`storage.Jobs.transition`)."""

    CREATED = "created"
    SUBMITTED = "submitted"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DELIVERED = "delivered"
    REFUNDED = "refunded"
