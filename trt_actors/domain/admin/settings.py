"""The admin's Settings: every business term an admin may change, its value in force, and
changing or resetting it (each change audited by the tenant's terms)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from ..callbacks import Args, encode
from ..moves import Move
from ..state import JourneyState
from ..tenant_terms import TERMS
from ..turn import Turn
from ..updates import Incoming, Kind
from ..view import Button, Screen, grid
from .facts import ChangeTerm, ResetTerm
from .screens import back

EDITABLE = tuple(key for key, term in TERMS.items() if term.overridable)


def shown(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, Fraction):
        return str(value) if value.denominator == 1 else f"{float(value):g} ({value})"
    if isinstance(value, tuple | list | set | frozenset):
        return ", ".join(str(item) for item in sorted(value)) or "—"
    return str(value)


def listing(turn: Turn, state: JourneyState) -> Screen:
    terms = turn.context.settings
    tariff = turn.context.tariff
    current = {
        **{key: getattr(terms, key) for key in EDITABLE},
        "rub_per_usd": terms.rub_per_usd or tariff.rub_per_usd,
        "markup": terms.markup or tariff.markup,
    }
    lines = "\n".join(f"• {key}: {shown(current[key])}" for key in EDITABLE)
    buttons = [Button(key, encode("an", key)) for key in EDITABLE]
    return Screen(turn.t("adm_settings", lines=lines), (*grid(buttons, 2), (back(turn),)))


def term(turn: Turn, state: JourneyState, key: str) -> Screen | None:
    if key not in EDITABLE:
        return None
    value = shown(getattr(turn.context.settings, key))
    text = turn.t("adm_term", name=key, value=value, expected=TERMS[key].expected)
    rows = (
        (Button(turn.t("adm_btn_term_reset"), encode("anr", key)),),
        (Button(turn.t("adm_btn_settings"), encode("an")), back(turn)),
    )
    return Screen(text, rows)


@dataclass(frozen=True, slots=True)
class TermArgs(Args):
    """`an|<key>`, `anr|<key>`: one business term; the list when left out."""

    key: str = ""


def open_term(turn: Turn, state: JourneyState, args: TermArgs) -> Move | None:
    key = args.key
    if not key:
        return Move(state.at("an"))
    if key not in EDITABLE:
        return None
    return Move(replace(state.at(f"an|{key}"), awaiting=f"an:{key}"))


def reset_term(turn: Turn, state: JourneyState, args: TermArgs) -> Move | None:
    key = args.key
    if key not in EDITABLE:
        return None
    return Move(state.at(f"an|{key}"), effects=(ResetTerm(turn.user_id, key),))


def typed_value(turn: Turn, state: JourneyState, incoming: Incoming) -> Move | None:
    key = (state.awaiting or "").split(":", 1)[-1]
    if key not in EDITABLE or incoming.kind is not Kind.TEXT or not incoming.text.strip():
        return Move(state, note=turn.t("adm_term_hint"))
    after = replace(state.at("an"), awaiting=None)
    return Move(after, effects=(ChangeTerm(turn.user_id, key, incoming.text.strip()),))
