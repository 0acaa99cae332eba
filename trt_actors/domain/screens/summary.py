"""The settings list, the confirmation and the "starting" screen of the wizard."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from trt_actors.catalog import Model, Price

from ..callbacks import encode
from ..money import unit_money
from ..order import Order, assess
from ..quota import next_reset
from ..state import Draft, JourneyState
from ..turn import Turn
from ..view import Button, Screen, grid, stack
from .home import menu_button
from .models import PER_UNIT
from .steps import nav_row
from .values import BUTTON_VALUE, shown_value


def settings(turn: Turn, model: Model, draft: Draft) -> Screen:
    """Every input with its value in force; any can be changed, or go on to confirmation."""
    buttons = [
        Button(
            f"{spec.label.get(turn.language)}: {shown_value(turn, spec, draft, BUTTON_VALUE)}",
            encode("in", draft.serial, index),
        )
        for index, spec in enumerate(model.inputs)
    ]
    go_on = (Button(turn.t("btn_continue"), encode("nx", draft.serial)),)
    body = turn.t("settings_title", model=model.name)
    return Screen(body, stack(grid(buttons, 1), (go_on,), (nav_row(turn, draft),)))


def _parameter_lines(turn: Turn, model: Model, draft: Draft) -> str:
    return "\n".join(
        f"• {spec.label.get(turn.language)}: {shown_value(turn, spec, draft)}"
        for spec in model.inputs
    )


def _verdict(turn: Turn, order: Order) -> str:
    if order.problems:
        return turn.t("confirm_problems") + "\n" + "\n".join(f"— {p}" for p in order.problems)
    if order.unavailable is not None or order.price is None:
        return turn.t("confirm_unavailable", reason=order.unavailable or "")
    balance = turn.context.balance_kopecks
    if order.admin:
        return turn.t("pay_confirm_admin_free", price=turn.money(order.price.kopecks))
    if order.allowance:
        left = (turn.context.allowance_left or 0) - order.price.kopecks
        price = turn.money(order.price.kopecks)
        return turn.t("pay_confirm_allowance", price=price, left=turn.money(left))
    if order.free:  # what is left once this order has taken its free generation
        left = turn.context.free_left_today + turn.context.free_bonus_left - 1
        return turn.t("confirm_free", left=max(left, 0))
    lines = [turn.t("confirm_price", price=turn.money(order.price.kopecks))]
    if (items := itemised(turn, order.price)) is not None:
        lines.append(items)
    if order.free_used_up:
        lines.insert(0, free_reset_line(turn))
    if order.shortfall:
        lines.append(
            turn.t(
                "confirm_shortfall",
                balance=turn.money(balance),
                missing=turn.money(order.shortfall),
            )
        )
    else:
        lines.append(turn.t("confirm_balance_after", balance=turn.money(balance - order.charge)))
    return "\n".join(lines)


def quantity_text(quantity: Fraction, language: str) -> str:
    """A number of units as users read it: "10", "2.5", "1.234" ("2,5" in Russian)."""
    if quantity.denominator == 1:
        return str(quantity.numerator)
    value = Decimal(quantity.numerator) / Decimal(quantity.denominator)
    shown = f"{value.quantize(Decimal('0.001')):f}".rstrip("0").rstrip(".")
    return shown.replace(".", ",") if language == "ru" else shown


def itemised(turn: Turn, price: Price) -> str | None:
    """ "10 s x 2.40 ₽ = 24 ₽" for a per-unit price (seconds, minutes, thousands of
    characters, megapixels), from what the user gave; None for a price per request."""
    if price.unit not in PER_UNIT:
        return None
    unit_kopecks = turn.context.tariff.exact_kopecks(price.unit_credits)
    return turn.t(
        "confirm_itemised",
        quantity=quantity_text(price.quantity, turn.language),
        unit=turn.t(f"unit_short_{price.unit}"),
        unit_price=unit_money(unit_kopecks, turn.language),
        total=turn.money(price.kopecks),
    )


def free_reset_line(turn: Turn) -> str:
    """Today's free generations are used up, and when they come back (the tenant's day)."""
    context = turn.context
    reset = next_reset(context.now, context.settings.timezone)
    return turn.t(
        "pay_free_used_up",
        per_day=context.free_per_day,
        at=f"{reset:%H:%M}",
        zone=context.settings.timezone,
        hours=int((reset - context.now).total_seconds() // 3600),
        minutes=int((reset - context.now).total_seconds() % 3600 // 60),
    )


def confirmation(turn: Turn, model: Model, draft: Draft) -> Screen:
    """Every parameter, the price (or the free generation, and how many are left after this
    one), the balance after; Confirm and Edit — or, without enough money, the missing amount
    and Top-up; or, while generations are paused, that they are temporarily unavailable."""
    order = assess(turn, model, draft)
    paused = turn.context.generation_paused
    parts = [
        turn.t("confirm_title", model=model.name),
        _parameter_lines(turn, model, draft),
        _verdict(turn, order),
    ]
    if paused:  # KIE is out of credits: no Confirm until generations resume
        parts.append(turn.t("confirm_paused"))
    body = "\n\n".join(parts)
    edit = Button(turn.t("btn_edit"), encode("ed", draft.serial))
    if paused:
        first: tuple[Button, ...] = ()
    elif order.ready and order.price is not None:
        label = (
            turn.t("btn_confirm_free")
            if order.free
            else turn.t("btn_confirm", price=turn.money(order.price.kopecks))
        )
        first = (Button(label, encode("ok", draft.serial)),)
    elif order.shortfall:
        first = (Button(turn.t("btn_topup"), encode("u")),)
    else:
        first = ()
    return Screen(body, stack((first,), ((edit,),), (nav_row(turn, draft),)))


def starting(turn: Turn, state: JourneyState) -> Screen | None:
    """After Confirm: the generation is on its way; the result comes to this chat."""
    started = state.started
    if started is None:
        return None
    model = turn.catalog.find(started.model_id)
    name = model.name if model else started.model_id
    cost = turn.t("free_word") if started.free else turn.money(started.price_kopecks)
    body = turn.t("starting", model=name, price=cost)
    rows = (
        (Button(turn.t("btn_again"), encode("c", started.model_id)),),
        (menu_button(turn),),
    )
    return Screen(body, rows)
