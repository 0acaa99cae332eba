"""One wizard step per input type, generated from the catalog's input schema.

Text and numbers are typed; enums are buttons (with each option's price when the choice
changes the price); booleans are a toggle; media steps take files of the right kind with
Done and Skip where allowed. Every step has Back, Reset and Cancel.
"""

from __future__ import annotations

from trt_actors.catalog import (
    BooleanInput,
    EnumInput,
    Input,
    MediaInput,
    MediaKind,
    Model,
    NumberInput,
    Price,
    TextInput,
    Unavailable,
)
from trt_actors.catalog import format_exact as exact_text

from ..callbacks import encode
from ..draft import catalog_params, has_value
from ..state import Draft
from ..turn import Turn
from ..view import Button, Rows, Screen, grid, stack
from .values import default_text, shown_value

UNAVAILABLE_MARK = "🚫"


def nav_row(turn: Turn, draft: Draft) -> tuple[Button, ...]:
    return (
        Button(turn.t("btn_back"), encode("bk", draft.serial)),
        Button(turn.t("btn_reset"), encode("rs", draft.serial)),
        Button(turn.t("btn_cancel"), encode("cx", draft.serial)),
    )


def media_word(turn: Turn, kind: MediaKind) -> str:
    return turn.t(f"media_{kind.value}")


def _header(turn: Turn, model: Model, draft: Draft, index: int) -> str:
    spec = model.inputs[index]
    title = f"{model.name} · {spec.label.get(turn.language)}"
    asked = [i for i, s in enumerate(model.inputs) if s.asks_user]
    if index in asked and not draft.reviewed:
        title += "\n" + turn.t("step_of", step=asked.index(index) + 1, steps=len(asked))
    hint = spec.hint.get(turn.language) if spec.hint else ""
    return f"{title}\n\n{hint}".rstrip() + "\n\n" if hint else f"{title}\n\n"


def _skip_button(turn: Turn, draft: Draft, index: int, spec: Input) -> Button | None:
    """Skip for optional inputs — not for booleans or enums with a default, whose buttons
    already show (and offer) the default."""
    if spec.asks_user or isinstance(spec, BooleanInput):
        return None
    if isinstance(spec, EnumInput) and spec.default is not None:
        return None
    default = default_text(turn, spec)
    label = turn.t("btn_keep_default", value=default) if default else turn.t("btn_skip")
    return Button(label, encode("sk", draft.serial, index))


def _text_step(turn: Turn, draft: Draft, index: int, spec: TextInput) -> tuple[str, Rows]:
    if spec.min_length > 1:
        body = turn.t("ask_text_between", low=spec.min_length, high=spec.max_length)
    else:
        body = turn.t("ask_text", high=spec.max_length)
    if spec.name in draft.values:
        body += "\n" + turn.t("now_value", value=shown_value(turn, spec, draft, 200))
    return body, ()


def _number_step(turn: Turn, draft: Draft, index: int, spec: NumberInput) -> tuple[str, Rows]:
    low, high = exact_text(spec.minimum), exact_text(spec.maximum)
    body = turn.t("ask_number", low=low, high=high)
    if spec.integer:
        body += " " + turn.t("ask_number_whole")
    elif spec.step is not None:
        body += " " + turn.t("ask_number_step", step=exact_text(spec.step))
    body += "\n" + turn.t("now_value", value=shown_value(turn, spec, draft))
    return body, ()


def option_labels(turn: Turn, model: Model, draft: Draft, spec: EnumInput) -> list[str]:
    """Each option's label, with its price when the options differ in price, and a mark on
    options the current choices make unavailable."""
    base = catalog_params(model, draft)
    quotes = [turn.price(model, {**base, spec.name: opt.value}) for opt in spec.options]
    amounts = {quote.kopecks for quote in quotes if isinstance(quote, Price)}
    chosen = draft.values.get(spec.name, spec.default)
    labels = []
    for option, quote in zip(spec.options, quotes, strict=True):
        label = option.label.get(turn.language)
        if isinstance(quote, Unavailable) and quote.code == "combination":
            label = f"{UNAVAILABLE_MARK} {label}"
        elif isinstance(quote, Price) and len(amounts) > 1:
            label = f"{label} · {turn.money(quote.kopecks)}"
        if option.value == chosen:
            label = f"✅ {label}"
        labels.append(label)
    return labels


def _enum_step(
    turn: Turn, model: Model, draft: Draft, index: int, spec: EnumInput
) -> tuple[str, Rows]:
    labels = option_labels(turn, model, draft, spec)
    buttons = [
        Button(label, encode("en", draft.serial, index, number))
        for number, label in enumerate(labels)
    ]
    columns = 1 if max(len(label) for label in labels) > 18 else 2 if len(labels) < 9 else 3
    return turn.t("ask_enum"), grid(buttons, columns)


def _boolean_step(turn: Turn, draft: Draft, index: int, spec: BooleanInput) -> tuple[str, Rows]:
    value = draft.values.get(spec.name, spec.default)
    key = "btn_toggle_on" if value is True else "btn_toggle_off"
    toggle = Button(
        turn.t(key, label=spec.label.get(turn.language)), encode("tg", draft.serial, index)
    )
    done = Button(turn.t("btn_done"), encode("dn", draft.serial, index))
    return turn.t("ask_boolean"), ((toggle,), (done,))


def _media_step(turn: Turn, draft: Draft, index: int, spec: MediaInput) -> tuple[str, Rows]:
    what = media_word(turn, spec.media)
    got = len(draft.media.get(spec.name, ()))
    if spec.max_count == 1:
        body = turn.t("ask_media_one", what=what)
    else:
        body = turn.t("ask_media_many", what=what, low=max(spec.min_count, 1), high=spec.max_count)
        body += "\n" + turn.t("media_received", count=got)
    if spec.max_duration_seconds is not None:
        body += "\n" + turn.t("media_max_seconds", seconds=exact_text(spec.max_duration_seconds))
    rows: Rows = ()
    if got and got >= spec.min_count:
        rows = ((Button(turn.t("btn_done"), encode("dn", draft.serial, index)),),)
    return body, rows


def step(turn: Turn, model: Model, draft: Draft, index: int) -> Screen:
    """The screen that asks input `index` of `model`."""
    spec = model.inputs[index]
    if isinstance(spec, TextInput):
        body, rows = _text_step(turn, draft, index, spec)
    elif isinstance(spec, NumberInput):
        body, rows = _number_step(turn, draft, index, spec)
    elif isinstance(spec, EnumInput):
        body, rows = _enum_step(turn, model, draft, index, spec)
    elif isinstance(spec, BooleanInput):
        body, rows = _boolean_step(turn, draft, index, spec)
    else:
        body, rows = _media_step(turn, draft, index, spec)
    skip = _skip_button(turn, draft, index, spec)
    extra = ((skip,),) if skip is not None else ()
    if isinstance(spec, MediaInput) and has_value(draft, spec):
        extra = ()  # Done is there; skipping would drop the files sent
    return Screen(
        _header(turn, model, draft, index) + body, stack(rows, extra, (nav_row(turn, draft),))
    )
