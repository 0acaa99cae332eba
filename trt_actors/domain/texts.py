"""The bot's texts, per language, loaded once from `texts/<language>.yaml`."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"
_DIR = Path(__file__).with_name("texts")


@cache
def _table(language: str) -> dict[str, str]:
    loaded = yaml.safe_load((_DIR / f"{language}.yaml").read_text(encoding="utf-8"))
    return {str(key): str(value) for key, value in loaded.items()}


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
