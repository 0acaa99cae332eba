"""Whether a raw update is one the bot can read: the webhook refuses the others (400).

`problem_of(update)` names what is wrong, or returns None. It checks what the bot relies on
and nothing else, so an update of a newer Bot API still passes:

- the update is a JSON object whose `update_id` is an integer from 0 to 2**63 - 1 (the
  inbox's key is a signed 64-bit integer);
- every field naming an update kind of the Bot API (`UPDATE_KINDS`) is an object, and there
  is at most one of them ("At most one of the optional fields can be present");
- in the kinds the bot reads (`message`, `edited_message`, `callback_query`,
  `pre_checkout_query`, `my_chat_member`), each field it reads has the type the Bot API gives
  it, and those the Bot API requires are present: users and chats (objects whose `id` is an
  integer within 64 bits; a user's `first_name` a string, and `last_name`, `username`,
  `language_code` strings when present), `message_id`, `text`, `caption`, files (`photo` a
  list of objects, `document`, `video`, ... objects), payments, a press's `id`, `data` and
  `message`, a pre-checkout query's `id`, `currency`, `total_amount` and `invoice_payload`,
  a membership change's `chat` and `new_chat_member`.

Unknown fields, unknown update kinds, the kinds the bot does not read and the fields it does
not read (`date`, `entities`, `is_bot`, ...) are not looked at: the bot ignores them. Never
raises.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

UPDATE_KINDS = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "guest_message",
        "message_reaction",
        "message_reaction_count",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
        "managed_bot",
    }
)
"""The update kinds of the Bot API (10.1): every field of `Update` but `update_id`."""

Check = Callable[[Any], str | None]  # what is wrong with one field's value, or None


def _integer(value: Any) -> str | None:
    if type(value) is not int:
        return "is not an integer"
    if not INT64_MIN <= value <= INT64_MAX:
        return "is out of the 64-bit range"
    return None


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "is not a string"


def _object(value: Any) -> str | None:
    return None if isinstance(value, dict) else "is not an object"


def _list_of_objects(value: Any) -> str | None:
    if not isinstance(value, list):
        return "is not a list"
    return None if all(isinstance(item, dict) for item in value) else "has an item not an object"


def _fields(required: Mapping[str, Check], optional: Mapping[str, Check]) -> Check:
    """An object whose `required` fields are present and whose fields pass their checks."""

    def check(value: Any) -> str | None:
        if not isinstance(value, dict):
            return "is not an object"
        for name in required:
            if name not in value:
                return f".{name} is missing"
        for checks in (required, optional):
            for name, field_check in checks.items():
                if name in value and (problem := field_check(value[name])) is not None:
                    return _within(f".{name}", problem)
        return None

    return check


_USER = _fields(
    {"id": _integer, "first_name": _string},
    {"last_name": _string, "username": _string, "language_code": _string},
)
_CHAT = _fields({"id": _integer}, {})
_FILES = ("document", "video", "audio", "voice", "animation", "video_note", "sticker")
_MESSAGE = _fields(
    {"message_id": _integer, "chat": _CHAT},
    {
        "from": _USER,
        "text": _string,
        "caption": _string,
        "photo": _list_of_objects,
        **dict.fromkeys(_FILES, _object),
        "successful_payment": _object,
        "refunded_payment": _object,
    },
)
_PRESSED_MESSAGE = _fields({"message_id": _integer, "chat": _CHAT}, {})  # or inaccessible
_READ_KINDS: dict[str, Check] = {
    "message": _MESSAGE,
    "edited_message": _MESSAGE,
    "callback_query": _fields(
        {"id": _string, "from": _USER}, {"message": _PRESSED_MESSAGE, "data": _string}
    ),
    "pre_checkout_query": _fields(
        {
            "id": _string,
            "from": _USER,
            "currency": _string,
            "total_amount": _integer,
            "invoice_payload": _string,
        },
        {},
    ),
    "my_chat_member": _fields({"chat": _CHAT, "from": _USER, "new_chat_member": _object}, {}),
}


def problem_of(update: Any) -> str | None:
    """What makes `update` (parsed JSON) unreadable for the bot, or None (see the module)."""
    if not isinstance(update, dict):
        return "the update is not an object"
    update_id = update.get("update_id")
    if type(update_id) is not int:
        return "update_id is missing or not an integer"
    if not 0 <= update_id <= INT64_MAX:
        return "update_id is negative or over 2**63 - 1"
    kinds = [kind for kind in update if kind in UPDATE_KINDS]
    if len(kinds) > 1:
        return f"more than one update kind: {', '.join(sorted(kinds))}"
    for kind in kinds:
        check = _READ_KINDS.get(kind, _object)
        if (problem := check(update[kind])) is not None:
            return _within(kind, problem)
    return None


def _within(path: str, problem: str) -> str:
    """`problem` of a field, told from the `path` above it: "message.chat.id is not ..."."""
    return f"{path}{problem}" if problem.startswith(".") else f"{path} {problem}"
