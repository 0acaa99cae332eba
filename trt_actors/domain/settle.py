"""How the journey answers once the session performed its operations (`effects.Operation`).

One table from an operation's type to a pure function `(turn, state, operation, result) ->
Move`; the areas of the bot add their entries. `settled` folds the results of one update into
one move: the last state, every note in order, the last toast and one-off screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from . import admin
from .effects import Operation
from .moves import Move
from .state import JourneyState
from .turn import Turn

Settler = Callable[[Turn, JourneyState, Any, Any], Move]

SETTLERS: dict[type[Operation], Settler] = {**admin.SETTLERS}


def settled(
    turn: Turn, state: JourneyState, operations: Sequence[Operation], results: Sequence[object]
) -> Move:
    """The move after `operations` gave `results`. An operation with no settler is a
    programming error (KeyError)."""
    move = Move(state)
    notes: list[str] = []
    for operation, result in zip(operations, results, strict=True):
        step = SETTLERS[type(operation)](turn, move.state, operation, result)
        if step.note:
            notes.append(step.note)
        move = replace(
            step,
            toast=step.toast or move.toast,
            screen=step.screen or move.screen,
            effects=(*move.effects, *step.effects),
            calls=(*move.calls, *step.calls),
        )
    return replace(move, note="\n".join(notes) or None)
