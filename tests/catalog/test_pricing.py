"""Prices: exact per-unit arithmetic, rounding up to the kopeck, and no fallback."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trt_actors.catalog import Catalog, Media, Price, Tariff, Unavailable, ceil_fraction, price

from .conftest import MARKUP, RATE

CREDIT_USD = Fraction(1, 200)


def exact_kopecks(credits: Fraction, rate: Fraction, markup: Fraction) -> Fraction:
    return credits * CREDIT_USD * rate * markup * 100


def test_a_ten_second_clip_costs_ten_times_the_per_second_price(catalog: Catalog) -> None:
    avatar = catalog.model("infinitalk")
    one = price(avatar, {"audio": [Media(duration_seconds=1)]}, RATE, MARKUP)
    ten = price(avatar, {"audio": [Media(duration_seconds=10)]}, RATE, MARKUP)
    assert isinstance(one, Price) and isinstance(ten, Price)
    assert one.unit == "second" and one.unit_credits == 3
    assert ten.quantity == 10 and ten.credits == 30 == 10 * one.credits
    assert ten.kopecks == 10 * one.kopecks == 2400  # 30 cr * $0.005 * 80 RUB * 2 = 24 RUB
    assert ten.sku_id == "480p"


def test_per_second_from_an_enum_duration(catalog: Catalog) -> None:
    grok = catalog.model("grok-t2v")
    quoted = price(grok, {"duration": "10", "resolution": "720p"}, RATE, MARKUP)
    assert isinstance(quoted, Price)
    assert (quoted.quantity, quoted.unit_credits, quoted.credits) == (10, Fraction(9, 2), 45)
    assert quoted.kopecks == 3600


def test_text_to_speech_counts_thousands_of_characters(catalog: Catalog) -> None:
    tts = catalog.model("elevenlabs-tts")
    quoted = price(tts, {"text": "я" * 2500}, RATE, MARKUP)
    assert isinstance(quoted, Price)
    assert quoted.unit == "1k_chars" and quoted.quantity == Fraction(5, 2)
    assert quoted.credits == 15 and quoted.kopecks == 1200


def test_speech_to_text_counts_minutes_and_images_can_count_megapixels(catalog: Catalog) -> None:
    stt = price(
        catalog.model("elevenlabs-stt"), {"audio": [Media(duration_seconds=90)]}, RATE, MARKUP
    )
    assert (
        isinstance(stt, Price) and stt.quantity == Fraction(3, 2) and stt.credits == Fraction(21, 4)
    )
    assert stt.kopecks == 420
    qwen = price(catalog.model("qwen-image"), {"image_size": "portrait_16_9"}, RATE, MARKUP)
    assert isinstance(qwen, Price) and qwen.quantity == Fraction(9, 16) and qwen.unit == "megapixel"


def test_quantity_that_cannot_be_known_is_unavailable(catalog: Catalog) -> None:
    avatar = catalog.model("kling-avatar-std")
    missing = price(avatar, {}, RATE, MARKUP)
    unknown = price(avatar, {"audio": [Media()]}, RATE, MARKUP)
    assert isinstance(missing, Unavailable) and missing.code == "missing"
    assert isinstance(unknown, Unavailable) and unknown.code == "missing"
    too_long = price(avatar, {"audio": [Media(duration_seconds=16)]}, RATE, MARKUP)
    assert isinstance(too_long, Unavailable) and too_long.code == "invalid"


def test_rate_and_markup_are_parameters_and_floats_are_refused(catalog: Catalog) -> None:
    model = catalog.model("nano-banana-pro")
    at_90 = price(model, {"resolution": "4K"}, Decimal("90.5"), Decimal("1.5"))
    assert isinstance(at_90, Price)
    assert at_90.kopecks == ceil_fraction(
        exact_kopecks(Fraction(24), Fraction(181, 2), Fraction(3, 2))
    )
    with pytest.raises(TypeError):
        price(model, {}, 80.0, 2)
    with pytest.raises(ValueError):
        price(model, {}, 0, 2)


def test_enum_choices_pick_exactly_one_sku(catalog: Catalog) -> None:
    kling = catalog.model("kling-2-6-t2v")
    cases = {("5", False): 55, ("10", False): 110, ("5", True): 110, ("10", True): 220}
    for (duration, sound), credits in cases.items():
        quoted = price(kling, {"duration": duration, "sound": sound}, RATE, MARKUP)
        assert isinstance(quoted, Price) and quoted.credits == credits
    wrong = price(kling, {"duration": "7"}, RATE, MARKUP)
    assert isinstance(wrong, Unavailable) and wrong.code == "invalid"


rates = st.fractions(min_value=Fraction(1), max_value=Fraction(500), max_denominator=10_000)
markups = st.fractions(min_value=Fraction(1, 2), max_value=Fraction(5), max_denominator=1000)
credit_amounts = st.fractions(
    min_value=Fraction(1, 100), max_value=Fraction(1000), max_denominator=100
)


@settings(max_examples=200, deadline=None)
@given(credits=credit_amounts, rate=rates, markup=markups)
def test_kopecks_round_up_exactly(credits: Fraction, rate: Fraction, markup: Fraction) -> None:
    tariff = Tariff.of(CREDIT_USD, rate, markup)
    kopecks = tariff.kopecks(credits)
    value = exact_kopecks(credits, rate, markup)
    assert isinstance(kopecks, int)
    assert kopecks >= value > kopecks - 1


@settings(max_examples=100, deadline=None)
@given(
    seconds=st.integers(min_value=1, max_value=14),
    extra=st.fractions(min_value=0, max_value=1, max_denominator=50),
    rate=rates,
    markup=markups,
)
def test_more_seconds_never_cost_less(
    catalog: Catalog, seconds: int, extra: Fraction, rate: Fraction, markup: Fraction
) -> None:
    model = catalog.model("kling-avatar-pro")
    shorter = price(model, {"audio": [Media(duration_seconds=seconds)]}, rate, markup)
    longer = price(model, {"audio": [Media(duration_seconds=seconds + extra)]}, rate, markup)
    assert isinstance(shorter, Price) and isinstance(longer, Price)
    assert longer.kopecks >= shorter.kopecks
    exact = exact_kopecks(Fraction(16) * (seconds + extra), rate, markup)
    assert longer.kopecks >= exact > longer.kopecks - 1


@settings(max_examples=60, deadline=None)
@given(length=st.integers(min_value=1, max_value=4999), rate=rates)
def test_longer_text_never_costs_less(catalog: Catalog, length: int, rate: Fraction) -> None:
    model = catalog.model("elevenlabs-tts")
    shorter = price(model, {"text": "a" * length}, rate, MARKUP)
    longer = price(model, {"text": "a" * (length + 1)}, rate, MARKUP)
    assert isinstance(shorter, Price) and isinstance(longer, Price)
    assert longer.kopecks >= shorter.kopecks
