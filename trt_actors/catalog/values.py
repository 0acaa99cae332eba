"""The catalog's plain values: exact numbers and texts in every language the bot speaks.

Amounts of credits, quantities and rates are Fractions, never floats. Texts shown to users
come in Russian and English.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Literal

Exact = int | Decimal | Fraction
"""A number the catalog accepts from code: never a float (and never a bool)."""


def exact(value: object, *, allow_float_text: bool = False) -> Fraction:
    """`value` as a Fraction.

    Accepts int, Decimal, Fraction and decimal strings ("0.8", "12", "1/3"). Floats are
    rejected (`TypeError`) unless `allow_float_text`, which reads a float through its shortest
    decimal text (YAML ``0.5`` becomes exactly 1/2): that is right for input constraints such
    as a slider's step, never for money. Raises `ValueError` for text that is not a number.
    """
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        return Fraction(value)
    if isinstance(value, float):
        if not allow_float_text:
            raise TypeError(f'{value!r} is a float; write it as a string, e.g. "{value}"')
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a finite number")
        return Fraction(Decimal(repr(value)))
    if isinstance(value, str):
        text = value.strip()
        try:
            return Fraction(Decimal(text)) if "/" not in text else Fraction(text)
        except (InvalidOperation, ValueError, ZeroDivisionError):
            raise ValueError(f"{value!r} is not a number") from None
    raise TypeError(f"{type(value).__name__} is not a number")


def ceil_fraction(value: Fraction) -> int:
    """The smallest integer ≥ `value`, computed exactly."""
    return -((-value.numerator) // value.denominator)


def format_exact(value: Fraction) -> str:
    """A short decimal text for `value` ("0.8", "12"); a ratio ("1/3") when not decimal."""
    if value.denominator == 1:
        return str(value.numerator)
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


Language = Literal["ru", "en"]
LANGUAGES: tuple[Language, ...] = ("ru", "en")


@dataclass(frozen=True, slots=True)
class LocalText:
    """One text in Russian and English; both are always present and non-empty."""

    ru: str
    en: str

    def get(self, language: str) -> str:
        """The text in `language`; English for any language other than Russian."""
        return self.ru if language == "ru" else self.en

    @classmethod
    def same(cls, text: str) -> LocalText:
        """A text that reads the same in every language (a ratio, a resolution, a name)."""
        return cls(ru=text, en=text)

    def __str__(self) -> str:
        return self.en
