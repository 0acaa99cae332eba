"""The ledger's records: what a ledger operation or query returns.

All amounts are `int` minor units; `*_at` are Unix milliseconds.
"""

from __future__ import annotations

import dataclasses
import enum

from ._money import Currency, LedgerKind
from ._sql import Row

__all__ = [
    "ENTRY_COLUMNS",
    "HOLD_COLUMNS",
    "Account",
    "Discrepancy",
    "Hold",
    "HoldStatus",
    "LedgerEntry",
    "entry_from_row",
    "hold_from_row",
]

ENTRY_COLUMNS = (
    "id, user_id, currency, kind, amount, held_delta, balance_after, held_after, hold_id,"
    " reference, idempotency_key, actor, created_at"
)
HOLD_COLUMNS = "id, user_id, currency, amount, status, reference, created_at, settled_at"


class HoldStatus(enum.StrEnum):
    ACTIVE = "active"
    CAPTURED = "captured"
    RELEASED = "released"
    REFUNDED = "refunded"


@dataclasses.dataclass(frozen=True, slots=True)
class Account:
    """A balance in one currency. `held` is reserved by active holds."""

    user_id: int
    currency: Currency
    balance: int
    held: int

    @property
    def available(self) -> int:
        return self.balance - self.held


@dataclasses.dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One immutable ledger row: the typed result of every ledger operation.

    `amount` is the signed change of the balance, `held_delta` the signed change of the held
    amount; `replayed` is True when this call found the entry made by an earlier call.
    """

    id: int
    user_id: int
    currency: Currency
    kind: LedgerKind
    amount: int
    held_delta: int
    balance_after: int
    held_after: int
    hold_id: int | None
    reference: str
    idempotency_key: str
    actor: str
    created_at: int
    replayed: bool = False

    @property
    def available_after(self) -> int:
        return self.balance_after - self.held_after


@dataclasses.dataclass(frozen=True, slots=True)
class Hold:
    """Money reserved for one purpose (e.g. a generation) until captured or released."""

    id: int
    user_id: int
    currency: Currency
    amount: int
    status: HoldStatus
    reference: str
    created_at: int
    settled_at: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class Discrepancy:
    """An account whose balances do not match its ledger rows or active holds."""

    user_id: int
    currency: Currency
    balance: int
    held: int
    ledger_balance: int
    ledger_held: int
    active_holds: int


def entry_from_row(row: Row, *, replayed: bool = False) -> LedgerEntry:
    return LedgerEntry(
        id=row["id"],
        user_id=row["user_id"],
        currency=Currency(row["currency"]),
        kind=LedgerKind(row["kind"]),
        amount=row["amount"],
        held_delta=row["held_delta"],
        balance_after=row["balance_after"],
        held_after=row["held_after"],
        hold_id=row["hold_id"],
        reference=row["reference"],
        idempotency_key=row["idempotency_key"],
        actor=row["actor"],
        created_at=row["created_at"],
        replayed=replayed,
    )


def hold_from_row(row: Row) -> Hold:
    return Hold(
        id=row["id"],
        user_id=row["user_id"],
        currency=Currency(row["currency"]),
        amount=row["amount"],
        status=HoldStatus(row["status"]),
        reference=row["reference"],
        created_at=row["created_at"],
        settled_at=row["settled_at"],
    )
