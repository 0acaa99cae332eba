"""Texts shown to users, in every language the bot speaks (Russian and English)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
