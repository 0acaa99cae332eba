"""Money as users read it: integer kopecks shown as roubles ("12 ₽", "0,64 ₽", "1 250,50 ₽")."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def money(kopecks: int, language: str) -> str:
    """`kopecks` in roubles: whole roubles without decimals, else two; grouped thousands.

    Russian uses a comma for decimals and a thin space for thousands; English a dot and a comma.
    """
    sign = "-" if kopecks < 0 else ""
    roubles, rest = divmod(abs(kopecks), 100)
    if language == "ru":
        whole, point = f"{roubles:,}".replace(",", "\u202f"), ","
    else:
        whole, point = f"{roubles:,}", "."
    amount = whole if rest == 0 else f"{whole}{point}{rest:02d}"
    return f"{sign}{amount} ₽"


def unit_money(kopecks: Fraction, language: str) -> str:
    """A price per unit, which need not be a whole number of kopecks: as `money` when it is,
    else in roubles to four decimals (a unit of 1,000 characters may cost 0.2375 ₽), marked
    "≈" when even four do not hold it exactly."""
    if kopecks.denominator == 1:
        return money(int(kopecks), language)
    roubles = Decimal(kopecks.numerator) / Decimal(kopecks.denominator) / 100
    shown = roubles.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    exact = Fraction(shown) * 100 == kopecks
    whole, _, decimals = f"{shown:,.4f}".partition(".")
    decimals = decimals.rstrip("0").ljust(2, "0")
    if language == "ru":
        whole, point = whole.replace(",", "\u202f"), ","
    else:
        point = "."
    return f"{'' if exact else '≈'}{whole}{point}{decimals} ₽"
