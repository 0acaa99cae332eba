"""The table of emulated Bot API methods, the context each call gets, and shared helpers.

Method modules register with `@api_method("sendMessage")`. An implementation gets a `Call`
whose `args` already passed spec validation, and returns the `result` value or raises
`ApiError`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from trt_actors.emulators.telegram._config import EmulatorConfig
from trt_actors.emulators.telegram._errors import BLOCKED, ApiError, bad_request, forbidden
from trt_actors.emulators.telegram._formatting import parse_formatted
from trt_actors.emulators.telegram._multipart import UploadedFile
from trt_actors.emulators.telegram._store import BotState, Chat, StoredMessage, World


@dataclass(slots=True)
class Call:
    """One validated Bot API call."""

    method: str
    bot: BotState
    args: dict[str, Any]
    world: World
    config: EmulatorConfig
    uploads: dict[str, UploadedFile] = field(default_factory=dict)


MethodImpl = Callable[[Call], Awaitable[Any]]
METHODS: dict[str, MethodImpl] = {}

#: Methods that put a message in a chat: counted by the flood limits, refused when blocked.
SENDING_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendVideo",
        "sendAudio",
        "sendDocument",
        "sendAnimation",
        "sendVoice",
        "sendMediaGroup",
        "sendInvoice",
    }
)


def api_method(name: str) -> Callable[[MethodImpl], MethodImpl]:
    """Register the implementation of Bot API method `name`."""

    def register(impl: MethodImpl) -> MethodImpl:
        METHODS[name] = impl
        return impl

    return register


def resolve_chat(call: Call, *, sending: bool = False) -> Chat:
    """The chat named by `chat_id`; raises 400 chat not found or 403 (blocked, never started)."""
    raw = call.args.get("chat_id")
    chat: Chat | None = None
    if isinstance(raw, int) or (isinstance(raw, str) and raw.lstrip("-").isdigit()):
        chat = call.bot.chat(int(raw))
        if chat is None and int(raw) in call.world.users:
            raise forbidden("bot can't initiate conversation with a user")
    elif isinstance(raw, str):
        name = raw.removeprefix("@")
        chat = next((c for c in call.bot.chats.values() if c.title == name), None)
    if chat is None:
        raise bad_request("chat not found")
    if sending and chat.blocked:
        raise forbidden(BLOCKED)
    return chat


def find_message(call: Call, *, purpose: str = "edit") -> StoredMessage:
    """The message named by chat_id + message_id (inline messages are not emulated)."""
    if "inline_message_id" in call.args:
        raise bad_request(f"message to {purpose} not found")
    chat = resolve_chat(call)
    stored = chat.messages.get(int(call.args.get("message_id", 0)))
    if stored is None or stored.deleted:
        raise bad_request(f"message to {purpose} not found")
    return stored


def formatted(
    args: dict[str, Any], key: str = "text", entities_key: str = "entities"
) -> dict[str, Any]:
    """The message fields for a text or caption: the parsed text and its entities."""
    value = args.get(key)
    if value is None:
        return {}
    parsed = parse_formatted(value, args.get("parse_mode"))
    entities = args.get(entities_key) or parsed.entities
    content: dict[str, Any] = {key: parsed.text}
    if entities:
        content[entities_key] = entities
    return content


def inline_markup(args: dict[str, Any]) -> dict[str, Any]:
    """`{"reply_markup": ...}` when the call carries an inline keyboard (the only markup a
    Message shows), else {}."""
    markup = args.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        return {"reply_markup": markup}
    return {}


def reply_to(call: Call, chat: Chat) -> dict[str, Any]:
    """`{"reply_to_message": ...}` for reply_parameters; 400 when the target is missing."""
    params = call.args.get("reply_parameters")
    if not isinstance(params, dict):
        return {}
    target = chat.messages.get(int(params.get("message_id", 0)))
    if target is None or target.deleted:
        if params.get("allow_sending_without_reply"):
            return {}
        raise bad_request("message to be replied not found")
    return {"reply_to_message": dict(target.data)}


def not_supported(name: str) -> ApiError:
    """The answer for spec methods the emulator does not implement."""
    return ApiError(501, f"Not Implemented: the emulator does not support {name}")
