"""How a draft's values read on screens: option labels, yes/no, numbers, file counts."""

from __future__ import annotations

from fractions import Fraction

from trt_actors.catalog import (
    EnumInput,
    Input,
    MediaInput,
    NumberInput,
    TextInput,
)
from trt_actors.catalog import format_exact as exact_text

from ..state import Draft
from ..turn import Turn
from ..view import fit

SUMMARY_VALUE = 300  # characters of a long text shown on the confirmation
BUTTON_VALUE = 24  # characters of a value shown on a settings button


def _number(text: str) -> Fraction | None:
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None


def _plain(turn: Turn, spec: Input, value: str | bool | Fraction) -> str:
    if isinstance(spec, EnumInput) and isinstance(value, str):
        option = spec.option(value)
        return option.label.get(turn.language) if option else value
    if isinstance(value, bool):
        return turn.t("value_yes") if value else turn.t("value_no")
    if isinstance(value, Fraction):
        return exact_text(value)
    return value


def shown_value(turn: Turn, spec: Input, draft: Draft, limit: int = SUMMARY_VALUE) -> str:
    """The value in force for `spec`: what the user gave, else the default, else a dash."""
    if isinstance(spec, MediaInput):
        count = len(draft.media.get(spec.name, ()))
        return turn.t("value_files", count=count) if count else turn.t("value_unset")
    given = draft.values.get(spec.name)
    if given is not None:
        value: str | bool | Fraction = given
        if isinstance(spec, NumberInput) and isinstance(given, str):
            value = _number(given) or given
        return fit(_plain(turn, spec, value), limit) or turn.t("value_empty")
    default = spec.default
    if default is None or (isinstance(spec, TextInput) and default == ""):
        return turn.t("value_unset")
    return turn.t("value_default", value=fit(_plain(turn, spec, default), limit))


def default_text(turn: Turn, spec: Input) -> str | None:
    """The default of `spec` as text, or None when it has none."""
    default = spec.default
    if default is None or isinstance(spec, MediaInput):
        return None
    if isinstance(default, str | bool | Fraction) and not isinstance(spec, TextInput):
        return _plain(turn, spec, default)
    return default if isinstance(default, str) and default else None
