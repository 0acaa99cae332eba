"""The bot's texts, per language, loaded once from `texts/<language>/*.yaml`.

Each language is a folder of files, one per area of the bot (journey, money, admin, …); a
key defined in two files of one language is an error, raised at the first lookup."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"
_DIR = Path(__file__).with_name("texts")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when available


@cache
def _table(language: str) -> dict[str, str]:
    table: dict[str, str] = {}
    origin: dict[str, str] = {}
    for path in sorted((_DIR / language).glob("*.yaml")):
        loaded = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        for key, value in loaded.items():
            if str(key) in origin:
                raise ValueError(
                    f"text {key!r} of {language} in both {origin[key]} and {path.name}"
                )
            table[str(key)], origin[str(key)] = str(value), path.name
    return table


def language_for(code: str | None) -> str:
    """The bot language for a Telegram `language_code`: English for en*, else Russian."""
    return "en" if code and code.lower().startswith("en") else DEFAULT_LANGUAGE


def text(language: str, key: str, **values: object) -> str:
    """The text `key` in `language`, formatted with `values`. Raises KeyError if missing."""
    table = _table(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    return table[key].format(**values) if values else table[key]


def text_or(language: str, key: str, fallback: str) -> str:
    """The text `key` in `language`, or `fallback` when there is none (optional texts such
    as the icon of a menu section the catalog may add later)."""
    table = _table(language if language in LANGUAGES else DEFAULT_LANGUAGE)
    return table.get(key, fallback)


def keys(language: str) -> frozenset[str]:
    """Every text key of `language` (tests check both languages have the same)."""
    return frozenset(_table(language))
