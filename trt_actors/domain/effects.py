"""What a handler asks the session actor to do, and the handler's signature."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from .context import Context
from .lookup import Lookup as Lookup  # noqa: PLC0414  (re-exported, as it always was)
from .updates import Incoming

MEDIA_FACTS = "_media"
"""The key under which a job's params keep what pricing knew of each media file (duration,
megapixels), so Again can price the same files again. The catalog never reads it."""

JsonParam = str | bool | list[str]
"""A generation parameter as a job receives it: text or enum value (str), a number as exact
decimal text (str, e.g. "2.5"), a boolean, or the Telegram file ids of a media input."""


@dataclass(frozen=True, slots=True)
class BotCall:
    """One Bot API call to make, through the outbound actor."""

    method: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StartGeneration:
    """Start one generation: hold the money (or use a free generation), then submit the job.

    `params` holds only what the user chose (the catalog adds defaults); media inputs carry
    Telegram file ids, which the job uploads. `price_kopecks` is the catalog price quoted on
    the confirmation; when `free` is True the job consumes one of today's free generations
    instead of holding money. `idempotency_key` is the same for every press of the same
    confirmation, so a repeated effect must hold and submit nothing twice. `media` keeps,
    per media input, what pricing knew of each file (`MediaFile.dump()`: id, seconds,
    megapixels); the job stores it under `MEDIA_FACTS` in its params.
    """

    user_id: int
    chat_id: int
    model_id: str
    params: dict[str, JsonParam]
    price_kopecks: int
    free: bool
    idempotency_key: str
    media: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    allowance: bool = False  # a limited admin's: recorded at its price, drawn on the allowance


class Operation:
    """Base of the writes a handler asks for whose outcome decides the answer: crediting a
    payment, redeeming a promo code, approving a transfer.

    Subclasses are frozen dataclasses carrying their own idempotency key. The session performs
    every operation of an outcome in one transaction *before* any reply is sent, then calls the
    handler's `settle` with their results, which renders the answer. Because each operation is
    idempotent, an update handled again after a crash performs nothing twice and answers the
    same."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class CancelGeneration:
    """The owner pressed Cancel on a generation's progress: the session stores the request
    (only for the owner's job, and only while it can still be cancelled) and wakes the job,
    which abandons its KIE task, releases the hold and says so in its progress message."""

    user_id: int
    job_id: int


@dataclass(frozen=True, slots=True)
class RedeliverResult:
    """The owner asked History to send a delivered result again: the session stores the
    request and starts the job's actor, which refreshes expired links (KIE's download-url)
    and sends the result again. Nothing is charged."""

    user_id: int
    job_id: int


Effect = StartGeneration | CancelGeneration | RedeliverResult | Operation
"""Every effect other than a Bot API call."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """The new session state, the calls to make (in order) and the other effects."""

    state: dict[str, Any]
    calls: list[BotCall] = field(default_factory=list)
    user_blocked: bool | None = None  # the user blocked (True) or unblocked (False) the bot
    effects: list[Effect] = field(default_factory=list)


class Handler(Protocol):
    """The bot's behaviour: pure, deterministic, no I/O. Everything that depends on time,
    money or storage arrives in the `Context`."""

    def __call__(
        self, state: Mapping[str, Any], incoming: Incoming, context: Context
    ) -> Outcome: ...

    def apology(self, incoming: Incoming) -> list[BotCall]:
        """What to say when handling this update failed for good."""
        ...

    def lookups(self, state: Mapping[str, Any], incoming: Incoming) -> Sequence[Lookup[object]]:
        """What to read before handling `incoming` in `state` (the session asks again with
        the state the handler returns, so a screen gets the data it shows)."""
        ...

    def needs_account(self, state: Mapping[str, Any], incoming: Incoming) -> bool:
        """Whether the answer may show the balance or today's free uses (the session then
        reads them; False: an answer from memory, nothing read but the state)."""
        ...

    def warm(self) -> None:
        """Build what the first update would otherwise pay for (the tree calls it at start)."""
        ...

    def command_menu(self) -> list[BotCall]:
        """The `setMyCommands` calls of every language (made once at start, by the leader)."""
        ...

    def settle(
        self, outcome: Outcome, incoming: Incoming, context: Context, results: Sequence[object]
    ) -> Outcome:
        """The final outcome of an update whose operations ran: `results` in the order of the
        operations in `outcome.effects`; `context` is read again after them."""
        ...
