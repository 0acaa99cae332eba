"""The menus area: the main menu, the catalog's kinds, lists and model cards, language and
help, and the commands that lead there or leave what the user was doing.

Codes: `m` (main menu), `k` (kinds), `l|<kind>|<page>` (a kind's models), `c|<model>` (a
model's card), `lg` (language), `?` (help), `sl|<language>` (set the language)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..area import Area, Command, CommandAction, acts, shows
from ..callbacks import Args
from ..moves import Move
from ..screens import home, models
from ..state import MENU, JourneyState
from ..texts import LANGUAGES
from ..turn import Turn
from ..wizard import ModelArgs


def go(path: str) -> CommandAction:
    """A command that shows the screen at `path`."""

    def shown(turn: Turn, state: JourneyState, argument: str) -> Move:
        return Move(state.at(path))

    return shown


def _leave(note_key: str) -> CommandAction:
    def leave(turn: Turn, state: JourneyState, argument: str) -> Move:
        note = turn.t(note_key) if state.draft is not None else None
        return Move(replace(state, draft=None, screen=MENU), note=note)

    return leave


@dataclass(frozen=True, slots=True)
class ListArgs(Args):
    """`l|<kind>|<page>`: a kind's models, a page of them."""

    kind: str
    page: int = 0


@dataclass(frozen=True, slots=True)
class LanguageArgs(Args):
    """`sl|<language>`."""

    language: str


def set_language(turn: Turn, state: JourneyState, args: LanguageArgs) -> Move | None:
    chosen = args.language
    if chosen not in LANGUAGES:
        return None
    after = replace(state, language=chosen, language_chosen=True, screen=MENU)
    return Move(after, note=replace(turn, language=chosen).t("note_language_set"))


AREA = Area(
    "menus",
    screens={
        "m": lambda turn, state, press: home.main_menu(turn, state),
        "k": lambda turn, state, press: home.kinds(turn, state),
        "lg": lambda turn, state, press: home.language(turn, state),
        "?": lambda turn, state, press: home.help_screen(turn, state),
        "l": shows(
            ListArgs, lambda turn, state, args: models.model_list(turn, state, args.kind, args.page)
        ),
        "ff": lambda turn, state, press: models.free_screen(turn, state),
        "c": shows(ModelArgs, lambda turn, state, args: models.card(turn, state, args.model_id)),
    },
    actions={"sl": acts(LanguageArgs, set_language)},
    commands=(
        Command("generate", go("k")),
        Command("models", go("k")),
        Command("language", go("lg")),
        Command("help", go("?")),
        Command("cancel", _leave("note_cancelled")),
        Command("reset", _leave("note_reset_menu")),
        Command("menu", go(MENU), listed=False),
    ),
)
