"""Promo codes and their redemptions.

`redeem` checks and counts a redemption atomically (a conditional UPDATE, so the limit holds
under concurrency) and records it once per user. The money is a ledger credit the caller
makes in the same transaction (key e.g. ``promo:<code>:<user_id>``).
"""

from __future__ import annotations

import dataclasses

from ._errors import NotFound, PromoRejected
from ._money import Currency, check_amount
from ._repo import Repo, check_text
from ._sql import Row

__all__ = ["PromoCode", "Promos"]

_COLUMNS = (
    "code, amount, currency, max_redemptions, redemptions, expires_at, active, created_by,"
    " created_at, kind"
)


@dataclasses.dataclass(frozen=True, slots=True)
class PromoCode:
    """A code worth `amount` minor units of `currency`; `max_redemptions` None = unlimited."""

    code: str
    amount: int
    currency: Currency
    max_redemptions: int | None
    redemptions: int
    expires_at: int | None
    active: bool
    created_by: int | None
    created_at: int
    kind: str = "money"  # money: `amount` kopecks; free: `amount` bonus free generations


def _promo(row: Row) -> PromoCode:
    return PromoCode(
        code=row["code"],
        amount=row["amount"],
        currency=Currency(row["currency"]),
        max_redemptions=row["max_redemptions"],
        redemptions=row["redemptions"],
        expires_at=row["expires_at"],
        active=bool(row["active"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        kind=row["kind"],
    )


class Promos(Repo):
    """Create and redeem promo codes of the bound tenant."""

    def create(
        self,
        code: str,
        amount: int,
        currency: Currency,
        *,
        max_redemptions: int | None = None,
        expires_at: int | None = None,
        created_by: int | None = None,
        kind: str = "money",
    ) -> PromoCode:
        """Create a code; raises `DuplicateKey` if it exists. `kind` "free": `amount` is a
        number of bonus free generations."""
        if kind not in ("money", "free"):
            raise ValueError(f"promo kind must be money or free, got {kind!r}")
        row = self._db.one(
            f"""INSERT INTO promo_codes (tenant_id, code, amount, currency, max_redemptions,
                                         expires_at, created_by, created_at, kind)
                VALUES (:t, :code, :a, :c, :max, :exp, :by, :now, :kind) RETURNING {_COLUMNS}""",
            self._params(
                code=check_text("code", code, max_len=64),
                a=check_amount(amount),
                c=Currency(currency).value,
                max=max_redemptions,
                exp=expires_at,
                by=created_by,
                kind=kind,
            ),
        )
        assert row is not None
        return _promo(row)

    def get(self, code: str) -> PromoCode:
        """The code; raises `NotFound`."""
        row = self._db.one(
            f"SELECT {_COLUMNS} FROM promo_codes WHERE tenant_id = :t AND code = :code",
            self._params(code=code),
        )
        if row is None:
            raise NotFound("promo code", code)
        return _promo(row)

    def recent(self, *, limit: int = 20) -> list[PromoCode]:
        """The newest codes first (the admin's list)."""
        rows = self._db.execute(
            f"""SELECT {_COLUMNS} FROM promo_codes WHERE tenant_id = :t
                ORDER BY created_at DESC, code LIMIT :lim""",
            self._params(lim=limit),
        )
        return [_promo(row) for row in rows]

    def deactivate(self, code: str) -> None:
        """Stop accepting the code; raises `NotFound`."""
        if not self._db.run(
            "UPDATE promo_codes SET active = FALSE WHERE tenant_id = :t AND code = :code",
            self._params(code=code),
        ):
            raise NotFound("promo code", code)

    def redeem(self, code: str, user_id: int) -> PromoCode:
        """Count one redemption of `code` by `user_id`; return the code (with the new count).

        Raises `NotFound`, or `PromoRejected` with reason expired / inactive / exhausted /
        already_redeemed; nothing is changed then.
        """
        promo = self.get(code)
        if not promo.active:
            raise PromoRejected(code, PromoRejected.INACTIVE)
        if promo.expires_at is not None and promo.expires_at <= self._now:
            raise PromoRejected(code, PromoRejected.EXPIRED)
        with self._db.savepoint():  # a rejection below leaves nothing behind
            inserted = self._db.run(
                """INSERT INTO promo_redemptions (tenant_id, code, user_id, redeemed_at)
                   VALUES (:t, :code, :u, :now)
                   ON CONFLICT (tenant_id, code, user_id) DO NOTHING""",
                self._params(code=code, u=user_id),
            )
            if not inserted:
                raise PromoRejected(code, PromoRejected.ALREADY_REDEEMED)
            row = self._db.one(
                f"""UPDATE promo_codes SET redemptions = redemptions + 1
                    WHERE tenant_id = :t AND code = :code
                      AND (max_redemptions IS NULL OR redemptions < max_redemptions)
                    RETURNING {_COLUMNS}""",
                self._params(code=code),
            )
            if row is None:
                raise PromoRejected(code, PromoRejected.EXHAUSTED)
        return _promo(row)
