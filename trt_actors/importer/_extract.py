"""One partner of the old bot, read into records: the pure half of the import.

`extract` reads every logical file of a partner (`PartnerData`) into the records the writer
brings over — users with their balance, bonus and today's free uses; payments; generations;
referrals; limited admins' allowances — and `Findings`: what is skipped and why, amounts the
money rule adjusted, notes. It does no I/O and changes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from ._allowances import read_admin_limits, read_bonus_bank, read_free_today
from ._findings import Findings
from ._generations import read_generations
from ._payments import read_payments
from ._people import People, read_people
from ._records import (
    AllowanceRecord,
    GenerationRecord,
    PaymentRecord,
    ReferralRecord,
    UserRecord,
)
from ._referrals import read_referrals
from ._source import PartnerData

__all__ = ["SOURCE_PREFIX", "Extract", "extract", "source_name"]

SOURCE_PREFIX = "trt"
NOT_CARRIED = {
    "balance_deductions.json": "the old bot's charge records (the balance is what counts)",
    "free_deductions.json": "the old bot's free-use records",
    "hourly_free_usage.json": "a free quota the old bot no longer used",
    "promocodes.json": "promo codes (create them again: /newpromo or the admin panel)",
    "broadcasts.json": "past broadcasts",
    "currency_rate.json": "a legacy exchange rate (prices come from the catalog)",
}


def source_name(partner: str) -> str:
    """How records of `partner` are remembered here: ``trt:<partner>``."""
    return f"{SOURCE_PREFIX}:{partner}"


@dataclass(slots=True)
class Extract:
    """Everything one partner brings over, and what reading it found."""

    partner: str
    users: dict[int, UserRecord]
    payments: list[PaymentRecord]
    generations: list[GenerationRecord]
    referrals: list[ReferralRecord]
    allowances: list[AllowanceRecord]
    findings: Findings
    found: Counter[str] = field(default_factory=Counter)
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    @property
    def source(self) -> str:
        return source_name(self.partner)

    def balance_totals(self) -> tuple[Decimal, int]:
        """The balances as the source has them (rubles, exactly as written, real amounts
        only) and what the money rule keeps of them (kopecks)."""
        written = Decimal(0)
        kept = 0
        for user in self.users.values():
            if user.balance is not None and user.balance.usable:
                assert user.balance.exact is not None
                written += user.balance.exact
                kept += user.balance.kopecks
        return written, kept

    def payments_of(self) -> dict[int, list[PaymentRecord]]:
        grouped: dict[int, list[PaymentRecord]] = {}
        for payment in self.payments:
            grouped.setdefault(payment.user_id, []).append(payment)
        return grouped

    def generations_of(self) -> dict[int, list[GenerationRecord]]:
        grouped: dict[int, list[GenerationRecord]] = {}
        for generation in self.generations:
            grouped.setdefault(generation.user_id, []).append(generation)
        return grouped


def extract(
    data: PartnerData, today: datetime.date, models: Mapping[str, str] | None = None
) -> Extract:
    """Read every record of `data`; `today` is the destination's quota day (whose free uses
    are carried over); `models` maps the old bot's model ids to our catalog's (`model_ids`;
    none: every old id is kept)."""
    findings = Findings()
    found: Counter[str] = Counter()
    people = People(findings, found)
    read_people(data, people)
    payments = read_payments(data, people, source_name(data.partner))
    generations = read_generations(data, people, models or {})
    referrals = read_referrals(data, people)
    read_bonus_bank(data, people)
    read_free_today(data, people, today)
    allowances = read_admin_limits(data, people)
    found["user"] = len(people.users)
    for name, what in NOT_CARRIED.items():
        held = data.document(name)
        if held:
            findings.note(f"{name}: not carried over: {what}")
    unreadable = data.problems()
    for name, problem in unreadable:
        findings.note(f"{name}: could not be read ({problem})")
    return Extract(
        partner=data.partner,
        users=people.users,
        payments=payments,
        generations=generations,
        referrals=referrals,
        allowances=allowances,
        findings=findings,
        found=found,
        unreadable=unreadable,
    )
