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
USER_NEEDS: dict[str, Callable[[int], Sequence[Lookup]]] = {}
"""Lookups about the sender, by "command:<name>", "screen:<code>" or an update kind
("pre_checkout"): they take the user's id."""
NEWCOMER_NEEDS: dict[str, Callable[[int], Sequence[Lookup]]] = {}
"""Lookups about a sender with no saved state yet (`JourneyState.returning` false: their
first update here, or the first since their state was lost), by the same keys. A returning
user has a profile (it is saved with the state), so what only a newcomer needs — whether
the welcome and referral bonuses are due — is not read for them."""


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
    if incoming.user is not None:
        keys = [str(incoming.kind), f"screen:{shown.code if shown else ''}"]
        if incoming.kind is Kind.COMMAND:
            keys.append(f"command:{incoming.command}")
        for key in keys:
            if key in USER_NEEDS:
                found += USER_NEEDS[key](incoming.user.user_id)
            if key in NEWCOMER_NEEDS and not state.returning:
                found += NEWCOMER_NEEDS[key](incoming.user.user_id)
    return list(dict.fromkeys(found))
