"""Money vocabulary: currencies, ledger kinds, and the amount check.

Amounts are `int` minor units everywhere: kopecks for RUB, whole Stars for XTR. A float, a
bool or a non-positive number is refused before any SQL runs.
"""

from __future__ import annotations

import enum

__all__ = ["CreditKind", "Currency", "LedgerKind", "check_amount"]


class Currency(enum.StrEnum):
    """The currencies an account can hold."""

    RUB = "RUB"  # minor unit: kopeck
    XTR = "XTR"  # Telegram Stars: whole stars


class CreditKind(enum.StrEnum):
    """Why money is credited to a balance."""

    TOPUP = "topup"
    PROMO = "promo"
    REFERRAL = "referral"
    ADMIN = "admin"
    OPENING = "opening"  # a balance brought over from another system (`trt import`)


class LedgerKind(enum.StrEnum):
    """The kind of one ledger row; `amount` and `held_delta` signs follow from it.

    =========  =================  ============
    kind       amount (balance)   held_delta
    =========  =================  ============
    credits    > 0                0
    debit      < 0                0
    hold       0                  > 0
    capture    < 0                = amount
    release    0                  < 0
    refund     > 0                0
    =========  =================  ============
    """

    TOPUP = "topup"
    PROMO = "promo"
    REFERRAL = "referral"
    ADMIN = "admin"
    OPENING = "opening"
    DEBIT = "debit"
    HOLD = "hold"
    CAPTURE = "capture"
    RELEASE = "release"
    REFUND = "refund"


# Largest amount accepted in one operation: far above any real payment, far below 2**63.
MAX_AMOUNT = 10**15


def check_amount(amount: int) -> int:
    """Return `amount` if it is a positive int within `MAX_AMOUNT`; raise ValueError otherwise.

    `bool` and `float` are refused even when integral: money is never a float.
    """
    if type(amount) is not int:
        raise TypeError(f"amount must be int minor units, not {type(amount).__name__}")
    if not 0 < amount <= MAX_AMOUNT:
        raise ValueError(f"amount must be in 1..{MAX_AMOUNT}, got {amount}")
    return amount
