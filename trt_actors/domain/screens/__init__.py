"""Every screen, as a pure function of the state: `render(turn, state)` shows `state.screen`.

A screen path is the callback codec's form without the version (``l|upscale|0``); the table
below maps each path code to its screen. A path that no longer makes sense (a model taken
out of the catalog, a draft that is gone) renders the main menu.
"""

from __future__ import annotations

from collections.abc import Callable

from .. import admin
from ..callbacks import Press, parse_path
from ..draft import CONFIRM, SETTINGS, input_at
from ..state import JourneyState
from ..turn import Turn
from ..view import Screen
from . import account, home, jobs, models, steps, summary

ScreenFunction = Callable[[Turn, JourneyState, Press], Screen | None]


def wizard(turn: Turn, state: JourneyState, press: Press) -> Screen | None:
    """The wizard's current position: a step, the settings list or the confirmation."""
    draft = state.draft
    model = turn.model(draft.model_id) if draft else None
    if draft is None or model is None:
        return None
    if draft.position == SETTINGS:
        return summary.settings(turn, model, draft)
    if draft.position == CONFIRM:
        return summary.confirmation(turn, model, draft)
    found = input_at(model, draft.position)
    return steps.step(turn, model, draft, found[0]) if found else None


SCREENS: dict[str, ScreenFunction] = {
    "m": lambda turn, state, press: home.main_menu(turn, state),
    "k": lambda turn, state, press: home.kinds(turn, state),
    "t": lambda turn, state, press: home.tutorial(turn, state, press.number(0) or 1),
    "lg": lambda turn, state, press: home.language(turn, state),
    "?": lambda turn, state, press: home.help_screen(turn, state),
    "l": lambda turn, state, press: models.model_list(
        turn, state, press.arg(0) or "", press.number(1) or 0
    ),
    "c": lambda turn, state, press: models.card(turn, state, press.arg(0) or ""),
    "w": wizard,
    "b": lambda turn, state, press: account.balance(turn, state),
    "u": lambda turn, state, press: account.topup(turn, state),
    "r": lambda turn, state, press: account.referral(turn, state),
    "h": lambda turn, state, press: jobs.history(turn, press.number(0) or 0),
    **admin.SCREENS,
}


def screen_at(turn: Turn, state: JourneyState, path: str) -> Screen | None:
    """The screen `path` shows in `state`, or None when the path is unknown or stale."""
    press = parse_path(path)
    function = SCREENS.get(press.code) if press else None
    if press is None or function is None:
        return None
    return function(turn, state, press)


def render(turn: Turn, state: JourneyState) -> tuple[JourneyState, Screen]:
    """The screen the state points at, and the state; the main menu when it points nowhere."""
    shown = screen_at(turn, state, state.screen)
    if shown is not None:
        return state, shown
    state = state.at("m")
    return state, home.main_menu(turn, state)
