"""A move: what one press, command or message changes, before it is shown."""

from __future__ import annotations

from dataclasses import dataclass

from .effects import BotCall, Effect
from .state import JourneyState
from .view import Screen


@dataclass(frozen=True, slots=True)
class Move:
    """The new state (its `screen` is what the user sees next), plus what to say on top.

    `note` is a short line above the screen (a hint, a confirmation); `toast` is the text of
    the callback answer; `screen` replaces the state's screen for one-off answers (/status);
    `calls` are sent before the screen (a document, a preview, a note to an admin).
    """

    state: JourneyState
    note: str | None = None
    toast: str | None = None
    effects: tuple[Effect, ...] = ()
    screen: Screen | None = None
    calls: tuple[BotCall, ...] = ()
