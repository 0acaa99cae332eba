"""Prices: SKUs in KIE credits, the unit they are counted in, and what gives the quantity.

The user price in kopecks is

    ceil(credits per unit * quantity * credit price in USD * RUB per USD * markup * 100)

computed with Fractions and rounded up to the kopeck once, at the end. A combination of
choices with no SKU is `Unavailable` with a reason; there is no fallback to another SKU.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from ._exact import ceil_fraction, exact
from ._text import LocalText

Choice = str | bool
"""The value of an enum (str) or boolean (bool) input, as SKUs match on it."""


class QuantitySource(StrEnum):
    """Where the number of units comes from."""

    ONE = "one"  # one unit per request (image, video, request)
    FIXED = "fixed"  # a constant number of units (a fixed-length clip)
    VALUE = "value"  # the value of an enum or number input (seconds, images)
    TEXT_LENGTH = "text_length"  # characters of a text input
    MEDIA_SECONDS = "media_seconds"  # total duration of the media sent for an input
    MEDIA_MEGAPIXELS = "media_megapixels"  # total size of the images sent for an input


@dataclass(frozen=True, slots=True)
class Quantity:
    """How many units a request costs: `raw / per`, where raw comes from `source`.

    `mapping` turns enum values into raw amounts (``square_hd`` → 1 megapixel).
    """

    source: QuantitySource = QuantitySource.ONE
    input: str | None = None
    per: Fraction = Fraction(1)
    fixed: Fraction | None = None
    mapping: Mapping[str, Fraction] | None = None


@dataclass(frozen=True, slots=True)
class Sku:
    """One price: `credits` per unit when every `when` input has the given value."""

    id: str
    credits: Fraction
    when: Mapping[str, Choice]
    free: bool = False
    note: str = ""

    def matches(self, choices: Mapping[str, Choice]) -> bool:
        return all(name in choices and choices[name] == value for name, value in self.when.items())


@dataclass(frozen=True, slots=True)
class UnavailableRule:
    """A combination KIE does not offer (or that has no verified price), with the reason."""

    when: Mapping[str, Choice]
    reason: LocalText

    def matches(self, choices: Mapping[str, Choice]) -> bool:
        return all(name in choices and choices[name] == value for name, value in self.when.items())


@dataclass(frozen=True, slots=True)
class Pricing:
    """A model's prices: the unit, what gives the quantity, the SKUs and the gaps."""

    unit: str
    quantity: Quantity
    skus: tuple[Sku, ...]
    unavailable: tuple[UnavailableRule, ...] = ()

    @property
    def selector_inputs(self) -> tuple[str, ...]:
        """The inputs whose values choose the SKU, in first-mention order."""
        names: dict[str, None] = {}
        for conditions in [sku.when for sku in self.skus] + [r.when for r in self.unavailable]:
            names.update(dict.fromkeys(conditions))
        return tuple(names)

    def unavailable_reason(self, choices: Mapping[str, Choice]) -> LocalText | None:
        rule = next((rule for rule in self.unavailable if rule.matches(choices)), None)
        return None if rule is None else rule.reason

    def skus_for(self, choices: Mapping[str, Choice]) -> list[Sku]:
        return [sku for sku in self.skus if sku.matches(choices)]


@dataclass(frozen=True, slots=True)
class Price:
    """What a request costs the user.

    `kopecks` is the amount to hold and charge; `credits` what KIE will take
    (`unit_credits * quantity`); `free` marks a SKU the free daily quota may cover.
    """

    kopecks: int
    credits: Fraction
    unit_credits: Fraction
    unit: str
    quantity: Fraction
    sku_id: str
    free: bool


@dataclass(frozen=True, slots=True)
class Unavailable:
    """No price: the model or this combination cannot be ordered, and `reason` says why.

    `code` is one of ``disabled``, ``combination``, ``missing``, ``invalid``, ``no_sku``.
    """

    reason: LocalText
    code: str


@dataclass(frozen=True, slots=True)
class PriceRange:
    """The lowest and highest price over every SKU and quantity bound, for menus ("from …")."""

    low_kopecks: int
    high_kopecks: int
    unit: str


@dataclass(frozen=True, slots=True)
class Tariff:
    """The terms that turn credits into kopecks: credit price, exchange rate and markup.

    All three are exact and positive. `rub_per_usd` and `markup` are tenant settings an admin
    can change; the credit price is KIE's (US$0.005).
    """

    credit_usd: Fraction
    rub_per_usd: Fraction
    markup: Fraction

    @classmethod
    def of(cls, credit_usd: object, rub_per_usd: object, markup: object) -> Tariff:
        """Build from exact values (int, Decimal, Fraction or decimal text; never float).

        Raises `TypeError` for floats and `ValueError` for values that are not positive.
        """
        values = [exact(credit_usd), exact(rub_per_usd), exact(markup)]
        if any(value <= 0 for value in values):
            raise ValueError("credit price, exchange rate and markup must all be positive")
        return cls(*values)

    def kopecks(self, credits: Fraction) -> int:
        """`credits` in kopecks, rounded up to a whole kopeck (exactly, no float)."""
        return ceil_fraction(credits * self.credit_usd * self.rub_per_usd * self.markup * 100)
