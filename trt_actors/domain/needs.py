"""What the journey asks the session to read before it handles an update (`effects.Lookup`).

Three tables, filled by the areas of the bot: what a button press needs (by its code), what
a command needs (by its name), and what a screen needs to show itself (by its path code). The
session asks twice — with the state before the update and with the state the handler moved
to — so a screen reached by any way (a press, a command, Back) gets its data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from . import admin, job_lookups
from .callbacks import Press, decode, parse_path
from .effects import Lookup
from .state import JourneyState
from .updates import Incoming, Kind

PressNeeds = Callable[[Press], Sequence[Lookup]]
CommandNeeds = Callable[[str], Sequence[Lookup]]

PRESS_NEEDS: dict[str, PressNeeds] = {**admin.PRESS_NEEDS, **job_lookups.PRESS_NEEDS}
COMMAND_NEEDS: dict[str, CommandNeeds] = {**job_lookups.COMMAND_NEEDS}
SCREEN_NEEDS: dict[str, PressNeeds] = {**admin.SCREEN_NEEDS, **job_lookups.SCREEN_NEEDS}


def needs(state: JourneyState, incoming: Incoming) -> list[Lookup]:
    """Every lookup for `incoming` in `state`, each once, in a stable order."""
    found: list[Lookup] = []
    if incoming.kind is Kind.CALLBACK:
        pressed = decode(incoming.callback_data)
        if pressed is not None and pressed.code in PRESS_NEEDS:
            found += PRESS_NEEDS[pressed.code](pressed)
    elif incoming.kind is Kind.COMMAND and incoming.command in COMMAND_NEEDS:
        found += COMMAND_NEEDS[incoming.command](incoming.argument)
    shown = parse_path(state.screen)
    if shown is not None and shown.code in SCREEN_NEEDS:
        found += SCREEN_NEEDS[shown.code](shown)
    return list(dict.fromkeys(found))
