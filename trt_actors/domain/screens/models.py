"""A section's models (paged, each with its lowest price) and a model's card."""

from __future__ import annotations

from trt_actors.catalog import MediaInput, Model, Unavailable

from ..callbacks import encode
from ..state import JourneyState
from ..turn import Turn
from ..view import Button, Screen, grid
from .home import menu_button

PAGE_SIZE = 8  # models per page
PER_UNIT = frozenset({"second", "minute", "1k_chars", "megapixel"})


def lowest_price(turn: Turn, model: Model) -> str:
    """ "от 12 ₽" for menus, or the word for unavailable."""
    found = turn.price_range(model)
    if isinstance(found, Unavailable):
        return turn.t("price_unavailable")
    return turn.t("price_from", price=turn.money(found.low_kopecks))


def price_phrase(turn: Turn, model: Model) -> str:
    """The card's price: one amount, or a range and what it depends on."""
    found = turn.price_range(model)
    if isinstance(found, Unavailable):
        return found.reason.get(turn.language)
    if found.low_kopecks == found.high_kopecks:
        phrase = turn.money(found.low_kopecks)
    else:
        low, high = turn.money(found.low_kopecks), turn.money(found.high_kopecks)
        phrase = turn.t("price_range", low=low, high=high)
    if found.unit in PER_UNIT:
        phrase += " " + turn.t("price_per_unit", unit=turn.unit_name(found.unit))
    return phrase


def needs(turn: Turn, model: Model) -> str:
    """What the user must give: the asked inputs' labels, with file counts."""
    parts = []
    for spec in model.inputs:
        if not spec.asks_user:
            continue
        label = spec.label.get(turn.language)
        if isinstance(spec, MediaInput) and spec.max_count > 1:
            label = turn.t("needs_count", label=label, low=spec.min_count, high=spec.max_count)
        parts.append(label)
    return ", ".join(parts) if parts else turn.t("needs_nothing")


def page_of(turn: Turn, model: Model) -> int:
    """The page of its section's list that shows `model` (for Back from the card)."""
    ids = [m.id for m in turn.models(model.kind)]
    return ids.index(model.id) // PAGE_SIZE if model.id in ids else 0


def model_list(turn: Turn, state: JourneyState, kind_id: str, page: int) -> Screen | None:
    kind = turn.kind(kind_id)
    if kind is None:
        return None
    models = turn.models(kind_id)
    pages = (len(models) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    shown = models[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    buttons = [
        Button(f"{model.name} · {lowest_price(turn, model)}", encode("c", model.id))
        for model in shown
    ]
    paging = []
    if page > 0:
        paging.append(Button(turn.t("btn_prev_page"), encode("l", kind_id, page - 1)))
    if page + 1 < pages:
        paging.append(Button(turn.t("btn_next_page"), encode("l", kind_id, page + 1)))
    title = turn.t("models_title", kind=kind.name.get(turn.language))
    if pages > 1:
        title += "\n" + turn.t("page_of", page=page + 1, pages=pages)
    rows = (
        *grid(buttons, 1),
        *grid(paging, 2),
        (Button(turn.t("btn_sections"), encode("k")), menu_button(turn)),
    )
    return Screen(title, tuple(row for row in rows if row))


def card(turn: Turn, state: JourneyState, model_id: str) -> Screen | None:
    model = turn.model(model_id)
    if model is None:
        return None
    body = turn.t(
        "card",
        name=model.name,
        provider=model.provider,
        description=model.description.get(turn.language),
        needs=needs(turn, model),
        price=price_phrase(turn, model),
    )
    rows = (
        (Button(turn.t("btn_start_model"), encode("go", model.id)),),
        (
            Button(turn.t("btn_back"), encode("l", model.kind, page_of(turn, model))),
            menu_button(turn),
        ),
    )
    return Screen(body, rows)
