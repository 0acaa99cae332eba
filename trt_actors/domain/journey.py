"""The user journey: the bot's `Handler`, from /start to a confirmed generation.

`Journey(catalog)(state, incoming, context) -> Outcome` is pure: it reads the state, the
update and the context, and returns the new state, the Bot API calls and the effects. It
routes by kind through the routes composed from the bot's areas (`domain.areas`,
`area.Routes`) — commands, button presses and their screens, awaited inputs, messages an area
takes where the user is, and the rest (typed text and files) into the wizard — and always
answers: a press is answered first (`answerCallbackQuery`) and then edits its message in
place; a message gets a new message. Stale or malformed buttons show the current screen
with a short note. It never raises for any update or state it is given.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from trt_actors.catalog import Catalog

from .answers import accept_caption, accept_media, accept_text, unusable
from .area import Routes, compose
from .areas import AREAS
from .callbacks import decode, encode
from .context import Context
from .effects import BotCall, Effect, Lookup, Operation, Outcome
from .job_lookups import with_jobs
from .media import received_media
from .moves import Move
from .payments import pre_checkout
from .state import JourneyState
from .texts import LANGUAGES, keys, language_for, text
from .turn import Turn
from .updates import Incoming, Kind
from .view import Screen, answer, edit, send

MEMORY_COMMANDS = frozenset({"start", "menu", "help", "language", "cancel", "reset"})
"""Commands whose answers (tutorial, main menu, help, language) show no money."""


@functools.cache
def default_routes() -> Routes:
    """The routes of the bot's areas (`domain.areas.AREAS`), composed once per process."""
    return compose(AREAS)


class Journey:
    """The bot's behaviour over the whole catalog. Immutable; safe to share between users."""

    def __init__(self, catalog: Catalog, routes: Routes | None = None) -> None:
        self.catalog = catalog
        self.routes = routes if routes is not None else default_routes()

    def __call__(self, state: Mapping[str, Any], incoming: Incoming, context: Context) -> Outcome:
        context = with_jobs(context)
        journey = self._load(state, incoming, context)
        turn = self._turn(journey, incoming, context)
        if incoming.kind is Kind.PRE_CHECKOUT:
            return Outcome(journey.dump(state), [pre_checkout(turn, incoming)])
        if incoming.kind is Kind.MEMBERSHIP:
            status = ((incoming.raw or {}).get("my_chat_member") or {}).get("new_chat_member", {})
            blocked = isinstance(status, Mapping) and status.get("status") == "kicked"
            return Outcome(journey.dump(state), user_blocked=blocked)
        stale = False
        if context.blocked and incoming.kind is not Kind.PAYMENT:  # paid Stars still count
            return self._blocked(state, turn, incoming, journey)
        shown_for_stale, journey = journey.stale_shown, replace(journey, stale_shown=False)
        if incoming.kind is Kind.CALLBACK:
            pressed = decode(incoming.callback_data)
            found = self.routes.press(turn, journey, pressed) if pressed else None
            if found is None and shown_for_stale:
                return self._stale_again(state, turn, incoming)
            stale = found is None
            move = found or self._stale(turn, journey)
        elif incoming.chat_id is None or incoming.kind is Kind.OTHER:
            return Outcome(journey.dump(state))
        else:
            move = self._message(journey, turn, incoming)
        if any(isinstance(effect, Operation) for effect in move.effects):
            # shown by `settle`, once the session has performed the operations
            return Outcome(move.state.dump(state), effects=list(move.effects))
        return self._respond(state, turn, incoming, move, stale)

    def lookups(self, state: Mapping[str, Any], incoming: Incoming) -> list[Lookup[object]]:
        return self.routes.needs(JourneyState.load(state), incoming)

    def needs_account(self, state: Mapping[str, Any], incoming: Incoming) -> bool:
        """Whether this update may show the balance or today's free generations, which the
        session then reads from storage. Commands that only lead to screens built from
        memory (the welcome, the menu, help, language) do not: /start is answered with
        nothing read but the session state."""
        return not (incoming.kind is Kind.COMMAND and incoming.command in MEMORY_COMMANDS)

    def settle(
        self, outcome: Outcome, incoming: Incoming, context: Context, results: Sequence[object]
    ) -> Outcome:
        journey = JourneyState.load(outcome.state)
        turn = self._turn(journey, incoming, with_jobs(context))
        operations = [e for e in outcome.effects if isinstance(e, Operation)]
        move = self.routes.settled(turn, journey, operations, results)
        return self._respond(outcome.state, turn, incoming, move, stale=False)

    def warm(self) -> None:
        """Read the text tables now (the tree's warmup calls this at start), so the first
        user's update does not pay for it."""
        for language in LANGUAGES:
            keys(language)

    def command_menu(self) -> list[BotCall]:
        return self.routes.command_menu()

    def apology(self, incoming: Incoming) -> list[BotCall]:
        if incoming.chat_id is None:
            return []
        language = language_for(incoming.user.language_code if incoming.user else None)
        params = {
            "chat_id": incoming.chat_id,
            "text": text(language, "apology"),
            "reply_markup": {
                "inline_keyboard": [
                    [{"text": text(language, "btn_menu"), "callback_data": encode("m")}]
                ]
            },
        }
        return [BotCall("sendMessage", params)]

    def _load(self, state: Mapping[str, Any], incoming: Incoming, context: Context) -> JourneyState:
        """The state, with the language resolved: the user's choice, else Telegram's
        language_code, else what storage knows, else the default."""
        journey = JourneyState.load(state)
        if journey.language_chosen:
            return journey
        code = incoming.user.language_code if incoming.user else None
        if code:
            return replace(journey, language=language_for(code))
        if context.language in LANGUAGES:
            return replace(journey, language=context.language)
        return journey

    def _turn(self, journey: JourneyState, incoming: Incoming, context: Context) -> Turn:
        user = incoming.user
        return Turn(
            catalog=self.catalog,
            context=context,
            language=journey.language,
            user_id=user.user_id if user else 0,
            chat_id=incoming.chat_id,
            first_name=user.first_name if user else "",
            update_id=incoming.update_id,
        )

    def _show(self, turn: Turn, move: Move) -> tuple[Screen, JourneyState]:
        """The screen a move leads to, with its note, in the (possibly new) language."""
        turn = replace(turn, language=move.state.language)
        if move.screen is not None:
            return move.screen.with_note(move.note), move.state
        after, screen = self.routes.render(turn, move.state)
        return screen.with_note(move.note), after

    def _message(self, journey: JourneyState, turn: Turn, incoming: Incoming) -> Move:
        if incoming.kind is Kind.COMMAND:
            journey = replace(journey, awaiting=None)
            return self.routes.command(turn, journey, incoming.command, incoming.argument)
        move: Move | None = self.routes.awaited(turn, journey, incoming)
        if move is not None:
            return move
        move = self.routes.message(turn, journey, incoming)
        if move is not None:
            return move
        if incoming.kind is Kind.TEXT and incoming.text:
            move = accept_text(turn, journey, incoming.text)
        elif incoming.kind is Kind.MEDIA:
            received = received_media(incoming)
            move = accept_media(turn, journey, received) if received else None
            if move is not None and incoming.text and move.note is None:
                move = accept_caption(turn, move.state, incoming.text) or move
        move = move or unusable(turn, journey)
        if move is not None:
            return move
        return Move(journey.at("m"), note=turn.t("hint_not_understood"))

    def _respond(
        self,
        state: Mapping[str, Any],
        turn: Turn,
        incoming: Incoming,
        move: Move,
        stale: bool,
    ) -> Outcome:
        """Show `move`: a press is answered, then its message edited in place (a stale one
        gets a new message); anything else gets a new message. The move's own calls go
        between the answer and the screen."""
        screen, after = self._show(turn, move)
        pressed = incoming.kind is Kind.CALLBACK
        calls = [answer(incoming.callback_id, move.toast)] if pressed else []
        calls.extend(move.calls)  # a document, a preview: before the screen
        if pressed and not stale and incoming.chat_id is not None and _has_text(incoming):
            assert incoming.message_id is not None
            calls.append(edit(incoming.chat_id, incoming.message_id, screen))
        elif incoming.chat_id is not None:
            calls.append(send(incoming.chat_id, screen))
        effects: list[Effect] = [e for e in move.effects if not isinstance(e, Operation)]
        return Outcome(after.dump(state), calls, effects=effects)

    def _stale(self, turn: Turn, journey: JourneyState) -> Move:
        """A press that no longer applies: the screen the user is really at (the main menu
        when that is gone), as a new message with a note. The state remembers it was shown,
        so a second stale press does not show it again (`_stale_again`)."""
        note = turn.t("note_stale")
        return Move(replace(journey, stale_shown=True), note=note, toast=note)

    def _stale_again(self, state: Mapping[str, Any], turn: Turn, incoming: Incoming) -> Outcome:
        """Another stale press right after one was answered with the current screen: that
        screen is already the newest in the chat, so the press gets only its answer."""
        return Outcome(dict(state), [answer(incoming.callback_id, turn.t("note_stale_again"))])

    def _blocked(
        self, state: Mapping[str, Any], turn: Turn, incoming: Incoming, journey: JourneyState
    ) -> Outcome:
        """A user an admin blocked: every update gets the same short answer, nothing else."""
        note = turn.t("blocked_by_admin")
        calls = []
        if incoming.kind is Kind.CALLBACK:
            calls.append(answer(incoming.callback_id, note))
        elif incoming.chat_id is not None and incoming.kind is not Kind.OTHER:
            calls.append(BotCall("sendMessage", {"chat_id": incoming.chat_id, "text": note}))
        return Outcome(journey.dump(state), calls)


def _has_text(incoming: Incoming) -> bool:
    """The pressed message can be edited as text: not a photo with a caption (e.g. an
    admin's review notice), and not one Telegram calls inaccessible (deleted, or too old:
    `date` 0), which no edit finds."""
    query = (incoming.raw or {}).get("callback_query") or {}
    message = query.get("message") if isinstance(query, Mapping) else None
    if incoming.message_id is None:
        return False
    if not isinstance(message, Mapping):
        return True
    if message.get("date") == 0:
        return False
    return "text" in message or "caption" not in message
