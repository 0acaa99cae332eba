"""Fixtures for the catalog tests: the real catalog (loaded once) and sample requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

import pytest

from trt_actors.catalog import (
    BooleanInput,
    Catalog,
    EnumInput,
    Media,
    MediaInput,
    Model,
    NumberInput,
    ParamValue,
    TextInput,
    load_catalog,
)

RATE = Fraction(80)
MARKUP = Fraction(2)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


def sample_value(spec: object) -> ParamValue:
    """A valid value for an input, as a user could give it."""
    if isinstance(spec, TextInput):
        return "a red fox in the snow"[: spec.max_length].ljust(max(spec.min_length, 3), "x")
    if isinstance(spec, EnumInput):
        return spec.default if spec.default is not None else spec.values[0]
    if isinstance(spec, NumberInput):
        return spec.default if spec.default is not None else spec.minimum
    if isinstance(spec, BooleanInput):
        return bool(spec.default)
    assert isinstance(spec, MediaInput)
    seconds = min(spec.max_duration_seconds or Fraction(5), Fraction(5))
    megapixels = min(spec.max_megapixels or Fraction(1), Fraction(1))
    return [Media(duration_seconds=seconds, megapixels=megapixels)] * max(spec.min_count, 1)


def sample_params(model: Model) -> dict[str, ParamValue]:
    """Everything the wizard must ask, answered; media inputs get one file (or their minimum)."""
    return {
        spec.name: sample_value(spec)
        for spec in model.inputs
        if spec.asks_user or isinstance(spec, MediaInput)
    }


def sample_urls(params: Mapping[str, ParamValue], model: Model) -> dict[str, Sequence[str]]:
    urls: dict[str, Sequence[str]] = {}
    for spec in model.inputs:
        if isinstance(spec, MediaInput) and spec.name in params:
            given = params[spec.name]
            assert isinstance(given, list)
            urls[spec.name] = [f"https://files.example/{spec.name}/{i}" for i in range(len(given))]
    return urls
