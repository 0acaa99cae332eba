""" "I want a bot like this": a user leaves a message for the main admin (the partner funnel)."""

from __future__ import annotations

from dataclasses import replace

from ..callbacks import Press, encode
from ..effects import BotCall
from ..moves import Move
from ..state import MENU, JourneyState
from ..turn import Turn
from ..updates import Incoming, Kind
from ..view import Button, Screen

LEAD_LIMIT = 1000  # characters of the user's message passed on


def ask(turn: Turn, state: JourneyState, press: Press) -> Move | None:
    if turn.context.settings.main_admin is None:
        return None
    return Move(replace(state.at("aw"), awaiting="aw"))


def prompt(turn: Turn, state: JourneyState) -> Screen | None:
    if turn.context.settings.main_admin is None:
        return None
    return Screen(turn.t("lead_prompt"), ((Button(turn.t("btn_menu"), encode(MENU)),),))


def typed(turn: Turn, state: JourneyState, incoming: Incoming) -> Move | None:
    main_admin = turn.context.settings.main_admin
    if main_admin is None:
        return Move(replace(state.at(MENU), awaiting=None))
    if incoming.kind is not Kind.TEXT or not incoming.text.strip():
        return Move(state, note=turn.t("lead_hint"))
    user = incoming.user
    username = f"@{user.username}" if user and user.username else "—"
    note = turn.t(
        "lead_for_admin",
        name=turn.name,
        username=username,
        id=turn.user_id,
        message=incoming.text.strip()[:LEAD_LIMIT],
    )
    call = BotCall("sendMessage", {"chat_id": main_admin, "text": note})
    after = replace(state.at(MENU), awaiting=None)
    return Move(after, note=turn.t("lead_sent"), calls=(call,))


def button(turn: Turn, state: JourneyState) -> Button | None:
    """The main menu's entry, for users, when the bot has a main admin to receive leads."""
    if turn.context.settings.main_admin is None or (turn.context.is_admin and not state.as_user):
        return None
    return Button(turn.t("btn_want_bot"), encode("aw"))
