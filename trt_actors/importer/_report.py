"""What an import did, per partner: counts per kind, what was skipped and why, amounts the
money rule adjusted, the money before and after — as text for the operator and as JSON.

The money check: the balances as the source wrote them (rubles, summed exactly), what the
rule keeps of them (kopecks, each balance rounded half to even), and what our ledger holds as
opening credits from this source after the run. The last two must agree to the kopeck; the
first differs from them by the rounding of the adjusted values only, each of which is listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ._findings import Adjustment, Skipped
from ._writer import Tally

__all__ = ["KINDS", "MoneyCheck", "PartnerReport", "Report", "rubles_text"]

KINDS = (
    "user",
    "balance",
    "payment",
    "generation",
    "referral",
    "bonus",
    "free_uses",
    "allowance",
)
SHOWN = 20  # lines of each list in the text report; the JSON has them all


def rubles_text(kopecks: int) -> str:
    sign = "-" if kopecks < 0 else ""
    whole, part = divmod(abs(kopecks), 100)
    return f"{sign}{whole}.{part:02d} ₽"


@dataclass(frozen=True, slots=True)
class MoneyCheck:
    """The balances' money: in the source, kept by the rule, credited here."""

    in_source: Decimal  # rubles, exactly as written (real amounts only)
    kept: int  # kopecks after the rule
    credited: int | None  # kopecks of opening credits from the source here (None: dry run)
    not_amounts: int  # balances that were no amount (negative, NaN, ...): imported as 0

    @property
    def rounding(self) -> Decimal:
        """Kopecks the rounding moved in total (kept - in the source)."""
        return Decimal(self.kept) - self.in_source * 100

    @property
    def rounding_text(self) -> str:
        """`rounding` as plain decimal text, signed (``-0.5``, ``+0``)."""
        text = format(self.rounding.normalize(), "f")
        return text if text.startswith("-") else "+" + text

    @property
    def agree(self) -> bool | None:
        """Kept and credited agree to the kopeck (None in a dry run: nothing credited)."""
        return None if self.credited is None else self.kept == self.credited


@dataclass(slots=True)
class PartnerReport:
    partner: str
    tenant: str
    dry_run: bool
    found: dict[str, int]
    tallies: dict[str, Tally]
    money: MoneyCheck
    skipped: list[Skipped] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    known_here: int = 0

    def skipped_count(self, kind: str) -> int:
        """Records of `kind` not brought over (when reading the source, or when writing)."""
        return sum(1 for skipped in self.skipped if skipped.kind == kind)

    def lines(self) -> list[str]:
        verb = "would bring" if self.dry_run else "brought"
        out = [
            f"partner {self.partner} → tenant {self.tenant}{' (dry run)' if self.dry_run else ''}"
        ]
        width = max(len(kind) for kind in KINDS)
        for kind in KINDS:
            tally = self.tallies.get(kind, Tally())
            out.append(
                f"  {kind:<{width}}  found {self.found.get(kind, 0):>6}  {verb} {tally.imported:>6}"
                f"  already here {tally.already:>6}  skipped {self.skipped_count(kind):>5}"
                f"  nothing to bring {tally.nothing:>5}"
            )
        money = self.money
        check = {None: "nothing credited in a dry run", True: "agree", False: "DO NOT AGREE"}
        credited = "-" if money.credited is None else rubles_text(money.credited)
        out.append(
            f"  money: balances in the source {money.in_source} ₽; kept {rubles_text(money.kept)}"
            f" (each rounded half to even to the kopeck: {money.rounding_text} kopecks in all);"
            f" opening credits here {credited}: {check[money.agree]}"
        )
        if money.not_amounts:
            out.append(f"  {money.not_amounts} balance(s) were no amount and came over as 0")
        if self.known_here:
            out.append(f"  {self.known_here} user(s) were known here already: their profile kept")
        out += _listed(
            "amounts adjusted by the money rule",
            [
                f"{a.kind} {a.key}: {a.original} → {rubles_text(a.kopecks)} ({a.reason})"
                for a in self.adjustments
            ],
        )
        out += _listed("skipped", [f"{s.kind} {s.key}: {s.reason}" for s in self.skipped])
        out += _listed("unreadable files", [f"{n}: {p}" for n, p in self.unreadable])
        out += _listed("notes", self.notes)
        return out

    def to_json(self) -> dict[str, Any]:
        money = self.money
        return {
            "partner": self.partner,
            "tenant": self.tenant,
            "dry_run": self.dry_run,
            "counts": {
                kind: {
                    "found": self.found.get(kind, 0),
                    "imported": self.tallies.get(kind, Tally()).imported,
                    "already": self.tallies.get(kind, Tally()).already,
                    "skipped": self.skipped_count(kind),
                    "nothing": self.tallies.get(kind, Tally()).nothing,
                }
                for kind in KINDS
            },
            "money": {
                "balances_in_source_rubles": str(money.in_source),
                "balances_kept_kopecks": money.kept,
                "opening_credited_kopecks": money.credited,
                "rounding_kopecks": money.rounding_text,
                "balances_not_amounts": money.not_amounts,
                "agree": money.agree,
                "rule": "Decimal(str(rubles)).quantize(Decimal('0.01'), ROUND_HALF_EVEN)",
            },
            "adjustments": [
                {
                    "kind": a.kind,
                    "key": a.key,
                    "original": a.original,
                    "kopecks": a.kopecks,
                    "reason": a.reason,
                }
                for a in self.adjustments
            ],
            "skipped": [{"kind": s.kind, "key": s.key, "reason": s.reason} for s in self.skipped],
            "unreadable": [{"file": n, "problem": p} for n, p in self.unreadable],
            "known_here": self.known_here,
            "notes": list(self.notes),
        }


def _listed(title: str, items: list[str]) -> list[str]:
    if not items:
        return []
    out = [f"  {title} ({len(items)}):"]
    out += [f"    {item}" for item in items[:SHOWN]]
    if len(items) > SHOWN:
        out.append(f"    … and {len(items) - SHOWN} more (all of them in --report-json)")
    return out


@dataclass(slots=True)
class Report:
    """The whole run: the source, and each partner brought over."""

    source: str
    dry_run: bool
    partners: list[PartnerReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def money_agrees(self) -> bool:
        """No partner's money disagrees (a dry run credits nothing and disagrees with nothing)."""
        return all(p.money.agree is not False for p in self.partners)

    def text(self) -> str:
        head = "dry run: nothing was written" if self.dry_run else "import"
        lines = [f"trt import trt: {head}; source {self.source}"]
        lines += [f"  {note}" for note in self.notes]
        for partner in self.partners:
            lines += partner.lines()
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "dry_run": self.dry_run,
            "money_agrees": self.money_agrees,
            "notes": list(self.notes),
            "partners": [p.to_json() for p in self.partners],
        }
