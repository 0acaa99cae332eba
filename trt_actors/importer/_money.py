"""The old bot's money — rubles as JSON floats — as integer kopecks, by one rule.

The rule: take the value's decimal text (for a float, Python's shortest repr, which is what
the old bot wrote into its JSON: 48.125 reads "48.125", 0.1 + 0.2 reads
"0.30000000000000004"), and round it to whole kopecks half to even::

    Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)

So 48.125 becomes 48.12 ₽ and 48.135 becomes 48.14 ₽; 152.37 stays 152.37 ₽ exactly. Every
value that was not a whole number of kopecks is reported with its original text. A value that
is not a finite number, is negative, or is beyond any real amount is imported as 0 and
reported with its original text. Pure.
"""

from __future__ import annotations

import enum
import json
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

__all__ = ["KOPECK", "MAX_KOPECKS", "Rubles", "Verdict", "to_kopecks"]

KOPECK = Decimal("0.01")
MAX_KOPECKS = 10**15  # the largest amount the ledger takes in one operation
_MAX_RUBLES = Decimal(MAX_KOPECKS) / 100


class Verdict(enum.StrEnum):
    """What the rule made of a value."""

    EXACT = "exact"  # a whole number of kopecks: kept as it was
    ROUNDED = "rounded"  # not a whole number of kopecks: rounded half to even
    NEGATIVE = "negative"  # below zero: imported as 0
    NOT_A_NUMBER = "not a number"  # NaN, infinite, text, null, true/false: imported as 0
    TOO_LARGE = "too large"  # beyond any real amount: imported as 0


@dataclass(frozen=True, slots=True)
class Rubles:
    """One amount of the source: its original text and the kopecks we keep (never below 0)."""

    original: str
    kopecks: int
    verdict: Verdict
    exact: Decimal | None  # the value in rubles as written (None when not a number)

    @property
    def adjusted(self) -> bool:
        """True when the kopecks are not exactly the original value."""
        return self.verdict is not Verdict.EXACT

    @property
    def usable(self) -> bool:
        """True when the value was a real amount (exact or rounded)."""
        return self.verdict in (Verdict.EXACT, Verdict.ROUNDED)


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _json_text(value: object) -> str:
    """How JSON writes `value` (48.125, NaN, null, true), or its repr for anything else."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def to_kopecks(value: object) -> Rubles:
    """`value` (rubles as the source wrote them) by the rule above."""
    original = value if isinstance(value, str) else _json_text(value)
    number = _decimal(value)
    if number is None:
        return Rubles(original, 0, Verdict.NOT_A_NUMBER, None)
    if number < 0:
        return Rubles(original, 0, Verdict.NEGATIVE, number)
    if number > _MAX_RUBLES:
        return Rubles(original, 0, Verdict.TOO_LARGE, number)
    rounded = number.quantize(KOPECK, rounding=ROUND_HALF_EVEN)
    kopecks = int(rounded * 100)
    verdict = Verdict.EXACT if rounded == number else Verdict.ROUNDED
    return Rubles(original, kopecks, verdict, number)
