"""The ledger: balances move only through immutable, idempotent ledger rows.

Every operation is one savepoint inside the caller's transaction and does three things
together or not at all: check the idempotency key, change the account (and hold), and append
one ledger row carrying the change and the balances after it. Hence, always:

- ``sum(ledger.amount) == accounts.balance`` and ``sum(ledger.held_delta) == accounts.held``
  per (user, currency); ``held`` equals the sum of active holds;
- ``available = balance - held >= 0`` (CHECK constraints back the code's conditional UPDATEs);
- a second call with the same key changes nothing and returns the first entry with
  ``replayed=True``; the same key with other arguments raises `IdempotencyConflict`.

Concurrency: account rows change through conditional ``UPDATE ... WHERE balance - held >=
:need``, which PostgreSQL re-checks after waiting for a row lock, so concurrent holds on one
balance succeed exactly as far as the money goes. Two concurrent calls with the same key
collide on the UNIQUE key; the loser's savepoint is rolled back and it returns the winner's
entry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ._errors import DuplicateKey, IdempotencyConflict, InsufficientFunds, InvalidState, NotFound
from ._ledger_records import (
    ENTRY_COLUMNS,
    HOLD_COLUMNS,
    Account,
    Discrepancy,
    Hold,
    HoldStatus,
    LedgerEntry,
    entry_from_row,
    hold_from_row,
)
from ._money import CreditKind, Currency, LedgerKind, check_amount
from ._repo import Repo, check_text

__all__ = ["Ledger"]

_MOVE = """UPDATE accounts SET balance = balance + :db, held = held + :dh, updated_at = :now
           WHERE tenant_id = :t AND user_id = :u AND currency = :c AND balance - held >= :need
           RETURNING balance, held"""
_LOCK_ACCOUNT = (
    "SELECT balance, held FROM accounts WHERE tenant_id = :t AND user_id = :u AND currency = :c"
)


@dataclasses.dataclass(frozen=True, slots=True)
class _Change:
    """What one operation did, before it is written as a ledger row."""

    kind: LedgerKind
    user_id: int
    currency: Currency
    amount: int
    held_delta: int
    hold_id: int | None
    reference: str
    balance_after: int
    held_after: int


Fingerprint = tuple[object, ...]

# kind -> (hold status it requires, status it leaves, balance sign, held sign)
_SETTLE = {
    LedgerKind.CAPTURE: (HoldStatus.ACTIVE, HoldStatus.CAPTURED, -1, -1),
    LedgerKind.RELEASE: (HoldStatus.ACTIVE, HoldStatus.RELEASED, 0, -1),
    LedgerKind.REFUND: (HoldStatus.CAPTURED, HoldStatus.REFUNDED, 1, 0),
}


def _fingerprint(entry: LedgerEntry) -> Fingerprint:
    """The arguments that made `entry`, to compare with a retry's arguments."""
    if entry.kind in _SETTLE:
        return (entry.kind, entry.hold_id)
    size = entry.held_delta if entry.kind is LedgerKind.HOLD else abs(entry.amount)
    return (entry.kind, entry.user_id, entry.currency, size, entry.reference)


class Ledger(Repo):
    """Money operations and balance queries of the bound tenant."""

    # -- operations ---------------------------------------------------------------------

    def credit(
        self,
        user_id: int,
        amount: int,
        currency: Currency,
        *,
        kind: CreditKind,
        key: str,
        actor: str,
        reference: str = "",
    ) -> LedgerEntry:
        """Add `amount` to the balance. Raises `NotFound` if the user does not exist."""
        kind = CreditKind(kind)
        currency, amount = Currency(currency), check_amount(amount)
        ledger_kind = LedgerKind(kind.value)

        def change() -> _Change:
            self._ensure_account(user_id, currency)
            after = self._move(user_id, currency, balance=amount, held=0, need=0)
            return _Change(ledger_kind, user_id, currency, amount, 0, None, reference, *after)

        fingerprint = (ledger_kind, user_id, currency, amount, reference)
        return self._apply(key, actor, fingerprint, change)

    def debit(
        self,
        user_id: int,
        amount: int,
        currency: Currency,
        *,
        key: str,
        actor: str,
        reference: str = "",
    ) -> LedgerEntry:
        """Take `amount` from the available balance (an admin correction).

        Raises `InsufficientFunds` when less than `amount` is available.
        """
        currency, amount = Currency(currency), check_amount(amount)

        def change() -> _Change:
            after = self._move(user_id, currency, balance=-amount, held=0, need=amount)
            return _Change(LedgerKind.DEBIT, user_id, currency, -amount, 0, None, reference, *after)

        fingerprint = (LedgerKind.DEBIT, user_id, currency, amount, reference)
        return self._apply(key, actor, fingerprint, change)

    def hold(
        self,
        user_id: int,
        amount: int,
        currency: Currency,
        *,
        key: str,
        actor: str,
        reference: str = "",
    ) -> LedgerEntry:
        """Reserve `amount` of the available balance; the entry's `hold_id` names the hold.

        Raises `InsufficientFunds` when less than `amount` is available.
        """
        currency, amount = Currency(currency), check_amount(amount)

        def change() -> _Change:
            after = self._move(user_id, currency, balance=0, held=amount, need=amount)
            hold_id = self._db.scalar(
                """INSERT INTO holds (tenant_id, user_id, currency, amount, status, reference,
                                      created_at)
                   VALUES (:t, :u, :c, :a, 'active', :ref, :now) RETURNING id""",
                self._params(u=user_id, c=currency.value, a=amount, ref=reference),
            )
            return _Change(
                LedgerKind.HOLD, user_id, currency, 0, amount, hold_id, reference, *after
            )

        fingerprint = (LedgerKind.HOLD, user_id, currency, amount, reference)
        return self._apply(key, actor, fingerprint, change)

    def capture(self, hold_id: int, *, key: str, actor: str) -> LedgerEntry:
        """Take the held money for good (the generation was delivered)."""
        return self._settle(LedgerKind.CAPTURE, hold_id, key, actor)

    def release(self, hold_id: int, *, key: str, actor: str) -> LedgerEntry:
        """Give the held money back to the available balance (failed, cancelled, timed out)."""
        return self._settle(LedgerKind.RELEASE, hold_id, key, actor)

    def refund(self, hold_id: int, *, key: str, actor: str) -> LedgerEntry:
        """Return the money of a captured hold to the balance."""
        return self._settle(LedgerKind.REFUND, hold_id, key, actor)

    # -- queries ------------------------------------------------------------------------

    def totals(self) -> dict[tuple[str, str], tuple[int, int]]:
        """Per (kind, currency): the sum of `amount` and of `held_delta` (for metrics)."""
        rows = self._db.execute(
            """SELECT kind, currency, sum(amount) AS amount, sum(held_delta) AS held
               FROM ledger WHERE tenant_id = :t GROUP BY kind, currency""",
            self._params(),
        )
        return {
            (str(r["kind"]), str(r["currency"])): (int(r["amount"]), int(r["held"])) for r in rows
        }

    def account(self, user_id: int, currency: Currency) -> Account:
        """The balance in `currency`; zeros when the user never had one."""
        row = self._db.one(
            """SELECT balance, held FROM accounts
               WHERE tenant_id = :t AND user_id = :u AND currency = :c""",
            self._params(u=user_id, c=Currency(currency).value),
        )
        balance, held = (row["balance"], row["held"]) if row else (0, 0)
        return Account(user_id, Currency(currency), balance, held)

    def entry(self, key: str) -> LedgerEntry | None:
        """The entry made with idempotency key `key`, or None."""
        row = self._db.one(
            f"SELECT {ENTRY_COLUMNS} FROM ledger WHERE tenant_id = :t AND idempotency_key = :k",
            self._params(k=key),
        )
        return None if row is None else entry_from_row(row)

    def entries(
        self,
        user_id: int,
        *,
        currency: Currency | None = None,
        before_id: int | None = None,
        limit: int = 50,
    ) -> list[LedgerEntry]:
        """The user's entries, newest first, paged by `before_id`."""
        rows = self._db.execute(
            f"""SELECT {ENTRY_COLUMNS} FROM ledger
                WHERE tenant_id = :t AND user_id = :u AND id < :before
                  AND (currency = :c OR :c = '')
                ORDER BY id DESC LIMIT :lim""",
            self._params(
                u=user_id,
                before=2**62 if before_id is None else before_id,
                c="" if currency is None else Currency(currency).value,
                lim=limit,
            ),
        )
        return [entry_from_row(row) for row in rows]

    def get_hold(self, hold_id: int) -> Hold:
        """The hold; raises `NotFound`."""
        row = self._db.one(
            f"SELECT {HOLD_COLUMNS} FROM holds WHERE tenant_id = :t AND id = :h",
            self._params(h=hold_id),
        )
        if row is None:
            raise NotFound("hold", hold_id)
        return hold_from_row(row)

    def active_holds(self, user_id: int) -> list[Hold]:
        """The user's active holds, oldest first."""
        rows = self._db.execute(
            f"""SELECT {HOLD_COLUMNS} FROM holds
                WHERE tenant_id = :t AND user_id = :u AND status = 'active' ORDER BY id""",
            self._params(u=user_id),
        )
        return [hold_from_row(row) for row in rows]

    def reconcile(self) -> list[Discrepancy]:
        """Every account of the tenant whose balance or held amount disagrees with its ledger
        rows or active holds. Empty when the invariants hold (they always should)."""
        rows = self._db.execute(
            """SELECT a.user_id, a.currency, a.balance, a.held,
                   (SELECT COALESCE(SUM(l.amount), 0) FROM ledger l WHERE l.tenant_id = :t
                       AND l.user_id = a.user_id AND l.currency = a.currency) AS ledger_balance,
                   (SELECT COALESCE(SUM(l.held_delta), 0) FROM ledger l WHERE l.tenant_id = :t
                       AND l.user_id = a.user_id AND l.currency = a.currency) AS ledger_held,
                   (SELECT COALESCE(SUM(h.amount), 0) FROM holds h WHERE h.tenant_id = :t
                       AND h.user_id = a.user_id AND h.currency = a.currency
                       AND h.status = 'active') AS active_holds
               FROM accounts a WHERE a.tenant_id = :t ORDER BY a.user_id, a.currency""",
            self._params(),
        )
        found = [
            Discrepancy(
                row["user_id"],
                Currency(row["currency"]),
                row["balance"],
                row["held"],
                int(row["ledger_balance"]),
                int(row["ledger_held"]),
                int(row["active_holds"]),
            )
            for row in rows
        ]
        return [
            d
            for d in found
            if not (d.balance == d.ledger_balance and d.held == d.ledger_held == d.active_holds)
        ]

    # -- internals ----------------------------------------------------------------------

    def _apply(
        self, key: str, actor: str, fingerprint: Fingerprint, change: Callable[[], _Change]
    ) -> LedgerEntry:
        """Replay the entry of `key`, or make the change and append its entry, atomically."""
        check_text("idempotency key", key)
        check_text("actor", actor)
        existing = self.entry(key)
        if existing is not None:
            return self._replay(existing, key, fingerprint)
        try:
            with self._db.savepoint():
                return self._append(change(), key, actor)
        except DuplicateKey:
            existing = self.entry(key)  # a concurrent call with the same key won
            if existing is None:
                raise
            return self._replay(existing, key, fingerprint)

    @staticmethod
    def _replay(existing: LedgerEntry, key: str, fingerprint: Fingerprint) -> LedgerEntry:
        if _fingerprint(existing) != fingerprint:
            raise IdempotencyConflict(
                key, f"first call {_fingerprint(existing)}, this call {fingerprint}"
            )
        return dataclasses.replace(existing, replayed=True)

    def _append(self, change: _Change, key: str, actor: str) -> LedgerEntry:
        row = self._db.one(
            f"""INSERT INTO ledger (tenant_id, user_id, currency, kind, amount, held_delta,
                                    balance_after, held_after, hold_id, reference,
                                    idempotency_key, actor, created_at)
                VALUES (:t, :u, :c, :kind, :amount, :held_delta, :balance_after, :held_after,
                        :hold_id, :ref, :key, :actor, :now)
                RETURNING {ENTRY_COLUMNS}""",
            self._params(
                u=change.user_id,
                c=change.currency.value,
                kind=change.kind.value,
                amount=change.amount,
                held_delta=change.held_delta,
                balance_after=change.balance_after,
                held_after=change.held_after,
                hold_id=change.hold_id,
                ref=change.reference,
                key=key,
                actor=actor,
            ),
        )
        assert row is not None
        return entry_from_row(row)

    def _ensure_account(self, user_id: int, currency: Currency) -> None:
        params = self._params(u=user_id, c=currency.value)
        if not self._db.scalar(
            "SELECT count(*) FROM users WHERE tenant_id = :t AND user_id = :u", params
        ):
            raise NotFound("user", user_id)
        self._db.run(
            """INSERT INTO accounts (tenant_id, user_id, currency, balance, held, updated_at)
               VALUES (:t, :u, :c, 0, 0, :now)
               ON CONFLICT (tenant_id, user_id, currency) DO NOTHING""",
            params,
        )

    def _move(
        self, user_id: int, currency: Currency, *, balance: int, held: int, need: int
    ) -> tuple[int, int]:
        """Change the account if at least `need` is available; return (balance, held) after.

        The conditional UPDATE decides alone when it succeeds. When it changes nothing, the
        row is read again under a row lock (PostgreSQL: the UPDATE may have judged a snapshot
        older than a concurrent credit), so `InsufficientFunds` reports the amount that was
        really available when it was refused.
        """
        params = self._params(u=user_id, c=currency.value, db=balance, dh=held, need=need)
        row = self._db.one(_MOVE, params)
        if row is None:
            locked = self._db.one(_LOCK_ACCOUNT + self._db.dialect.lock_rows, params)
            available = 0 if locked is None else locked["balance"] - locked["held"]
            if available < need:
                raise InsufficientFunds(available, need, currency)
            row = self._db.one(_MOVE, params)
            assert row is not None, "the locked account changed under its lock"
        return row["balance"], row["held"]

    def _settle(self, kind: LedgerKind, hold_id: int, key: str, actor: str) -> LedgerEntry:
        required, leaves, balance_sign, held_sign = _SETTLE[kind]

        def change() -> _Change:
            hold = self.get_hold(hold_id)
            moved = self._db.run(
                """UPDATE holds SET status = :to, settled_at = :now
                   WHERE tenant_id = :t AND id = :h AND status = :from""",
                self._params(h=hold_id, to=leaves.value, **{"from": required.value}),
            )
            if not moved:
                raise InvalidState(f"hold {hold_id} is {hold.status}, cannot {kind}")
            balance, held = balance_sign * hold.amount, held_sign * hold.amount
            after = self._move(hold.user_id, hold.currency, balance=balance, held=held, need=0)
            return _Change(
                kind, hold.user_id, hold.currency, balance, held, hold_id, hold.reference, *after
            )

        return self._apply(key, actor, (kind, hold_id), change)
