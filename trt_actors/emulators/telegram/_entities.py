"""What every parse mode produces: plain text and entities, or `EntityError`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class EntityError(ValueError):
    """The text does not parse under its parse_mode; str() is Telegram's description tail."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(slots=True)
class FormattedText:
    """The plain text and its entities (JSON-ready MessageEntity dicts)."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)


class Builder:
    """Accumulates plain text and entities while a parser walks the markup."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.offset = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.offset += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        if self.offset > start:
            self.entities.append({"type": kind, "offset": start, "length": self.offset - start})
            self.entities[-1].update(extra)

    def result(self) -> FormattedText:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return FormattedText("".join(self.parts), self.entities)


def byte_offset(text: str, index: int) -> int:
    """The UTF-8 byte offset of `text[index]`, the unit of Telegram's error positions."""
    return len(text[:index].encode())
