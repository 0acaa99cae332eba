"""Money operations a handler asks for, and what came of them.

Each operation is a plain value the session performs inside one storage transaction
(`trt_actors.money.perform`), idempotently: performing it again — a replayed update, a button
pressed twice — moves no money a second time and reports what the first time did. Results
come back as `MoneyResult`, so the reply can say what really happened (credited, already
credited, refused and why). Money is integer kopecks; Stars are whole Stars.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class CreditStars:
    """Telegram confirmed a Stars payment: record it and credit `kopecks`, once per charge."""

    user_id: int
    charge_id: str
    stars: int
    kopecks: int


@dataclass(frozen=True, slots=True)
class RefundStars:
    """A Stars payment was refunded (by an admin, `actor_id`, or Telegram: None): mark it and
    take its credit back if the balance still covers it; `reason` is recorded."""

    user_id: int
    charge_id: str
    actor_id: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class SubmitTransfer:
    """A bank transfer with its screenshot (`proof`, a Telegram file id) joins the review
    queue; `reference` makes it idempotent (the screenshot message)."""

    user_id: int
    kopecks: int
    proof: str
    reference: str


@dataclass(frozen=True, slots=True)
class ReviewTransfer:
    """An admin approves (credit, once) or rejects (with `reason`) a pending transfer."""

    payment_id: int
    reviewer_id: int
    approve: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RedeemPromo:
    user_id: int
    code: str


@dataclass(frozen=True, slots=True)
class CreatePromo:
    """An admin creates a code worth `kopecks`, for `max_uses` users (None: unlimited),
    valid until `expires_at` (Unix milliseconds; None: no expiry)."""

    admin_id: int
    code: str
    kopecks: int
    max_uses: int | None
    expires_at: int | None


@dataclass(frozen=True, slots=True)
class JoinWithReferral:
    """A new user came through `referrer_id`'s link: both get `bonus_free` generations."""

    user_id: int
    referrer_id: int
    bonus_free: int


@dataclass(frozen=True, slots=True)
class WelcomeBonus:
    """A new user gets `kopecks` once."""

    user_id: int
    kopecks: int


MoneyOperation = (
    CreditStars
    | RefundStars
    | SubmitTransfer
    | ReviewTransfer
    | RedeemPromo
    | CreatePromo
    | JoinWithReferral
    | WelcomeBonus
)


@dataclass(frozen=True, slots=True)
class MoneyResult:
    """What performing `operation` did.

    `outcome` is one word: credited, duplicate, refunded, not_covered, not_found, submitted,
    approved, rejected, already_reviewed, not_admin, redeemed, unknown, expired, exhausted,
    inactive, already_redeemed, created, exists, granted, not_new, refused. `amount` is the
    kopecks (or generations) moved; `balance_after` the payer's available kopecks after;
    `user_id`, `payment_id` and `proof` name the payment's owner and screenshot for replies.
    """

    operation: MoneyOperation
    outcome: str
    amount: int = 0
    balance_after: int | None = None
    user_id: int | None = None
    payment_id: int | None = None
    proof: str | None = None
    reviewer_id: int | None = None

    @property
    def moved(self) -> bool:
        """True when this performance moved money (not a replay, not a refusal)."""
        return self.outcome in ("credited", "refunded", "approved", "redeemed", "granted")
