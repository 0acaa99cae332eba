"""Turning raw pricing into checked `Pricing`, and proving every combination is covered.

Coverage: for the product of the values of every input that chooses a SKU, each combination
must match exactly one SKU, or at least one `unavailable` rule (and not both). So `price`
never meets a combination the catalog did not decide on.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from ._build_inputs import text_of
from ._inputs import BooleanInput, EnumInput, Input, MediaInput, MediaKind, NumberInput, TextInput
from ._pricing import Choice, Pricing, Quantity, QuantitySource, Sku, UnavailableRule
from ._problems import Problems
from ._raw import RawPricing, RawQuantity

MAX_COMBINATIONS = 20_000


def _when(
    raw: Mapping[str, Any], specs: Mapping[str, Input], problems: Problems
) -> dict[str, Choice] | None:
    when: dict[str, Choice] = {}
    for name, value in raw.items():
        spec, here = specs.get(name), problems.at(name)
        if spec is None:
            here.add(f"refers to unknown input {name!r}")
        elif isinstance(spec, EnumInput):
            if isinstance(value, str) and value in spec.values:
                when[name] = value
            else:
                here.add(
                    f"{value!r} is not one of {list(spec.values)}"
                    + (" (quote it)" if not isinstance(value, str) else "")
                )
        elif isinstance(spec, BooleanInput):
            if isinstance(value, bool):
                when[name] = value
            else:
                here.add(f"{value!r} is not true or false")
        else:
            here.add(f"input {name!r} is not an enum or boolean, so it cannot choose a price")
    return when if len(when) == len(raw) else None


def _quantity(raw: RawQuantity | None, specs: Mapping[str, Input], problems: Problems) -> Quantity:
    if raw is None:
        return Quantity()
    per = (
        problems.at("per").exact(raw.per, money=True, positive=True)
        if raw.per is not None
        else Fraction(1)
    )
    if raw.fixed is not None:
        fixed = problems.at("fixed").exact(raw.fixed, money=True, positive=True)
        return Quantity(QuantitySource.FIXED, fixed=fixed)
    spec = specs.get(raw.input or "")
    if spec is None:
        problems.at("input").add(f"refers to unknown input {raw.input!r}")
        return Quantity()
    source = _source(raw, spec, problems)
    mapping = None
    if raw.map is not None:
        mapping = {
            key: problems.at(f"map.{key}").exact(value, money=True, positive=True)
            for key, value in raw.map.items()
        }
        if not isinstance(spec, EnumInput) or set(mapping) != set(spec.values):
            problems.at("map").add("map must give an amount for every value of an enum input")
    elif isinstance(spec, EnumInput):
        for value in spec.values:
            try:
                Fraction(value)
            except ValueError:
                problems.at("input").add(
                    f"value {value!r} of {spec.name!r} is not a number: add a map"
                )
    return Quantity(source, spec.name, per or Fraction(1), None, mapping)  # type: ignore[arg-type]


def _source(raw: RawQuantity, spec: Input, problems: Problems) -> QuantitySource:
    expected: dict[str, tuple[type, ...]] = {
        "value": (EnumInput, NumberInput),
        "text_length": (TextInput,),
        "seconds": (MediaInput,),
        "megapixels": (MediaInput,),
    }
    measure = raw.measure or ("text_length" if isinstance(spec, TextInput) else "value")
    if not isinstance(spec, expected[measure]):
        problems.at("measure").add(f"{measure!r} does not fit {type(spec).__name__} {spec.name!r}")
    if isinstance(spec, MediaInput):
        if measure == "seconds" and (
            spec.media not in (MediaKind.AUDIO, MediaKind.VIDEO)
            or spec.max_duration_seconds is None
        ):
            problems.at("measure").add(
                "seconds need an audio or video input with max_duration_seconds"
            )
        if measure == "megapixels" and (
            spec.media is not MediaKind.IMAGE or spec.max_megapixels is None
        ):
            problems.at("measure").add("megapixels need an image input with max_megapixels")
    return {
        "value": QuantitySource.VALUE,
        "text_length": QuantitySource.TEXT_LENGTH,
        "seconds": QuantitySource.MEDIA_SECONDS,
        "megapixels": QuantitySource.MEDIA_MEGAPIXELS,
    }[measure]


def build_pricing(
    raw: RawPricing, inputs: Sequence[Input], units: set[str], problems: Problems
) -> Pricing:
    """The model's pricing; every problem (unknown unit or input, float money…) is recorded."""
    specs = {spec.name: spec for spec in inputs}
    if raw.unit not in units:
        problems.at("unit").add(f"unknown unit {raw.unit!r} (known: {', '.join(sorted(units))})")
    quantity = _quantity(raw.quantity, specs, problems.at("quantity"))
    skus: list[Sku] = []
    for index, entry in enumerate(raw.skus):
        here = problems.at(f"skus[{index}]")
        credits = here.at("credits").exact(entry.credits, money=True)
        when = _when(entry.when, specs, here.at("when"))
        if credits is not None and when is not None:
            skus.append(Sku(entry.id, credits, when, entry.free, entry.note))
    ids = [sku.id for sku in raw.skus]
    for duplicate in sorted({sku_id for sku_id in ids if ids.count(sku_id) > 1}):
        problems.at("skus").add(f"duplicate SKU id {duplicate!r}")
    rules: list[UnavailableRule] = []
    for index, rule in enumerate(raw.unavailable):
        when = _when(rule.when, specs, problems.at(f"unavailable[{index}].when"))
        if when is not None:
            rules.append(UnavailableRule(when, text_of(rule.reason)))
    pricing = Pricing(raw.unit, quantity, tuple(skus), tuple(rules))
    if len(skus) == len(raw.skus) and len(rules) == len(raw.unavailable):
        check_coverage(pricing, specs, problems)
    return pricing


def _domain(spec: Input) -> list[Choice]:
    if isinstance(spec, BooleanInput):
        return [False, True]
    assert isinstance(spec, EnumInput)
    return list(spec.values)


def check_coverage(pricing: Pricing, specs: Mapping[str, Input], problems: Problems) -> None:
    """Record every combination of SKU-choosing values with no SKU, two SKUs, or a clash."""
    names = pricing.selector_inputs
    for name in names:
        spec = specs[name]
        if not spec.required and getattr(spec, "default", None) is None:
            problems.at(f"inputs.{name}").add(
                "chooses a price, so it must be required or have a default"
            )
    domains = [_domain(specs[name]) for name in names]
    size = 1
    for domain in domains:
        size *= len(domain)
    if size > MAX_COMBINATIONS:
        problems.add(f"{size} price combinations: too many to check (max {MAX_COMBINATIONS})")
        return
    for values in itertools.product(*domains):
        choices = dict(zip(names, values, strict=True))
        shown = (
            ", ".join(f"{name}={value}" for name, value in choices.items()) or "the default request"
        )
        matching = pricing.skus_for(choices)
        blocked = pricing.unavailable_reason(choices) is not None
        if len(matching) > 1:
            problems.at("skus").add(f"SKUs {[sku.id for sku in matching]} all match {shown}")
        elif matching and blocked:
            problems.at("unavailable").add(
                f"{shown} is both priced (SKU {matching[0].id!r}) and unavailable"
            )
        elif not matching and not blocked:
            problems.at("skus").add(f"no SKU and no unavailable rule for {shown}")
