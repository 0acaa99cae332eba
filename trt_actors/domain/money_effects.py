"""Money operations a handler asks for, what came of them, and what it looks up.

Each operation is an `effects.Operation` the session performs before replying, inside one
storage transaction (`trt_actors.money.perform`), idempotently by what identifies it (the
Stars charge id, the payment id, the code and user): performing it again — a replayed update,
a button pressed twice — moves no money a second time and reports a duplicate. Results come
back as `MoneyResult`, so the reply says what really happened. Policy is decided here, in the
pure domain, and carried by the operation (`by_admin`, `new_user`): the performer refuses
(and logs) what the domain marked as not allowed. Money is integer kopecks; Stars whole Stars.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar, Literal

from .effects import Lookup, Operation


@dataclass(frozen=True, slots=True)
class CreditStars(Operation):
    """Telegram confirmed a Stars payment: record it and credit `kopecks`, once per charge."""

    user_id: int
    charge_id: str
    stars: int
    kopecks: int


@dataclass(frozen=True, slots=True)
class RefundStars(Operation):
    """A Stars payment was refunded (by an admin, `actor_id`, or Telegram: None): mark it and
    take its credit back if the balance still covers it; `reason` is recorded."""

    user_id: int
    charge_id: str
    actor_id: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class AdminRefundStars(Operation):
    """An admin refunds a Stars payment: Telegram's refundStarPayment first, then — only once
    Telegram has returned the Stars — the `RefundStars` bookkeeping (a live operation)."""

    refund: RefundStars


ProofKind = Literal["photo", "document"]


def stored_proof(kind: ProofKind, file_id: str) -> str:
    """A screenshot as storage keeps it: a photo's file id alone (as before), an image sent as
    a file prefixed with ``document:`` (Telegram's file ids have no colon), so the admins get
    it with the method that takes it (`sendPhoto` refuses a document's id)."""
    return file_id if kind == "photo" else f"document:{file_id}"


def proof_file(stored: str) -> tuple[ProofKind, str]:
    """The kind and the file id of a stored screenshot."""
    if stored.startswith("document:"):
        return "document", stored.removeprefix("document:")
    return "photo", stored


@dataclass(frozen=True, slots=True)
class SubmitTransfer(Operation):
    """A bank transfer with its screenshot (`proof`: `stored_proof` of the Telegram file)
    joins the review queue; `reference` makes it idempotent (the screenshot message)."""

    user_id: int
    kopecks: int
    proof: str
    reference: str


@dataclass(frozen=True, slots=True)
class ReviewTransfer(Operation):
    """An admin approves (credit, once) or rejects (with `reason`) a pending transfer."""

    payment_id: int
    reviewer_id: int
    approve: bool
    by_admin: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RedeemPromo(Operation):
    user_id: int
    code: str


@dataclass(frozen=True, slots=True)
class CreatePromo(Operation):
    """An admin creates a code worth `kopecks`, for `max_uses` users (None: unlimited),
    valid until `expires_at` (Unix milliseconds; None: no expiry)."""

    admin_id: int
    code: str
    kopecks: int
    max_uses: int | None
    expires_at: int | None
    by_admin: bool
    free_generations: int = 0  # > 0: the code grants this many free generations, not money


@dataclass(frozen=True, slots=True)
class JoinWithReferral(Operation):
    """A new user came through `referrer_id`'s link: both get `bonus_free` generations.
    `old_link`: the link is in the old bot's format (it names the referrer's id), honoured
    only for a referrer brought over from the old bot."""

    user_id: int
    referrer_id: int
    bonus_free: int
    new_user: bool
    old_link: bool = False


@dataclass(frozen=True, slots=True)
class WelcomeBonus(Operation):
    """A new user gets `kopecks` once."""

    user_id: int
    kopecks: int
    new_user: bool


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


class MoneyOutcome(enum.StrEnum):
    """What performing a money operation did: one word, which the settlers answer by and the
    events show."""

    CREDITED = "credited"
    DUPLICATE = "duplicate"
    REFUNDED = "refunded"
    NOT_COVERED = "not_covered"
    NOT_FOUND = "not_found"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    ALREADY_REVIEWED = "already_reviewed"
    NOT_ADMIN = "not_admin"
    REDEEMED = "redeemed"
    REDEEMED_FREE = "redeemed_free"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    EXHAUSTED = "exhausted"
    INACTIVE = "inactive"
    ALREADY_REDEEMED = "already_redeemed"
    CREATED = "created"
    EXISTS = "exists"
    GRANTED = "granted"
    NOT_NEW = "not_new"
    REFUSED = "refused"
    TELEGRAM_REFUSED = "telegram_refused"


MOVED = frozenset(
    {
        MoneyOutcome.CREDITED,
        MoneyOutcome.REFUNDED,
        MoneyOutcome.APPROVED,
        MoneyOutcome.REDEEMED,
        MoneyOutcome.GRANTED,
    }
)  # the outcomes of a performance that moved money (not a replay, not a refusal)


@dataclass(frozen=True, slots=True)
class MoneyResult:
    """What performing `operation` did.

    `outcome` says what happened (`MoneyOutcome`). `amount` is the
    kopecks (or generations) moved; `balance_after` the payer's available kopecks after;
    `user_id`, `payment_id` and `proof` name the payment's owner and screenshot for replies.
    """

    operation: MoneyOperation
    outcome: MoneyOutcome
    amount: int = 0
    balance_after: int | None = None
    user_id: int | None = None
    payment_id: int | None = None
    proof: str | None = None
    reviewer_id: int | None = None

    @property
    def moved(self) -> bool:
        """True when this performance moved money (not a replay, not a refusal)."""
        return self.outcome in MOVED


# -- lookups ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Movement:
    """One ledger row as the balance screen shows it."""

    kind: str
    kopecks: int  # signed change of the balance (holds show their held amount, negative)
    at_ms: int


@dataclass(frozen=True, slots=True)
class MoneySummary(Lookup["MoneyFacts"]):
    """The user's money: balance, held, bonus generations, the last movements."""

    user_id: int


@dataclass(frozen=True, slots=True)
class MoneyFacts:
    balance: int = 0
    held: int = 0
    bonus_free: int = 0
    movements: tuple[Movement, ...] = ()


@dataclass(frozen=True, slots=True)
class UserStanding(Lookup["Standing"]):
    """Whether the user is known to storage and not blocked by an admin."""

    user_id: int


@dataclass(frozen=True, slots=True)
class Standing:
    known: bool = False
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class ReferralStats(Lookup["ReferralFacts"]):
    user_id: int


@dataclass(frozen=True, slots=True)
class ReferralFacts:
    invited: int = 0
    activated: int = 0
    bonus_earned: int = 0


@dataclass(frozen=True, slots=True)
class StarsCharge(Lookup["ChargeFacts | None"]):
    """The Stars payment with this Telegram charge id (for an admin's /refund)."""

    admin_only: ClassVar[bool] = True
    charge_id: str


@dataclass(frozen=True, slots=True)
class ChargeFacts:
    user_id: int
    stars: int
    status: str
    payment_id: int = 0


@dataclass(frozen=True, slots=True)
class PendingTransfers(Lookup[tuple["TransferView", ...]]):
    """The bank transfers waiting for review, oldest first (the admins' queue)."""

    admin_only: ClassVar[bool] = True
    limit: int = 20


@dataclass(frozen=True, slots=True)
class TransferView:
    payment_id: int
    user_id: int
    kopecks: int
    created_at_ms: int
    proof: str | None = None  # the screenshot as stored (`proof_file`)
