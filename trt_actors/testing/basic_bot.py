"""A minimal bot behaviour that proves the path of an update end to end.

/start answers with the main menu, a menu button answers its callback and shows a short note
with the way back, anything else gets a hint. The application runs `journey.Journey`; this
one stays as the smallest `Handler` for tests of the runtime (it ignores the context).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from trt_actors.domain.context import Context
from trt_actors.domain.effects import BotCall, Lookup, Outcome
from trt_actors.domain.texts import language_for, text
from trt_actors.domain.updates import Incoming, Kind

MENU_BUTTONS = (("menu_generate", "m:gen"), ("menu_balance", "m:bal"), ("menu_help", "m:help"))


def main_menu(language: str) -> dict[str, Any]:
    rows = [
        [{"text": text(language, label), "callback_data": data}] for label, data in MENU_BUTTONS
    ]
    return {"inline_keyboard": rows}


def back_to_menu(language: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": text(language, "menu_main"), "callback_data": "m:main"}]]}


class BasicBot:
    """The smallest `Handler`: a menu whose sections are not there yet."""

    def __call__(self, state: Mapping[str, Any], incoming: Incoming, context: Context) -> Outcome:
        language = language_for(incoming.user.language_code if incoming.user else None)
        new_state = {**state, "language": language}
        if incoming.kind is Kind.COMMAND and incoming.command == "start":
            return Outcome({**new_state, "screen": "main"}, [self._menu(incoming, language)])
        if incoming.kind is Kind.CALLBACK:
            return Outcome(new_state, self._callback(incoming, language))
        if incoming.kind is Kind.PRE_CHECKOUT:
            answer = {
                "pre_checkout_query_id": incoming.callback_id,
                "ok": False,
                "error_message": text(language, "payments_unavailable"),
            }
            return Outcome(new_state, [BotCall("answerPreCheckoutQuery", answer)])
        if incoming.kind is Kind.MEMBERSHIP:
            status = ((incoming.raw or {}).get("my_chat_member") or {}).get("new_chat_member", {})
            return Outcome(new_state, user_blocked=status.get("status") == "kicked")
        if incoming.chat_id is None:
            return Outcome(new_state)
        hint = {"chat_id": incoming.chat_id, "text": text(language, "hint")}
        return Outcome(new_state, [BotCall("sendMessage", hint)])

    def lookups(self, state: Mapping[str, Any], incoming: Incoming) -> Sequence[Lookup[object]]:
        return ()

    def settle(
        self, outcome: Outcome, incoming: Incoming, context: Context, results: Sequence[object]
    ) -> Outcome:
        return outcome

    def needs_account(self, state: Mapping[str, Any], incoming: Incoming) -> bool:
        return True

    def warm(self) -> None:
        return None

    def command_menu(self) -> list[BotCall]:
        return []

    def apology(self, incoming: Incoming) -> list[BotCall]:
        if incoming.chat_id is None:
            return []
        language = language_for(incoming.user.language_code if incoming.user else None)
        params = {
            "chat_id": incoming.chat_id,
            "text": text(language, "apology"),
            "reply_markup": main_menu(language),
        }
        return [BotCall("sendMessage", params)]

    def _menu(self, incoming: Incoming, language: str) -> BotCall:
        name = incoming.user.first_name if incoming.user else ""
        params = {
            "chat_id": incoming.chat_id,
            "text": text(language, "welcome", name=name or "👋"),
            "reply_markup": main_menu(language),
        }
        return BotCall("sendMessage", params)

    def _callback(self, incoming: Incoming, language: str) -> list[BotCall]:
        calls = [BotCall("answerCallbackQuery", {"callback_query_id": incoming.callback_id})]
        if incoming.chat_id is None or incoming.message_id is None:
            return calls
        where = {"chat_id": incoming.chat_id, "message_id": incoming.message_id}
        if incoming.callback_data == "m:main":
            body = {
                "text": text(language, "welcome", name=_name(incoming)),
                "reply_markup": main_menu(language),
            }
        else:
            body = {"text": text(language, "section_soon"), "reply_markup": back_to_menu(language)}
        calls.append(BotCall("editMessageText", {**where, **body}))
        return calls


def _name(incoming: Incoming) -> str:
    return (incoming.user.first_name if incoming.user else "") or "👋"
