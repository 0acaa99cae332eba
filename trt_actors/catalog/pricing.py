"""Prices: SKUs in KIE credits, the unit they are counted in, what gives the quantity, and
turning a model's pricing and a user's choices into a `Price`, or saying why not.

The user price in kopecks is

    ceil(credits per unit * quantity * credit price in USD * RUB per USD * markup * 100)

computed with Fractions and rounded up to the kopeck once, at the end. A combination of
choices with no SKU is `Unavailable` with a reason; there is no fallback to another SKU.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from .inputs import (
    Choice,
    EnumInput,
    Input,
    Media,
    MediaInput,
    NumberInput,
    ParamValue,
    TextInput,
    as_number,
    check_value,
)
from .values import LocalText, ceil_fraction, exact


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
        return ceil_fraction(self.exact_kopecks(credits))

    def exact_kopecks(self, credits: Fraction) -> Fraction:
        """`credits` in kopecks, exactly (a price per unit may hold a fraction of a kopeck)."""
        return credits * self.credit_usd * self.rub_per_usd * self.markup * 100


def _missing(spec: Input) -> Unavailable:
    label = spec.label
    return Unavailable(
        LocalText(f"Сначала укажите: {label.ru}", f"Choose {label.en} first"), "missing"
    )


def _given(spec: Input, params: Mapping[str, ParamValue]) -> ParamValue | Unavailable:
    """The value in force for `spec` (given, else default), checked; or why there is none."""
    value = params.get(spec.name, spec.default)
    if value is None:
        return _missing(spec)
    problem = check_value(spec, value)
    return value if problem is None else Unavailable(problem.message, "invalid")


def _selector_choices(
    pricing: Pricing, specs: Mapping[str, Input], params: Mapping[str, ParamValue]
) -> dict[str, Choice] | Unavailable:
    choices: dict[str, Choice] = {}
    for name in pricing.selector_inputs:
        value = _given(specs[name], params)
        if isinstance(value, Unavailable):
            return value
        assert isinstance(
            value, str | bool
        )  # selectors are enum or boolean inputs (checked at load)
        choices[name] = value
    return choices


def _media_total(items: Sequence[Media], seconds: bool) -> Fraction | None:
    total = Fraction(0)
    for item in items:
        amount = item.seconds if seconds else item.mp
        if amount is None:
            return None
        total += amount
    return total


def _raw_amount(quantity: Quantity, spec: Input, value: ParamValue) -> Fraction | None:
    source = quantity.source
    if source is QuantitySource.VALUE and isinstance(value, str) and quantity.mapping:
        return quantity.mapping.get(value)
    if source is QuantitySource.VALUE:
        return exact(value) if isinstance(value, str) else as_number(value)
    if source is QuantitySource.TEXT_LENGTH and isinstance(value, str):
        return Fraction(len(value))
    if isinstance(value, Sequence) and not isinstance(value, str):
        return _media_total(value, seconds=source is QuantitySource.MEDIA_SECONDS)
    return None


def quantity_of(
    quantity: Quantity, specs: Mapping[str, Input], params: Mapping[str, ParamValue]
) -> Fraction | Unavailable:
    """The number of units a request counts, or why it cannot be known yet."""
    if quantity.source is QuantitySource.ONE:
        return Fraction(1)
    if quantity.source is QuantitySource.FIXED:
        return quantity.fixed or Fraction(1)
    assert quantity.input is not None  # checked at load
    spec = specs[quantity.input]
    value = _given(spec, params)
    if isinstance(value, Unavailable):
        return value
    amount = _raw_amount(quantity, spec, value)
    if amount is None or amount <= 0:
        reason = LocalText(
            f"Не удалось определить объём: {spec.label.ru}",  # noqa: RUF001
            f"Cannot tell how much to charge for: {spec.label.en}",
        )
        return Unavailable(reason, "missing")
    return amount / quantity.per


def quote(
    pricing: Pricing,
    inputs: Sequence[Input],
    tariff: Tariff,
    params: Mapping[str, ParamValue],
) -> Price | Unavailable:
    """The price of a request with `params`: exactly one SKU, or `Unavailable` with a reason.

    Only the inputs that choose the SKU or give the quantity are needed (so a wizard can
    show prices before the prompt is typed); absent ones take their defaults.
    """
    specs = {spec.name: spec for spec in inputs}
    choices = _selector_choices(pricing, specs, params)
    if isinstance(choices, Unavailable):
        return choices
    reason = pricing.unavailable_reason(choices)
    if reason is not None:
        return Unavailable(reason, "combination")
    skus = pricing.skus_for(choices)
    if len(skus) != 1:  # the loader proves every combination has one SKU or a rule
        shown = ", ".join(f"{name}={value}" for name, value in choices.items())
        return Unavailable(LocalText(f"Нет цены для {shown}", f"No price for {shown}"), "no_sku")
    quantity = quantity_of(pricing.quantity, specs, params)
    if isinstance(quantity, Unavailable):
        return quantity
    sku = skus[0]
    credits = sku.credits * quantity
    return Price(
        kopecks=tariff.kopecks(credits),
        credits=credits,
        unit_credits=sku.credits,
        unit=pricing.unit,
        quantity=quantity,
        sku_id=sku.id,
        free=sku.free,
    )


def quantity_bounds(
    quantity: Quantity, specs: Mapping[str, Input], sku: Sku
) -> tuple[Fraction, Fraction]:
    """The smallest and largest quantity a request priced with `sku` can count."""
    if quantity.source is QuantitySource.ONE:
        return Fraction(1), Fraction(1)
    if quantity.source is QuantitySource.FIXED:
        fixed = quantity.fixed or Fraction(1)
        return fixed, fixed
    assert quantity.input is not None
    spec = specs[quantity.input]
    low, high = _raw_bounds(quantity, spec, sku)
    return low / quantity.per, high / quantity.per


def _raw_bounds(quantity: Quantity, spec: Input, sku: Sku) -> tuple[Fraction, Fraction]:
    if isinstance(spec, EnumInput):
        chosen = sku.when.get(spec.name)
        values = [chosen] if isinstance(chosen, str) else list(spec.values)
        amounts = [quantity.mapping[v] if quantity.mapping else exact(v) for v in values]
        return min(amounts), max(amounts)
    if isinstance(spec, NumberInput):
        return spec.minimum, spec.maximum
    if isinstance(spec, TextInput):
        return Fraction(max(spec.min_length, 1)), Fraction(spec.max_length)
    assert isinstance(spec, MediaInput)
    limit = (
        spec.max_duration_seconds
        if quantity.source is QuantitySource.MEDIA_SECONDS
        else spec.max_megapixels
    )
    return Fraction(1), (limit or Fraction(1)) * spec.max_count


def price_range(pricing: Pricing, inputs: Sequence[Input], tariff: Tariff) -> PriceRange:
    """The lowest and highest price over all SKUs and the quantity's bounds."""
    specs = {spec.name: spec for spec in inputs}
    lows: list[int] = []
    highs: list[int] = []
    for sku in pricing.skus:
        low, high = quantity_bounds(pricing.quantity, specs, sku)
        lows.append(tariff.kopecks(sku.credits * low))
        highs.append(tariff.kopecks(sku.credits * high))
    return PriceRange(min(lows), max(highs), pricing.unit)
