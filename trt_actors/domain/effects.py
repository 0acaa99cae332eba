"""What a handler asks the session actor to do, and the handler's signature."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .updates import Incoming


@dataclass(frozen=True, slots=True)
class BotCall:
    """One Bot API call to make, through the outbound actor."""

    method: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Outcome:
    """The new session state and the calls to make, in order."""

    state: dict[str, Any]
    calls: list[BotCall] = field(default_factory=list)
    user_blocked: bool | None = None  # the user blocked (True) or unblocked (False) the bot


class Handler(Protocol):
    """The bot's behaviour: pure, deterministic, no I/O."""

    def __call__(self, state: Mapping[str, Any], incoming: Incoming) -> Outcome: ...

    def apology(self, incoming: Incoming) -> list[BotCall]:
        """What to say when handling this update failed for good."""
        ...
