"""Button presses: one table from a press's code to what it does — no if-chain.

Codes that name a screen (see `screens.SCREENS`) just go there; the others are actions.
An action returns None for a press it cannot honour (another draft, a model gone, bad
arguments): the handler then shows the current screen with a short note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from . import admin, confirm, job_presses, wizard
from .callbacks import Press, path_of
from .moves import Move
from .screens import SCREENS, screen_at
from .state import MENU, JourneyState
from .texts import LANGUAGES
from .turn import Turn

Action = Callable[[Turn, JourneyState, Press], Move | None]


def set_language(turn: Turn, state: JourneyState, press: Press) -> Move | None:
    chosen = press.arg(0)
    if chosen not in LANGUAGES:
        return None
    after = replace(state, language=chosen, language_chosen=True, screen=MENU)
    return Move(after, note=replace(turn, language=chosen).t("note_language_set"))


def finish_tutorial(turn: Turn, state: JourneyState, press: Press) -> Move | None:
    return Move(replace(state, tutorial_done=True, screen=MENU))


ACTIONS: dict[str, Action] = {
    "go": wizard.begin,
    "en": wizard.choose,
    "tg": wizard.toggle,
    "dn": wizard.done,
    "sk": wizard.skip,
    "bk": wizard.back,
    "rs": wizard.reset,
    "cx": wizard.cancel,
    "in": wizard.open_input,
    "ed": wizard.to_settings,
    "nx": wizard.to_confirmation,
    "ok": confirm.confirm,
    "sl": set_language,
    "ts": finish_tutorial,
    "ja": job_presses.again,
    "jp": job_presses.change_parameters,
    "jc": job_presses.cancel,
    "jo": job_presses.open_job,
    "jd": job_presses.send_again,
    **admin.ACTIONS,
}


def press(turn: Turn, state: JourneyState, pressed: Press) -> Move | None:
    """What `pressed` does in `state`, or None when it is stale."""
    action = ACTIONS.get(pressed.code)
    if action is not None:
        return action(turn, state, pressed)
    if pressed.code in SCREENS and pressed.code != "w":
        path = path_of(pressed)
        if screen_at(turn, state, path) is not None:
            return Move(state.at(path))
    return None
