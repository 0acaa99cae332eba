"""Reading a raw Telegram update into what the bot needs: who, where, what."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

SYSTEM_USER = 0  # the session key of updates that come from no user (channel posts, ...)


class Kind(enum.StrEnum):
    COMMAND = "command"
    TEXT = "text"
    CALLBACK = "callback"
    MEDIA = "media"
    PRE_CHECKOUT = "pre_checkout"
    PAYMENT = "payment"
    MEMBERSHIP = "membership"  # my_chat_member: the user blocked or unblocked the bot
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: int
    first_name: str
    username: str | None
    last_name: str | None
    language_code: str | None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One update, read. `raw` keeps the whole payload for handlers that need more."""

    update_id: int
    kind: Kind
    user: Profile | None
    chat_id: int | None
    text: str = ""
    command: str = ""  # "start" for "/start@bot ref_x"
    argument: str = ""  # "ref_x"
    callback_id: str = ""
    callback_data: str = ""
    message_id: int | None = None
    raw: dict[str, Any] | None = None

    @property
    def session_key(self) -> int:
        return self.user.user_id if self.user is not None else SYSTEM_USER


_BODIES = ("message", "edited_message", "callback_query", "pre_checkout_query", "my_chat_member")
_MEDIA = ("photo", "document", "video", "audio", "voice", "animation", "video_note", "sticker")


def user_of(update: dict[str, Any]) -> int:
    """The session key of a raw update: the id of the user it comes from, else SYSTEM_USER."""
    for field in _BODIES:
        body = update.get(field)
        if isinstance(body, dict):
            sender = body.get("from")
            if isinstance(sender, dict) and isinstance(sender.get("id"), int):
                return int(sender["id"])
    return SYSTEM_USER


def wants_quick_answer(update: dict[str, Any]) -> bool:
    """A button press or a pre-checkout query: Telegram shows a spinner until the bot answers
    a press, and cancels a payment whose pre-checkout query is not answered within 10 s."""
    return isinstance(update.get("callback_query"), dict) or isinstance(
        update.get("pre_checkout_query"), dict
    )


def read(update: dict[str, Any]) -> Incoming:
    """Classify a raw update. Never raises on unexpected shapes: they become Kind.OTHER."""
    update_id = int(update.get("update_id", 0))
    if isinstance(update.get("callback_query"), dict):
        return _callback(update_id, update["callback_query"], update)
    if isinstance(update.get("pre_checkout_query"), dict):
        query = update["pre_checkout_query"]
        return Incoming(
            update_id,
            Kind.PRE_CHECKOUT,
            _profile(query.get("from")),
            None,
            callback_id=str(query.get("id", "")),
            raw=update,
        )
    if isinstance(update.get("my_chat_member"), dict):
        member = update["my_chat_member"]
        chat = member.get("chat") or {}
        return Incoming(
            update_id, Kind.MEMBERSHIP, _profile(member.get("from")), chat.get("id"), raw=update
        )
    message = update.get("message") or update.get("edited_message")
    if isinstance(message, dict):
        return _message(update_id, message, update)
    return Incoming(update_id, Kind.OTHER, None, None, raw=update)


def _callback(update_id: int, query: dict[str, Any], raw: dict[str, Any]) -> Incoming:
    message = query.get("message") or {}
    chat = message.get("chat") or {}
    return Incoming(
        update_id,
        Kind.CALLBACK,
        _profile(query.get("from")),
        chat.get("id"),
        callback_id=str(query.get("id", "")),
        callback_data=str(query.get("data", "")),
        message_id=message.get("message_id"),
        raw=raw,
    )


def _message(update_id: int, message: dict[str, Any], raw: dict[str, Any]) -> Incoming:
    chat_id = (message.get("chat") or {}).get("id")
    text = message.get("text") or message.get("caption") or ""
    kind, command, argument = Kind.TEXT, "", ""
    if "successful_payment" in message or "refunded_payment" in message:
        kind = Kind.PAYMENT
    elif any(key in message for key in _MEDIA):
        kind = Kind.MEDIA
    elif text.startswith("/"):
        head, _, rest = text[1:].partition(" ")
        kind, command, argument = Kind.COMMAND, head.split("@", 1)[0].lower(), rest.strip()
    return Incoming(
        update_id,
        kind,
        _profile(message.get("from")),
        chat_id,
        text=text,
        command=command,
        argument=argument,
        message_id=message.get("message_id"),
        raw=raw,
    )


def _profile(sender: Any) -> Profile | None:
    if not isinstance(sender, dict) or not isinstance(sender.get("id"), int):
        return None
    return Profile(
        user_id=sender["id"],
        first_name=str(sender.get("first_name") or ""),
        username=sender.get("username"),
        last_name=sender.get("last_name"),
        language_code=sender.get("language_code"),
    )
