"""Payments of the old bot (`payments.json`): the three shapes it produced, as payment
history here. Pure.

- Bank transfer (SBP screenshot) and an admin's manual top-up: key ``"1"``, ``"2"``, …,
  ``{"id", "user_id", "amount": rubles, "timestamp": epoch, "screenshot_file_id": str|null,
  "status": "completed", "balance_charged": bool}`` (an admin's top-up has no screenshot;
  early records have no ``balance_charged``: they were credited).
- Telegram Stars: key ``"stars_<uid>_<epoch>"``, ``{"payment_method": "telegram_stars",
  "amount": rubles credited, "stars_amount": int, "currency": "RUB", ...}``, with the
  charge's ``telegram_payment_charge_id`` (or ``charge_id``) when the old bot kept it.
- The generic shape (uuid key, ``payment_method``, ISO ``created_at``, ``admin_id``,
  ``notes``, status pending/approved/completed).

Every payment becomes a row of payment history with its original time and status; none of
them moves money here (what they credited is in the user's balance, brought over as one
opening credit). A Stars payment keeps its Telegram charge id, so refunding it works as for a
payment made here; one without a charge id cannot be refunded through Telegram. A payment
still waiting for review in the old bot credited nothing: it is skipped, and reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trt_actors.storage import Currency, PaymentMethod, PaymentStatus

from ._people import People
from ._records import PaymentRecord
from ._source import PartnerData
from ._values import text_of, time_ms, user_id_of

__all__ = ["read_payments"]

KIND = "payment"
_STATUSES = {
    "completed": PaymentStatus.APPROVED,
    "approved": PaymentStatus.APPROVED,
    "success": PaymentStatus.APPROVED,
    "succeeded": PaymentStatus.APPROVED,
    "paid": PaymentStatus.APPROVED,
    "rejected": PaymentStatus.REJECTED,
    "declined": PaymentStatus.REJECTED,
    "failed": PaymentStatus.REJECTED,
    "cancelled": PaymentStatus.REJECTED,
    "canceled": PaymentStatus.REJECTED,
    "refunded": PaymentStatus.REFUNDED,
}
_WAITING = frozenset({"pending", "waiting", "new", "created", "review"})
STARS_METHODS = frozenset({"telegram_stars", "stars"})
NOTE_LIMIT = 500


def _is_stars(key: str, entry: Mapping[str, Any]) -> bool:
    method = entry.get("payment_method") or entry.get("type")
    return key.startswith("stars_") or (isinstance(method, str) and method in STARS_METHODS)


def _status(entry: Mapping[str, Any]) -> PaymentStatus | str:
    """Our status of the payment, or the reason it is not brought over."""
    raw = entry.get("status", "completed")  # the earliest records have none: completed
    status = raw.strip().lower() if isinstance(raw, str) else raw
    if status in _WAITING:
        return (
            "waiting for review in the old bot (nothing was credited): review it there"
            " before the move, or ask the user to send it again"
        )
    if not isinstance(status, str) or status not in _STATUSES:
        return f"unknown status {raw!r}"
    return _STATUSES[status]


def _charge_id(entry: Mapping[str, Any]) -> str | None:
    for field in ("telegram_payment_charge_id", "charge_id"):
        value = text_of(entry.get(field), limit=400)
        if value is not None:
            return value
    return None


def _one(
    people: People, source: str, key: str, entry: object, no_charge_id: list[str]
) -> PaymentRecord | None:
    findings = people.findings
    if not isinstance(entry, Mapping):
        findings.skip(KIND, key, "not an object")
        return None
    if user_id_of(entry.get("user_id")) is None:
        findings.skip(KIND, key, f"no user: user_id is {entry.get('user_id')!r}")
        return None
    user = people.named(entry.get("user_id"), kind=KIND, where="payments.json")
    assert user is not None
    status = _status(entry)
    if not isinstance(status, PaymentStatus):
        findings.skip(KIND, key, status)
        return None
    created = time_ms(entry.get("timestamp")) or time_ms(entry.get("created_at"))
    user.seen(created)
    rubles = findings.rubles(KIND, key, entry.get("amount", entry.get("amount_rub")))
    credited = rubles.kopecks if status is PaymentStatus.APPROVED else 0
    reviewer = user_id_of(entry.get("admin_id"))
    note = text_of(entry.get("notes"), limit=NOTE_LIMIT)
    if entry.get("balance_charged") is False:
        findings.note(
            "payments.json: some completed payments say balance_charged=false (the old bot"
            " stopped between recording and crediting them); the balance brought over is"
            " the old bot's balance, whatever it holds"
        )
    if _is_stars(key, entry):
        stars = entry.get("stars_amount")
        if isinstance(stars, bool) or not isinstance(stars, int) or stars <= 0:
            findings.skip(KIND, key, f"a Stars payment without its number of Stars ({stars!r})")
            return None
        charge = _charge_id(entry)
        if charge is None:
            no_charge_id.append(key)
        return PaymentRecord(
            key=key,
            user_id=user.user_id,
            method=PaymentMethod.STARS,
            status=status,
            amount=stars,
            currency=Currency.XTR,
            external_id=charge or f"{source}:{key}",
            created_at=created,
            credited=credited,
            reviewer_id=reviewer,
            note=note,
        )
    if rubles.kopecks <= 0:
        findings.skip(KIND, key, f"amount {rubles.original} is not a positive sum")
        return None
    proof = text_of(entry.get("screenshot_file_id"), limit=400)
    if note is None:
        note = "bank transfer" if proof is not None else "top-up by an admin"
    return PaymentRecord(
        key=key,
        user_id=user.user_id,
        method=PaymentMethod.BANK_TRANSFER,
        status=status,
        amount=rubles.kopecks,
        currency=Currency.RUB,
        external_id=f"{source}:{key}",
        created_at=created,
        credited=credited,
        proof=proof,
        reviewer_id=reviewer,
        note=note,
    )


def read_payments(data: PartnerData, people: People, source: str) -> list[PaymentRecord]:
    """Every payment of `payments.json` that comes over; the others are skipped, with why."""
    records: list[PaymentRecord] = []
    no_charge_id: list[str] = []
    for key, entry in data.document("payments.json").items():
        people.found[KIND] += 1
        record = _one(people, source, str(key), entry, no_charge_id)
        if record is not None:
            records.append(record)
    if no_charge_id:
        people.findings.note(
            f"payments.json: {len(no_charge_id)} Stars payment(s) without a Telegram charge id"
            " (the old bot did not keep it): history only, they cannot be refunded through"
            " Telegram"
        )
    return records
