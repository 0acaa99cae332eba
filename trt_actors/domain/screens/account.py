"""The user's account: balance, top-up and the referral programme (history and /status are
in `jobs`).

Everything shown here comes from the `Context` (balance, free generations) and the
lookups the screens name (the money area, `domain.areas.money`); the screens only lay it out.
"""

from __future__ import annotations

from urllib.parse import quote

from ..callbacks import encode
from ..local_time import from_ms, stamp
from ..money_effects import MoneyFacts, MoneySummary, Movement, ReferralFacts, ReferralStats
from ..referral_code import PREFIX, referral_code
from ..state import JourneyState
from ..texts import text_or
from ..turn import Turn
from ..view import Button, Rows, Screen, grid, link_button
from .home import menu_button


def balance(turn: Turn, state: JourneyState) -> Screen:
    """Balance and held amount, free generations left today and bonus ones, the last
    movements, and Top up."""
    context = turn.context
    facts = context.lookup(MoneySummary(turn.user_id))
    money = facts if isinstance(facts, MoneyFacts) else MoneyFacts(context.balance_kopecks)
    lines = [
        turn.t("pay_balance", balance=turn.money(money.balance - money.held)),
    ]
    if money.held:
        lines.append(turn.t("pay_balance_held", held=turn.money(money.held)))
    limited = context.is_admin and context.allowance_left is not None
    if limited:  # a limited admin: free only while the allowance lasts
        left = turn.money(context.allowance_left or 0)
        lines.append(turn.t("pay_balance_allowance", left=left))
    if context.is_admin and not limited:
        lines.append(turn.t("pay_balance_admin"))
    else:
        lines.append(
            turn.t(
                "pay_balance_free",
                free_left=context.free_left_today,
                free_per_day=context.free_per_day,
            )
        )
    if money.bonus_free:
        lines.append(turn.t("pay_balance_bonus", n=money.bonus_free))
    if money.movements:
        lines.append("")
        lines.append(turn.t("pay_balance_recent"))
        lines += [_movement_line(turn, m) for m in money.movements]
    rows = (
        (Button(turn.t("btn_topup"), encode("u")), Button(turn.t("pay_btn_promo"), encode("pp"))),
        (Button(turn.t("menu_history"), encode("h", 0)), menu_button(turn)),
    )
    return Screen("\n".join(lines), rows)


def _movement_line(turn: Turn, movement: Movement) -> str:
    when = stamp(from_ms(movement.at_ms), turn.context.settings.timezone, "%d.%m %H:%M")
    kind = text_or(turn.language, f"pay_kind_{movement.kind}", movement.kind)
    sign = "+" if movement.kopecks > 0 else ""
    return f"{when} · {kind} · {sign}{turn.money(movement.kopecks)}"


def topup(turn: Turn, state: JourneyState) -> Screen:
    """Stars packages, a custom amount, the bank transfer when the tenant has requisites, a
    promo code, and where to get help."""
    terms = turn.context.settings
    packages = [
        Button(
            turn.t(
                "pay_btn_package", stars=stars, amount=turn.money(stars * terms.stars_rate_kopecks)
            ),
            encode("ps", stars),
        )
        for stars in terms.stars_packages
        if terms.stars_min <= stars <= terms.stars_max
    ]
    extra = [Button(turn.t("pay_btn_custom"), encode("pc"))]
    if terms.bank_requisites:
        extra.append(Button(turn.t("pay_btn_transfer"), encode("pb")))
    body = turn.t("pay_topup", rate=turn.money(terms.stars_rate_kopecks))
    rows = (
        *grid(packages, 2),
        *grid(extra, 2),
        (
            Button(turn.t("pay_btn_promo"), encode("pp")),
            Button(turn.t("pay_btn_support"), encode("pq")),
        ),
        (Button(turn.t("btn_back"), encode("b")), menu_button(turn)),
    )
    return Screen(body, rows)


def pay_support(turn: Turn, state: JourneyState) -> Screen:
    """/paysupport: how to get help with a payment (Telegram requires bots that take
    payments to answer it)."""
    contact = turn.context.support_contact or turn.context.settings.support_contact
    body = turn.t("pay_support")
    if contact:
        body += "\n" + turn.t("help_support", contact=contact)
    return Screen(body, ((Button(turn.t("btn_topup"), encode("u")), menu_button(turn)),))


def referral(turn: Turn, state: JourneyState) -> Screen:
    """The personal link (a code, never the raw id), invited and activated friends, bonuses."""
    context = turn.context
    rows: Rows = ((menu_button(turn),),)
    if not context.secret or turn.user_id <= 0:
        return Screen(turn.t("referral_soon"), rows)
    payload = PREFIX + referral_code(context.secret, turn.user_id)
    username = context.bot_username
    link = f"https://t.me/{username}?start={payload}" if username else f"/start {payload}"
    if username:  # the share sheet: the friend gets the link with a line of invitation
        invitation = quote(turn.t("pay_referral_share_text"))
        share = f"https://t.me/share/url?url={quote(link, safe='')}&text={invitation}"
        rows = ((link_button(turn.t("pay_btn_share"), share),), (menu_button(turn),))
    found = context.lookup(ReferralStats(turn.user_id))
    stats = found if isinstance(found, ReferralFacts) else ReferralFacts()
    body = turn.t(
        "pay_referral",
        link=link,
        bonus=context.settings.referral_bonus_free,
        invited=stats.invited,
        activated=stats.activated,
        earned=stats.bonus_earned,
    )
    return Screen(body, rows)
