"""A section's models (paged, each with its lowest price) and a model's card."""

from __future__ import annotations

from trt_actors.catalog import EnumInput, MediaInput, Model, Sku, Unavailable

from ..callbacks import encode
from ..money import unit_money
from ..quota import next_reset
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
        phrase += "\n" + unit_prices(turn, model)
    return phrase


def unit_prices(turn: Turn, model: Model) -> str:
    """ "Per second: 2.40 ₽" (or a range when the SKUs differ): the price of one unit."""
    tariff = turn.context.tariff
    prices = sorted({tariff.exact_kopecks(sku.credits) for sku in model.pricing.skus})
    low, high = unit_money(prices[0], turn.language), unit_money(prices[-1], turn.language)
    shown = low if len(prices) == 1 else turn.t("price_range", low=low, high=high)
    return turn.t("card_unit_price", unit=turn.unit_name(model.pricing.unit), price=shown)


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


def free_skus(model: Model) -> tuple[Sku, ...]:
    """The prices of `model` that today's free generations cover."""
    return tuple(sku for sku in model.pricing.skus if sku.free)


def free_condition(turn: Turn, model: Model, sku: Sku) -> str:
    """When a free price applies, in the wizard's own words ("Turbo"); "" when always."""
    words = []
    for name, value in sku.when.items():
        spec = next((spec for spec in model.inputs if spec.name == name), None)
        option = spec.option(str(value)) if isinstance(spec, EnumInput) else None
        words.append(option.label.get(turn.language) if option else str(value))
    return ", ".join(words)


def free_label(turn: Turn, model: Model) -> str:
    """ "🎁 Nano Banana" or "🎁 Ideogram v3 (Turbo)": a free model as the Free screen lists it."""
    conditions = [free_condition(turn, model, sku) for sku in free_skus(model)]
    if any(not condition for condition in conditions):
        return f"🎁 {model.name}"
    return f"🎁 {model.name} ({', '.join(conditions)})"


def free_models(turn: Turn) -> list[Model]:
    """The visible models with a free price, section by section."""
    return [model for kind in turn.kinds() for model in turn.models(kind.id) if free_skus(model)]


def free_screen(turn: Turn, state: JourneyState) -> Screen:
    """🎁 Free: the models today's free generations cover, how many are left, and when the
    day's quota comes back (the tenant's day)."""
    context = turn.context
    reset = next_reset(context.now, context.settings.timezone)
    lines = [turn.t("free_title")]
    left = context.free_left_today + context.free_bonus_left
    lines.append(turn.t("free_left", left=left, per_day=context.free_per_day))
    if context.free_bonus_left:
        lines.append(turn.t("free_bonus", n=context.free_bonus_left))
    lines.append(turn.t("free_renews", at=f"{reset:%H:%M}", zone=context.settings.timezone))
    if not left:
        lines.append(turn.t("free_none_left"))
    buttons = [
        Button(free_label(turn, model), encode("c", model.id)) for model in free_models(turn)
    ]
    return Screen("\n\n".join(lines), (*grid(buttons, 1), (menu_button(turn),)))


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
        Button(
            f"{'🎁 ' if free_skus(model) else ''}{model.name} · {lowest_price(turn, model)}",
            encode("c", model.id),
        )
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
    if free_skus(model):
        conditions = [free_condition(turn, model, sku) for sku in free_skus(model)]
        when = "" if any(not c for c in conditions) else ", ".join(conditions)
        body += "\n" + (turn.t("card_free_when", when=when) if when else turn.t("card_free"))
    rows = (
        (Button(turn.t("btn_start_model"), encode("go", model.id)),),
        (
            Button(turn.t("btn_back"), encode("l", model.kind, page_of(turn, model))),
            menu_button(turn),
        ),
    )
    return Screen(body, rows)
