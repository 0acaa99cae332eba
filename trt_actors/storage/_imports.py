"""Imports: what `trt import` brought over from another system, and the rows it writes.

Every record of a source is remembered in `imported_rows` by its identity there (`source`,
`kind`, `key`), in the same transaction as the rows it became: `done` tells a later run that
it is there already, so a second run imports nothing twice and a run stopped half-way resumes.

The rows themselves keep the source's times (a payment made in March stays in March), which
is why they are written here rather than through the repositories of live operations (those
stamp every row with the transaction's time). Money still moves only through the ledger: an
opening balance is `Ledger.credit(kind=CreditKind.OPENING)`, never a write of its own.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from ._money import Currency, check_amount
from ._payments import PaymentMethod, PaymentStatus
from ._repo import Repo, check_text
from ._sql import dump_json

__all__ = ["ImportedRow", "Imports"]


@dataclasses.dataclass(frozen=True, slots=True)
class ImportedRow:
    """One record brought over: what it became (`target_id`) and the money it stood for."""

    source: str
    kind: str
    key: str
    target_id: int | None
    kopecks: int | None
    imported_at: int


class Imports(Repo):
    """Records brought over into the bound tenant (`tx.imports`)."""

    # -- what was brought over ----------------------------------------------------------------

    def find(self, source: str, kind: str, key: str) -> ImportedRow | None:
        """The record `key` of `kind` from `source`, if it was brought over."""
        row = self._db.one(
            """SELECT source, kind, source_key, target_id, kopecks, imported_at
               FROM imported_rows
               WHERE tenant_id = :t AND source = :s AND kind = :k AND source_key = :key""",
            self._params(s=source, k=kind, key=key),
        )
        if row is None:
            return None
        return ImportedRow(
            row["source"],
            row["kind"],
            row["source_key"],
            row["target_id"],
            row["kopecks"],
            row["imported_at"],
        )

    def remember(
        self,
        source: str,
        kind: str,
        key: str,
        *,
        target_id: int | None = None,
        kopecks: int | None = None,
    ) -> bool:
        """Remember that record `key` was brought over; False if it was already."""
        return bool(
            self._db.run(
                """INSERT INTO imported_rows (tenant_id, source, kind, source_key, target_id,
                                              kopecks, imported_at)
                   VALUES (:t, :s, :k, :key, :target, :kopecks, :now)
                   ON CONFLICT (tenant_id, source, kind, source_key) DO NOTHING""",
                self._params(
                    s=check_text("source", source, max_len=100),
                    k=check_text("kind", kind, max_len=40),
                    key=check_text("key", key, max_len=400),
                    target=target_id,
                    kopecks=kopecks,
                ),
            )
        )

    def counts(self, source: str) -> dict[str, int]:
        """How many records of each kind were brought over from `source`."""
        rows = self._db.execute(
            """SELECT kind, count(*) AS n FROM imported_rows
               WHERE tenant_id = :t AND source = :s GROUP BY kind""",
            self._params(s=source),
        )
        return {str(row["kind"]): int(row["n"]) for row in rows}

    def is_imported_user(self, user_id: int) -> bool:
        """Whether `user_id` was brought over (from any source) into this tenant."""
        return bool(
            self._db.scalar(
                """SELECT count(*) FROM imported_rows
                   WHERE tenant_id = :t AND kind = 'user' AND target_id = :u""",
                self._params(u=user_id),
            )
        )

    def payment_credit(self, payment_id: int) -> int | None:
        """What an imported payment had credited to the balance in its source (kopecks), or
        None for a payment made here."""
        kopecks: int | None = self._db.scalar(
            """SELECT kopecks FROM imported_rows
               WHERE tenant_id = :t AND kind = 'payment' AND target_id = :p""",
            self._params(p=payment_id),
        )
        return kopecks

    def opening_total(self, source: str) -> int:
        """The opening balances credited from `source`, in kopecks (the ledger's own sum)."""
        total = self._db.scalar(
            """SELECT COALESCE(SUM(amount), 0) FROM ledger
               WHERE tenant_id = :t AND kind = 'opening' AND reference = :s""",
            self._params(s=source),
        )
        return int(total or 0)

    # -- the rows a record becomes --------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        *,
        first_name: str,
        username: str | None,
        last_name: str | None,
        language: str | None,
        blocked: bool,
        created_at: int,
        updated_at: int,
    ) -> bool:
        """Create the user with the source's profile; False (nothing changed) when the user
        is known here already — what we know wins over the source."""
        return bool(
            self._db.run(
                """INSERT INTO users (tenant_id, user_id, username, first_name, last_name,
                                      language, is_blocked, created_at, updated_at)
                   VALUES (:t, :u, :username, :first, :last, :lang, :blocked, :created,
                           :updated)
                   ON CONFLICT (tenant_id, user_id) DO NOTHING""",
                self._params(
                    u=user_id,
                    username=username,
                    first=first_name,
                    last=last_name,
                    lang=language,
                    blocked=blocked,
                    created=created_at,
                    updated=updated_at,
                ),
            )
        )

    def add_payment(
        self,
        user_id: int,
        *,
        method: PaymentMethod,
        status: PaymentStatus,
        amount: int,
        currency: Currency,
        external_id: str,
        proof: str | None,
        reviewer_id: int | None,
        note: str | None,
        created_at: int,
    ) -> int | None:
        """Store a past payment as it was; its id, or None when a payment with that
        `external_id` exists already. The balance is not touched."""
        row = self._db.one(
            """INSERT INTO payments (tenant_id, user_id, method, status, amount, currency,
                                     external_id, proof, reviewer_id, reviewed_at, note,
                                     created_at, updated_at)
               VALUES (:t, :u, :m, :s, :a, :c, :ext, :proof, :r, :reviewed, :note,
                       :created, :created)
               ON CONFLICT (tenant_id, method, external_id) DO NOTHING
               RETURNING id""",
            self._params(
                u=user_id,
                m=PaymentMethod(method).value,
                s=PaymentStatus(status).value,
                a=check_amount(amount),
                c=Currency(currency).value,
                ext=check_text("external_id", external_id, max_len=400),
                proof=proof,
                r=reviewer_id,
                reviewed=created_at if reviewer_id is not None else None,
                note=note,
                created=created_at,
            ),
        )
        return None if row is None else int(row["id"])

    def add_past_job(
        self,
        user_id: int,
        *,
        model_id: str,
        params: Mapping[str, Any],
        price: int,
        result_urls: Sequence[str],
        created_at: int,
    ) -> int:
        """Store a generation made elsewhere as a delivered job of the past; its id. It holds
        nothing, and it is never resumed (delivered is final)."""
        if type(price) is not int or price < 0:
            raise ValueError(f"price must be a non-negative int, got {price!r}")
        job_id: int = self._db.scalar(
            """INSERT INTO jobs (tenant_id, user_id, model_id, params, state, price, currency,
                                 result_urls, created_at, updated_at, finished_at, imported_at)
               VALUES (:t, :u, :model, :params, 'delivered', :price, 'RUB', :urls, :created,
                       :created, :created, :now)
               RETURNING id""",
            self._params(
                u=user_id,
                model=check_text("model_id", model_id),
                params=dump_json(dict(params)),
                price=price,
                urls=dump_json(list(result_urls)),
                created=created_at,
            ),
        )
        return job_id

    def add_referral(
        self, referrer_id: int, referred_id: int, *, created_at: int, rewarded_at: int | None
    ) -> bool:
        """Record who brought whom, as it was; False when `referred_id` has a referrer here
        already (the first one stays) or names themself. Sets the user's `referrer_id`."""
        if referrer_id == referred_id:
            return False
        added = bool(
            self._db.run(
                """INSERT INTO referrals (tenant_id, referred_id, referrer_id, created_at,
                                         rewarded_at)
                   VALUES (:t, :referred, :referrer, :created, :rewarded)
                   ON CONFLICT (tenant_id, referred_id) DO NOTHING""",
                self._params(
                    referred=referred_id,
                    referrer=referrer_id,
                    created=created_at,
                    rewarded=rewarded_at,
                ),
            )
        )
        if added:
            self._db.run(
                """UPDATE users SET referrer_id = :referrer
                   WHERE tenant_id = :t AND user_id = :referred AND referrer_id IS NULL""",
                self._params(referred=referred_id, referrer=referrer_id),
            )
        return added

    def add_free_uses(self, user_id: int, day: datetime.date, used: int) -> None:
        """Count `used` free generations as used on `day` (never fewer than counted here)."""
        if used <= 0:
            raise ValueError("used must be positive")
        self._db.run(
            """INSERT INTO free_usage (tenant_id, user_id, day, used, updated_at)
               VALUES (:t, :u, :day, :n, :now)
               ON CONFLICT (tenant_id, user_id, day) DO UPDATE
                   SET used = CASE WHEN free_usage.used > excluded.used THEN free_usage.used
                                   ELSE excluded.used END,
                       updated_at = excluded.updated_at""",
            self._params(u=user_id, day=day.isoformat(), n=used),
        )
