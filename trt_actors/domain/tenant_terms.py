"""Reading a tenant's business terms from plain values, and the effective terms.

A tenant's terms (`TenantSettings`) come from its configuration (`TRT_TENANTS` YAML, or the
plain environment) and may be overridden by an admin: each override is one row of the
`tenant_settings` table, keyed by the field's name, holding a JSON value. `parse_term` turns a
plain value (from YAML or JSON) into the field's type or says what it expects; `effective_terms`
applies the stored overrides over the configured terms. Pure: no I/O, no clock.

Money is integer kopecks and rates are exact fractions: a rate given as a float is read from
its decimal text (1.15 is 23/20, never 1.149999...).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

from .tenant_settings import TenantSettings

_NUMBER = re.compile(r"^\d+(\.\d+)?(/\d+)?$")
_MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")
MAX_TEXT = 4000


class TermError(ValueError):
    """A value that does not fit its term; the message says what the term expects."""


def _fraction(value: Any, *, at_least: Fraction) -> Fraction:
    if isinstance(value, bool):
        raise TermError("not a number")
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str) or not _NUMBER.match(value.strip()):
        raise TermError("not a number")
    number = Fraction(value.strip())
    if number < at_least or number == 0:
        raise TermError("out of range")
    return number


def _rate(value: Any) -> Fraction:
    return _fraction(value, at_least=Fraction(0))


def _markup(value: Any) -> Fraction:
    return _fraction(value, at_least=Fraction(1))


def _int(value: Any, *, low: int, high: int = 10**12) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TermError("not an integer")
    if isinstance(value, str) and not value.strip().isdigit():
        raise TermError("not an integer")
    number = int(value)
    if not low <= number <= high:
        raise TermError("out of range")
    return number


def _count(value: Any) -> int:
    return _int(value, low=0)


def _positive(value: Any) -> int:
    return _int(value, low=1)


def _user_id(value: Any) -> int:
    return _int(value, low=1, high=2**53)


def _text(value: Any) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise TermError("not a text")
    return value.strip()


def _optional_text(value: Any) -> str | None:
    return None if value is None or value == "" else _text(value)


def _timezone(value: Any) -> str:
    text = _text(value)
    if not re.match(r"^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", text):
        raise TermError("not a time zone name")
    return text


def _list(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [part for part in value.replace(" ", "").split(",") if part]
    if not isinstance(value, list | tuple | set | frozenset):
        raise TermError("not a list")
    return list(value)


def _packages(value: Any) -> tuple[int, ...]:
    packages = tuple(_positive(item) for item in _list(value))
    if not packages:
        raise TermError("empty")
    return packages


def _admins(value: Any) -> tuple[int, ...]:
    return tuple(dict.fromkeys(_user_id(item) for item in _list(value)))


def _allowances(value: Any) -> tuple[tuple[int, int], ...]:
    """Limited admins and their spending allowance in kopecks: `{12345: 50000}`, pairs
    `[[12345, 50000]]`, or the text `12345:50000, 67890:10000`."""
    if isinstance(value, Mapping):
        items: list[Any] = list(value.items())
    else:
        items = [
            tuple(item.split(":", 1)) if isinstance(item, str) else item for item in _list(value)
        ]
    pairs: dict[int, int] = {}
    for item in items:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise TermError("not id:kopecks pairs")
        pairs[_user_id(item[0])] = _count(item[1])
    return tuple(sorted(pairs.items()))


def _models(value: Any) -> frozenset[str]:
    models = [item for item in _list(value) if isinstance(item, str) and _MODEL_ID.match(item)]
    if len(models) != len(_list(value)):
        raise TermError("not model ids")
    return frozenset(models)


@dataclasses.dataclass(frozen=True, slots=True)
class Term:
    """One field of `TenantSettings`: how to read it and what it expects, in plain words."""

    parse: Callable[[Any], Any]
    expected: str
    overridable: bool = True  # an admin may change it from the panel


TERMS: dict[str, Term] = {
    "rub_per_usd": Term(_rate, "a positive number of rubles per US dollar, e.g. 95.5"),
    "markup": Term(_markup, "a number of at least 1 (the price over cost), e.g. 1.5 or 3/2"),
    "stars_rate_kopecks": Term(_positive, "what one Telegram Star credits, in kopecks, e.g. 150"),
    "stars_packages": Term(_packages, "a list of Star amounts offered, e.g. [50, 100, 250]"),
    "stars_min": Term(_positive, "the smallest custom Star amount, an integer of at least 1"),
    "stars_max": Term(_positive, "the largest custom Star amount, an integer of at least 1"),
    "free_per_day": Term(_count, "free generations per user per day, an integer from 0"),
    "timezone": Term(_timezone, "an IANA time zone name, e.g. Europe/Moscow"),
    "referral_bonus_free": Term(_count, "free generations a referral gives, an integer from 0"),
    "welcome_bonus_kopecks": Term(_count, "kopecks credited to each new user, an integer from 0"),
    "support_contact": Term(_text, "a text: how users reach support, e.g. @acme_support"),
    "bank_requisites": Term(_optional_text, "a text with the bank details, or empty for none"),
    "admins": Term(_admins, "a list of Telegram user ids, e.g. [12345, 67890]"),
    "main_admin": Term(_user_id, "one Telegram user id, e.g. 12345", overridable=False),
    "hidden_models": Term(_models, "a list of model ids to take off the menus"),
    "admin_allowances": Term(
        _allowances,
        "limited admins and their allowance in kopecks, e.g. 12345:50000, 67890:10000",
    ),
}


def parse_term(key: str, value: Any) -> Any:
    """`value` read as the term `key`; `TermError` naming what it expects otherwise."""
    term = TERMS.get(key)
    if term is None:
        raise TermError(f"not a setting; known: {', '.join(TERMS)}")
    try:
        return term.parse(value)
    except TermError:
        raise TermError(term.expected) from None


def terms_problems(terms: TenantSettings) -> list[tuple[str, str]]:
    """What is inconsistent between terms: (field, what it expects)."""
    problems = []
    if terms.stars_min > terms.stars_max:
        problems.append(("stars_min", "at most stars_max"))
    return problems


def build_terms(values: Mapping[str, Any]) -> tuple[TenantSettings, list[tuple[str, str]]]:
    """Terms from plain values (unset fields keep their defaults); with (field, expected) for
    every value that did not fit. The main admin is also an admin."""
    parsed: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, value in values.items():
        try:
            parsed[key] = parse_term(key, value)
        except TermError as exc:
            problems.append((key, str(exc)))
    terms = TenantSettings(**parsed)
    if not problems:
        problems = terms_problems(terms)
    return terms, problems


def effective_terms(
    configured: TenantSettings, overrides: Mapping[str, Any]
) -> tuple[TenantSettings, list[str]]:
    """The configured terms with the admin's stored overrides applied.

    Rows that are not overridable terms (other features' settings) are left alone; an override
    that does not parse, or that would make the terms inconsistent, is skipped and its key
    returned, so one bad row never hides the others."""
    changes: dict[str, Any] = {}
    skipped: list[str] = []
    for key, value in sorted(overrides.items()):
        term = TERMS.get(key)
        if term is None or not term.overridable:
            continue
        try:
            changes[key] = term.parse(value)
        except TermError:
            skipped.append(key)
    terms = dataclasses.replace(configured, **changes)
    for key, _ in terms_problems(terms):
        skipped.append(key)
        terms = dataclasses.replace(terms, **{key: getattr(configured, key)})
    return terms, skipped


def stored_value(key: str, value: Any) -> Any:
    """The JSON value to store for an override of `key` (exact: fractions as text)."""
    parsed = parse_term(key, value)
    if isinstance(parsed, Fraction):
        return str(parsed)
    if isinstance(parsed, tuple):
        return [list(item) if isinstance(item, tuple) else item for item in parsed]
    if isinstance(parsed, frozenset):
        return sorted(parsed)
    return parsed
