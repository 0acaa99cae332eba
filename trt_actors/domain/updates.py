"""Reading a raw Telegram update into what the bot needs: who, where, what."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from .update_shape import INT64_MAX, INT64_MIN

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
            sender = _profile(body.get("from"))
            if sender is not None:
                return sender.user_id
    return SYSTEM_USER


def wants_quick_answer(update: dict[str, Any]) -> bool:
    """A button press or a pre-checkout query: Telegram shows a spinner until the bot answers
    a press, and cancels a payment whose pre-checkout query is not answered within 10 s."""
    return isinstance(update.get("callback_query"), dict) or isinstance(
        update.get("pre_checkout_query"), dict
    )


def read(update: dict[str, Any]) -> Incoming:
    """Classify a raw update. Never raises on unexpected shapes: a part of the wrong type
    reads as absent (the webhook refuses such updates: `update_shape`; this is for the rest)."""
    update_id = _integer(update.get("update_id")) or 0
    if isinstance(update.get("callback_query"), dict):
        return _callback(update_id, update["callback_query"], update)
    if isinstance(update.get("pre_checkout_query"), dict):
        query = update["pre_checkout_query"]
        return Incoming(
            update_id,
            Kind.PRE_CHECKOUT,
            _profile(query.get("from")),
            None,
            callback_id=_string(query.get("id")) or "",
            raw=update,
        )
    if isinstance(update.get("my_chat_member"), dict):
        member = update["my_chat_member"]
        chat_id = _integer(_object(member.get("chat")).get("id"))
        return Incoming(
            update_id, Kind.MEMBERSHIP, _profile(member.get("from")), chat_id, raw=update
        )
    message = update.get("message") or update.get("edited_message")
    if isinstance(message, dict):
        return _message(update_id, message, update)
    return Incoming(update_id, Kind.OTHER, None, None, raw=update)


def _callback(update_id: int, query: dict[str, Any], raw: dict[str, Any]) -> Incoming:
    message = _object(query.get("message"))
    return Incoming(
        update_id,
        Kind.CALLBACK,
        _profile(query.get("from")),
        _integer(_object(message.get("chat")).get("id")),
        callback_id=_string(query.get("id")) or "",
        callback_data=_string(query.get("data")) or "",
        message_id=_integer(message.get("message_id")),
        raw=raw,
    )


def _message(update_id: int, message: dict[str, Any], raw: dict[str, Any]) -> Incoming:
    chat_id = _integer(_object(message.get("chat")).get("id"))
    text = _string(message.get("text")) or _string(message.get("caption")) or ""
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
        message_id=_integer(message.get("message_id")),
        raw=raw,
    )


def _profile(sender: Any) -> Profile | None:
    user_id = _integer(sender.get("id")) if isinstance(sender, dict) else None
    if user_id is None:
        return None
    return Profile(
        user_id=user_id,
        first_name=_string(sender.get("first_name")) or "",
        username=_string(sender.get("username")),
        last_name=_string(sender.get("last_name")),
        language_code=_string(sender.get("language_code")),
    )


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _integer(value: Any) -> int | None:
    """An integer the storage can hold (64 bits), else None (a bool is not an integer)."""
    if type(value) is int and INT64_MIN <= value <= INT64_MAX:
        return value
    return None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None
