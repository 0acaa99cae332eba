"""Perform a `MoneyOperation` inside the caller's transaction, idempotently.

Every balance change is a ledger row with a key derived from what identifies the operation
(the Stars charge id, the payment id, the promo code and user), so performing an operation
twice changes nothing the second time and reports the first time's result as a duplicate.

`JoinWithReferral` and `WelcomeBonus` are for new users only (`new_user`, which the domain
sets from a lookup made before the update: the user was unknown to storage); the user's row
is created earlier in the same transaction. Reviews and new codes carry `by_admin`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog

from trt_actors.domain.money_effects import (
    CreatePromo,
    CreditStars,
    JoinWithReferral,
    MoneyOperation,
    MoneyOutcome,
    MoneyResult,
    RedeemPromo,
    RefundStars,
    ReviewTransfer,
    SubmitTransfer,
    WelcomeBonus,
)
from trt_actors.storage import (
    CreditKind,
    Currency,
    InsufficientFunds,
    InvalidState,
    NotFound,
    PaymentMethod,
    PromoRejected,
    Tx,
)

log = structlog.get_logger(__name__)

REFERRAL_REASON = "referral"


def perform(tx: Tx, operation: MoneyOperation) -> MoneyResult:
    """Do `operation` in `tx`; what came of it."""
    if isinstance(operation, JoinWithReferral | WelcomeBonus) and not operation.new_user:
        return MoneyResult(operation, MoneyOutcome.NOT_NEW)
    handler: Callable[[Tx, Any], MoneyResult] = _HANDLERS[type(operation)]
    return handler(tx, operation)


def _available(tx: Tx, user_id: int) -> int:
    return tx.ledger.account(user_id, Currency.RUB).available


def _credit_stars(tx: Tx, op: CreditStars) -> MoneyResult:
    payment, new = tx.payments.record_stars(op.user_id, op.stars, charge_id=op.charge_id)
    if not new:  # recorded before, and credited in that same transaction
        return MoneyResult(
            op,
            MoneyOutcome.DUPLICATE,
            0,
            _available(tx, payment.user_id),
            payment.user_id,
            payment.id,
        )
    entry = tx.ledger.credit(
        payment.user_id,
        op.kopecks,
        Currency.RUB,
        kind=CreditKind.TOPUP,
        key=f"stars:{op.charge_id}",
        actor="telegram",
        reference=f"payment:{payment.id}",
    )
    outcome = MoneyOutcome.DUPLICATE if entry.replayed else MoneyOutcome.CREDITED
    return MoneyResult(
        op, outcome, op.kopecks, _available(tx, payment.user_id), payment.user_id, payment.id
    )


def _refund_stars(tx: Tx, op: RefundStars) -> MoneyResult:
    payment = tx.payments.find_external(PaymentMethod.STARS, op.charge_id)
    if payment is None:
        return MoneyResult(op, MoneyOutcome.NOT_FOUND, user_id=op.user_id)
    credit = tx.ledger.entry(f"stars:{op.charge_id}")
    try:  # first, so that of two concurrent refunds one wins here and the other stops
        tx.payments.mark_refunded(payment.id, reviewer_id=op.actor_id, note=op.reason[:500] or None)
    except InvalidState:
        return MoneyResult(
            op, MoneyOutcome.DUPLICATE, 0, _available(tx, payment.user_id), payment.user_id
        )
    actor = "telegram" if op.actor_id is None else f"admin:{op.actor_id}"
    outcome, taken = MoneyOutcome.NOT_COVERED, 0
    # A payment brought over from the old bot was credited there: its money is part of the
    # user's opening balance, and what it credited is remembered with the import.
    credited = credit.amount if credit is not None else tx.imports.payment_credit(payment.id)
    if credited:
        try:
            tx.ledger.debit(
                payment.user_id,
                credited,
                Currency.RUB,
                key=f"stars-refund:{op.charge_id}",
                actor=actor,
                reference=f"payment:{payment.id}",
            )
            outcome, taken = MoneyOutcome.REFUNDED, credited
        except InsufficientFunds:  # spent already: Telegram returned the Stars; recorded
            pass
    tx.audit.record(
        op.actor_id or 0,
        "stars_refunded" if outcome is MoneyOutcome.REFUNDED else "stars_refund_not_covered",
        target=f"payment:{payment.id}",
        details={"debited": taken, "reason": op.reason},
    )
    log.info("money.stars_refunded", payment=payment.id, debited=taken, actor=actor)
    return MoneyResult(
        op, outcome, taken, _available(tx, payment.user_id), payment.user_id, payment.id
    )


def _submit_transfer(tx: Tx, op: SubmitTransfer) -> MoneyResult:
    payment, new = tx.payments.submit_transfer(
        op.user_id, op.kopecks, Currency.RUB, reference=op.reference, proof=op.proof
    )
    return MoneyResult(
        op,
        MoneyOutcome.SUBMITTED if new else MoneyOutcome.DUPLICATE,
        payment.amount,
        user_id=op.user_id,
        payment_id=payment.id,
        proof=payment.proof,
    )


def _review_transfer(tx: Tx, op: ReviewTransfer) -> MoneyResult:
    if not op.by_admin:
        log.warning("money.review_refused", payment=op.payment_id, user=op.reviewer_id)
        return MoneyResult(op, MoneyOutcome.NOT_ADMIN, payment_id=op.payment_id)
    try:
        payment = tx.payments.get(op.payment_id)
    except NotFound:
        return MoneyResult(op, MoneyOutcome.NOT_FOUND, payment_id=op.payment_id)
    if payment.method is not PaymentMethod.BANK_TRANSFER:
        return MoneyResult(op, MoneyOutcome.NOT_FOUND, payment_id=op.payment_id)
    try:
        payment = tx.payments.review(
            payment.id,
            approve=op.approve,
            reviewer_id=op.reviewer_id,
            note=(op.reason[:500] or None),
        )
    except InvalidState:
        return MoneyResult(
            op,
            MoneyOutcome.ALREADY_REVIEWED,
            payment.amount,
            user_id=payment.user_id,
            payment_id=payment.id,
            reviewer_id=payment.reviewer_id,
        )
    if op.approve:
        tx.ledger.credit(
            payment.user_id,
            payment.amount,
            Currency.RUB,
            kind=CreditKind.TOPUP,
            key=f"transfer:{payment.id}",
            actor=f"admin:{op.reviewer_id}",
            reference=f"payment:{payment.id}",
        )
    tx.audit.record(
        op.reviewer_id,
        "transfer_approved" if op.approve else "transfer_rejected",
        target=f"payment:{payment.id}",
        details={"amount": payment.amount, "reason": op.reason},
    )
    return MoneyResult(
        op,
        MoneyOutcome.APPROVED if op.approve else MoneyOutcome.REJECTED,
        payment.amount,
        _available(tx, payment.user_id),
        payment.user_id,
        payment.id,
        reviewer_id=op.reviewer_id,
    )


def _redeem_promo(tx: Tx, op: RedeemPromo) -> MoneyResult:
    code = op.code.strip().upper()
    try:
        promo = tx.promos.redeem(code, op.user_id)
    except NotFound:
        return MoneyResult(op, MoneyOutcome.UNKNOWN)
    except PromoRejected as exc:
        return MoneyResult(op, MoneyOutcome(exc.reason), balance_after=_available(tx, op.user_id))
    if promo.kind == "free":
        tx.free_bonus.grant(
            op.user_id, promo.amount, key=f"promo:{code}:{op.user_id}", reason="promo"
        )
        return MoneyResult(
            op, MoneyOutcome.REDEEMED_FREE, promo.amount, _available(tx, op.user_id), op.user_id
        )
    tx.ledger.credit(
        op.user_id,
        promo.amount,
        Currency.RUB,
        kind=CreditKind.PROMO,
        key=f"promo:{code}:{op.user_id}",
        actor=f"user:{op.user_id}",
        reference=f"promo:{code}",
    )
    return MoneyResult(
        op, MoneyOutcome.REDEEMED, promo.amount, _available(tx, op.user_id), op.user_id
    )


def _create_promo(tx: Tx, op: CreatePromo) -> MoneyResult:
    if not op.by_admin:
        log.warning("money.promo_refused", user=op.admin_id)
        return MoneyResult(op, MoneyOutcome.NOT_ADMIN)
    code = op.code.strip().upper()
    try:
        tx.promos.get(code)
        return MoneyResult(op, MoneyOutcome.EXISTS)
    except NotFound:
        pass  # a new code (a concurrent creator of the same code fails with DuplicateKey)
    free = op.free_generations > 0
    promo = tx.promos.create(
        code,
        op.free_generations if free else op.kopecks,
        Currency.RUB,
        max_redemptions=op.max_uses,
        expires_at=op.expires_at,
        created_by=op.admin_id,
        kind="free" if free else "money",
    )
    tx.audit.record(op.admin_id, "promo_created", target=f"promo:{code}", details={})
    return MoneyResult(op, MoneyOutcome.CREATED, promo.amount)


def _join_with_referral(tx: Tx, op: JoinWithReferral) -> MoneyResult:
    if op.referrer_id == op.user_id or not tx.users.exists(op.referrer_id):
        return MoneyResult(op, MoneyOutcome.REFUSED)
    if op.old_link and not tx.imports.is_imported_user(op.referrer_id):
        # The old bot's links name a raw user id: only its own users (brought over by
        # `trt import`) are referrers through them; a made-up id refers nobody.
        return MoneyResult(op, MoneyOutcome.REFUSED)
    if not tx.referrals.record(op.referrer_id, op.user_id):
        return MoneyResult(op, MoneyOutcome.DUPLICATE)
    if op.bonus_free > 0 and tx.referrals.mark_rewarded(op.user_id):
        for who, side in ((op.user_id, "referred"), (op.referrer_id, "referrer")):
            tx.free_bonus.grant(
                who, op.bonus_free, key=f"referral:{op.user_id}:{side}", reason=REFERRAL_REASON
            )
    return MoneyResult(op, MoneyOutcome.GRANTED, op.bonus_free, user_id=op.referrer_id)


def _welcome_bonus(tx: Tx, op: WelcomeBonus) -> MoneyResult:
    if op.kopecks <= 0:
        return MoneyResult(op, MoneyOutcome.NOT_NEW)
    entry = tx.ledger.credit(
        op.user_id,
        op.kopecks,
        Currency.RUB,
        kind=CreditKind.PROMO,
        key=f"welcome:{op.user_id}",
        actor="welcome",
        reference="welcome",
    )
    outcome = MoneyOutcome.DUPLICATE if entry.replayed else MoneyOutcome.GRANTED
    return MoneyResult(op, outcome, op.kopecks, _available(tx, op.user_id), op.user_id)


_HANDLERS: dict[type, Callable[[Tx, Any], MoneyResult]] = {
    CreditStars: _credit_stars,
    RefundStars: _refund_stars,
    SubmitTransfer: _submit_transfer,
    ReviewTransfer: _review_transfer,
    RedeemPromo: _redeem_promo,
    CreatePromo: _create_promo,
    JoinWithReferral: _join_with_referral,
    WelcomeBonus: _welcome_bonus,
}
