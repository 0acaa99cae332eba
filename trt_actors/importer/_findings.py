"""What reading a source found besides records: rows skipped (and why), amounts adjusted by
the money rule, and notes for the operator. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field

from ._money import Rubles, to_kopecks

__all__ = ["Adjustment", "Findings", "Skipped"]


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record of the source that is not brought over, and why."""

    kind: str
    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class Adjustment:
    """An amount that is not exactly what the source said: rounded to whole kopecks, or
    imported as 0 because it was no amount at all (`reason`: the money rule's verdict)."""

    kind: str
    key: str
    original: str
    kopecks: int
    reason: str


@dataclass(slots=True)
class Findings:
    skipped: list[Skipped] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def skip(self, kind: str, key: object, reason: str) -> None:
        self.skipped.append(Skipped(kind, str(key), reason))

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def rubles(self, kind: str, key: object, value: object) -> Rubles:
        """`value` by the money rule; an adjustment is recorded when it changed anything."""
        amount = to_kopecks(value)
        if amount.adjusted:
            self.adjustments.append(
                Adjustment(kind, str(key), amount.original, amount.kopecks, amount.verdict.value)
            )
        return amount
