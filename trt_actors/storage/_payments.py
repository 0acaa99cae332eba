"""Payments: Telegram Stars purchases and bank transfers reviewed by an admin.

A payment row records what the user paid and its review; the balance change is a separate
ledger credit, made by the caller in the same transaction (key e.g. ``payment:<id>``).

States: a Stars payment is confirmed by Telegram and stored ``approved``; a bank transfer
starts ``pending`` and an admin moves it to ``approved`` or ``rejected``; an approved
payment may later be ``refunded``.
"""

from __future__ import annotations

import dataclasses
import enum

from ._errors import InvalidState, NotFound
from ._money import Currency, check_amount
from ._repo import Repo, check_text
from ._sql import Row

__all__ = ["Payment", "PaymentMethod", "PaymentStatus", "Payments"]

_COLUMNS = (
    "id, user_id, method, status, amount, currency, external_id, proof, reviewer_id,"
    " reviewed_at, note, created_at, updated_at"
)


class PaymentMethod(enum.StrEnum):
    STARS = "stars"
    BANK_TRANSFER = "bank_transfer"


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REFUNDED = "refunded"


@dataclasses.dataclass(frozen=True, slots=True)
class Payment:
    """One payment. `external_id`: Telegram's charge id, or the transfer's reference;
    `proof`: e.g. the file id of a transfer screenshot."""

    id: int
    user_id: int
    method: PaymentMethod
    status: PaymentStatus
    amount: int
    currency: Currency
    external_id: str | None
    proof: str | None
    reviewer_id: int | None
    reviewed_at: int | None
    note: str | None
    created_at: int
    updated_at: int


def _payment(row: Row) -> Payment:
    return Payment(
        id=row["id"],
        user_id=row["user_id"],
        method=PaymentMethod(row["method"]),
        status=PaymentStatus(row["status"]),
        amount=row["amount"],
        currency=Currency(row["currency"]),
        external_id=row["external_id"],
        proof=row["proof"],
        reviewer_id=row["reviewer_id"],
        reviewed_at=row["reviewed_at"],
        note=row["note"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class Payments(Repo):
    """Record and review payments of the bound tenant."""

    def record_stars(self, user_id: int, amount: int, *, charge_id: str) -> tuple[Payment, bool]:
        """Record a Stars payment confirmed by Telegram, as ``approved``.

        Idempotent by `charge_id`: returns ``(payment, True)`` the first time and the stored
        ``(payment, False)`` after that.
        """
        return self._insert(
            user_id,
            PaymentMethod.STARS,
            status=PaymentStatus.APPROVED,
            amount=check_amount(amount),
            currency=Currency.XTR,
            external_id=check_text("charge_id", charge_id),
            proof=None,
        )

    def submit_transfer(
        self, user_id: int, amount: int, currency: Currency, *, reference: str, proof: str | None
    ) -> tuple[Payment, bool]:
        """Record a bank transfer awaiting review (``pending``); idempotent by `reference`."""
        return self._insert(
            user_id,
            PaymentMethod.BANK_TRANSFER,
            status=PaymentStatus.PENDING,
            amount=check_amount(amount),
            currency=Currency(currency),
            external_id=check_text("reference", reference),
            proof=proof,
        )

    def review(
        self, payment_id: int, *, approve: bool, reviewer_id: int, note: str | None = None
    ) -> Payment:
        """Approve or reject a pending payment. Raises `InvalidState` if it is not pending."""
        status = PaymentStatus.APPROVED if approve else PaymentStatus.REJECTED
        return self._transition(
            payment_id, PaymentStatus.PENDING, status, reviewer_id=reviewer_id, note=note
        )

    def mark_refunded(
        self, payment_id: int, *, reviewer_id: int | None, note: str | None
    ) -> Payment:
        """Mark an approved payment refunded. Raises `InvalidState` otherwise."""
        return self._transition(
            payment_id,
            PaymentStatus.APPROVED,
            PaymentStatus.REFUNDED,
            reviewer_id=reviewer_id,
            note=note,
        )

    def get(self, payment_id: int) -> Payment:
        """The payment; raises `NotFound`."""
        row = self._db.one(
            f"SELECT {_COLUMNS} FROM payments WHERE tenant_id = :t AND id = :id",
            self._params(id=payment_id),
        )
        if row is None:
            raise NotFound("payment", payment_id)
        return _payment(row)

    def find_external(self, method: PaymentMethod, external_id: str) -> Payment | None:
        """The payment of `method` with that external id (a Stars charge id), or None."""
        row = self._db.one(
            f"""SELECT {_COLUMNS} FROM payments
                WHERE tenant_id = :t AND method = :m AND external_id = :ext""",
            self._params(m=PaymentMethod(method).value, ext=external_id),
        )
        return None if row is None else _payment(row)

    def by_status(self, status: PaymentStatus, *, limit: int = 50) -> list[Payment]:
        """Payments in `status`, oldest first (the admin review queue for ``pending``)."""
        rows = self._db.execute(
            f"""SELECT {_COLUMNS} FROM payments WHERE tenant_id = :t AND status = :s
                ORDER BY id LIMIT :lim""",
            self._params(s=PaymentStatus(status).value, lim=limit),
        )
        return [_payment(row) for row in rows]

    def recent(self, *, limit: int = 20) -> list[Payment]:
        """Every method and status, newest first (the admin's list)."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM payments WHERE tenant_id = :t ORDER BY id DESC LIMIT :lim",
            self._params(lim=limit),
        )
        return [_payment(row) for row in rows]

    def for_user(self, user_id: int, *, limit: int = 20) -> list[Payment]:
        """The user's payments, newest first."""
        rows = self._db.execute(
            f"""SELECT {_COLUMNS} FROM payments WHERE tenant_id = :t AND user_id = :u
                ORDER BY id DESC LIMIT :lim""",
            self._params(u=user_id, lim=limit),
        )
        return [_payment(row) for row in rows]

    def _insert(
        self,
        user_id: int,
        method: PaymentMethod,
        *,
        status: PaymentStatus,
        amount: int,
        currency: Currency,
        external_id: str,
        proof: str | None,
    ) -> tuple[Payment, bool]:
        params = self._params(
            u=user_id,
            m=method.value,
            s=status.value,
            a=amount,
            c=currency.value,
            ext=external_id,
            proof=proof,
        )
        row = self._db.one(
            f"""INSERT INTO payments (tenant_id, user_id, method, status, amount, currency,
                                      external_id, proof, created_at, updated_at)
                VALUES (:t, :u, :m, :s, :a, :c, :ext, :proof, :now, :now)
                ON CONFLICT (tenant_id, method, external_id) DO NOTHING
                RETURNING {_COLUMNS}""",
            params,
        )
        if row is not None:
            return _payment(row), True
        row = self._db.one(
            f"""SELECT {_COLUMNS} FROM payments
                WHERE tenant_id = :t AND method = :m AND external_id = :ext""",
            params,
        )
        assert row is not None
        return _payment(row), False

    def _transition(
        self,
        payment_id: int,
        source: PaymentStatus,
        target: PaymentStatus,
        *,
        reviewer_id: int | None,
        note: str | None,
    ) -> Payment:
        row = self._db.one(
            f"""UPDATE payments SET status = :to, reviewer_id = :r, reviewed_at = :now,
                                    note = :note, updated_at = :now
                WHERE tenant_id = :t AND id = :id AND status = :from
                RETURNING {_COLUMNS}""",
            self._params(
                id=payment_id,
                to=target.value,
                r=reviewer_id,
                note=note,
                **{"from": source.value},
            ),
        )
        if row is None:
            current = self.get(payment_id)
            raise InvalidState(f"payment {payment_id} is {current.status}, not {source}")
        return _payment(row)
