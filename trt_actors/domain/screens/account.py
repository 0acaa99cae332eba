"""The user's account: balance, top-up and the referral programme (history and /status are
in `jobs`).

Everything shown here comes from the `Context` (balance, free generations); the
screens only lay it out.
"""

from __future__ import annotations

from ..callbacks import encode
from ..state import JourneyState
from ..turn import Turn
from ..view import Button, Screen
from .home import menu_button


def balance(turn: Turn, state: JourneyState) -> Screen:
    context = turn.context
    body = turn.t(
        "balance",
        balance=turn.money(context.balance_kopecks),
        free_left=context.free_left_today,
        free_per_day=context.free_per_day,
    )
    rows = (
        (Button(turn.t("btn_topup"), encode("u")),),
        (Button(turn.t("menu_history"), encode("h", 0)), menu_button(turn)),
    )
    return Screen(body, rows)


def topup(turn: Turn, state: JourneyState) -> Screen:
    support = turn.context.support_contact
    body = turn.t("topup_soon")
    if support:
        body += "\n" + turn.t("help_support", contact=support)
    rows = ((Button(turn.t("btn_back"), encode("b")), menu_button(turn)),)
    return Screen(body, rows)


def referral(turn: Turn, state: JourneyState) -> Screen:
    username = turn.context.bot_username
    if username:
        link = f"https://t.me/{username}?start=ref_{turn.user_id}"
        body = turn.t("referral", link=link)
    else:
        body = turn.t("referral_soon")
    return Screen(body, ((menu_button(turn),),))
