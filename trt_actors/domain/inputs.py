"""Typed text and files the journey waits for outside the wizard.

`JourneyState.awaiting` names what the next message answers, as ``<code>`` or
``<code>:<argument>``; this table maps each code to a pure function `(turn, state, incoming)
-> Move | None`. Any command leaves the waiting state.
"""

from __future__ import annotations

from collections.abc import Callable

from . import admin
from .moves import Move
from .state import JourneyState
from .turn import Turn
from .updates import Incoming

InputAction = Callable[[Turn, JourneyState, Incoming], Move | None]

INPUTS: dict[str, InputAction] = {**admin.INPUTS}


def awaited(turn: Turn, state: JourneyState, incoming: Incoming) -> Move | None:
    """The answer to what the state waits for, or None when it waits for nothing known."""
    if not state.awaiting:
        return None
    action = INPUTS.get(state.awaiting.split(":", 1)[0])
    return action(turn, state, incoming) if action is not None else None
