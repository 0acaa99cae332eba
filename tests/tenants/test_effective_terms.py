"""The effective terms: configured values with the admin's stored overrides (pure)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.tenant_terms import (
    TermError,
    build_terms,
    effective_terms,
    parse_term,
    stored_value,
)

CONFIGURED = TenantSettings(markup=Fraction(3, 2), free_per_day=5, admins=(1,), main_admin=1)


def test_overrides_replace_configured_values_exactly() -> None:
    terms, skipped = effective_terms(
        CONFIGURED,
        {"markup": "1.15", "rub_per_usd": 95.5, "free_per_day": 2, "admins": [1, 2]},
    )
    assert skipped == []
    assert terms.markup == Fraction(23, 20)  # from the decimal text, never a binary float
    assert terms.rub_per_usd == Fraction(191, 2)
    assert terms.free_per_day == 2 and terms.is_admin(2)
    assert CONFIGURED.free_per_day == 5  # the configured terms are untouched


def test_rows_that_are_not_terms_are_left_alone_and_bad_ones_skipped() -> None:
    terms, skipped = effective_terms(
        CONFIGURED,
        {"broadcast_cursor": 17, "markup": "cheap", "free_per_day": -1, "main_admin": 99},
    )
    assert terms == CONFIGURED  # main_admin is never overridden from storage
    assert skipped == ["free_per_day", "markup"]


def test_an_override_that_breaks_consistency_is_skipped() -> None:
    terms, skipped = effective_terms(CONFIGURED, {"stars_min": 20_000})
    assert skipped == ["stars_min"] and terms.stars_min == CONFIGURED.stars_min


@pytest.mark.parametrize(
    ("key", "value", "stored"),
    [
        ("markup", 1.2, "6/5"),
        ("stars_packages", "50, 100", [50, 100]),
        ("hidden_models", ["b", "a"], ["a", "b"]),
        ("bank_requisites", "", None),
        ("welcome_bonus_kopecks", "5000", 5000),
    ],
)
def test_stored_values_are_plain_json_that_reads_back_the_same(
    key: str, value: object, stored: object
) -> None:
    assert stored_value(key, value) == stored
    assert parse_term(key, stored) == parse_term(key, value)


def test_unknown_terms_and_bad_values_say_what_they_expect() -> None:
    with pytest.raises(TermError, match="not a setting"):
        parse_term("colour", "red")
    with pytest.raises(TermError, match="a number of at least 1"):
        parse_term("markup", "0.9")
    _, problems = build_terms({"stars_min": 50, "stars_max": 10})
    assert problems == [("stars_min", "at most stars_max")]
