"""Telegram's limits that the spec states in prose: lengths, button data, invoices, commands.

`check_semantics(method, args)` runs after type validation (so `args` hold Python values)
and returns `Problem`s with Telegram's wording; it never raises.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from trt_actors.emulators.telegram._formatting import EntityError, parse_formatted, utf16_len
from trt_actors.emulators.telegram._validator import Problem

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER = 200
MAX_COMMANDS = 100
MEDIA_GROUP_SIZE = (2, 10)
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
CAPTION_METHODS = frozenset(
    {
        "sendPhoto",
        "sendVideo",
        "sendAudio",
        "sendDocument",
        "sendAnimation",
        "sendVoice",
        "editMessageCaption",
    }
)

Check = Callable[[dict[str, Any]], list[Problem]]


def _p(kind: str, path: str, detail: str) -> list[Problem]:
    return [Problem(kind, path, detail)]


def check_formatted(
    args: dict[str, Any], key: str, entities_key: str, limit: int, *, required: bool
) -> list[Problem]:
    """Check the text under `key` after entity parsing against `limit` characters."""
    value = args.get(key)
    if value is None:
        return []
    try:
        parsed = parse_formatted(value, args.get("parse_mode"))
    except EntityError as exc:
        return _p("bad_entities", key, str(exc))
    except ValueError as exc:
        return _p("invalid_value", "parse_mode", str(exc))
    plain = parsed.text.strip()
    what = "message text" if key == "text" else "message caption"
    if required and not plain:
        return _p("invalid_value", key, f"{what} is empty")
    if len(plain) > limit:
        return _p(
            "too_long", key, "message is too long" if key == "text" else f"{what} is too long"
        )
    return _entities_in_range(args.get(entities_key) or [], value, entities_key)


def _entities_in_range(entities: list[dict[str, Any]], text: str, key: str) -> list[Problem]:
    size = utf16_len(text)
    for entity in entities:
        if entity.get("offset", 0) + entity.get("length", 0) > size:
            return _p("bad_entities", key, "can't parse entities: entity beyond the end of text")
    return []


def _inline_button(button: dict[str, Any], path: str) -> list[Problem]:
    if not str(button.get("text", "")).strip():
        return _p(
            "invalid_value", f"{path}.text", "can't parse inline keyboard button: text is empty"
        )
    actions = [name for name in BUTTON_ACTIONS if name in button]
    if len(actions) != 1:
        return _p(
            "invalid_value",
            path,
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
        )
    data = button.get("callback_data")
    if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES:
        return _p("too_long", f"{path}.callback_data", "BUTTON_DATA_INVALID")
    return []


def check_reply_markup(args: dict[str, Any]) -> list[Problem]:
    """Inline buttons: one action each, callback_data of 1-64 bytes; keyboards not empty."""
    markup = args.get("reply_markup")
    if not isinstance(markup, dict):
        return []
    problems: list[Problem] = []
    for r, row in enumerate(markup.get("inline_keyboard") or []):
        for c, button in enumerate(row):
            problems += _inline_button(button, f"reply_markup.inline_keyboard[{r}][{c}]")
    if "keyboard" in markup and not any(markup["keyboard"]):
        problems += _p("invalid_value", "reply_markup.keyboard", "keyboard must be non-empty")
    return problems


def _text(args: dict[str, Any]) -> list[Problem]:
    return check_formatted(args, "text", "entities", MAX_TEXT, required=True)


def _edit_target(args: dict[str, Any]) -> list[Problem]:
    if "inline_message_id" in args or ("chat_id" in args and "message_id" in args):
        return []
    return _p("missing_parameter", "message_id", "message identifier is not specified")


def _edit_text(args: dict[str, Any]) -> list[Problem]:
    if "text" not in args and "rich_message" not in args:
        return _p("missing_parameter", "text", "text is empty")
    return _edit_target(args) + _text(args)


def _media_group(args: dict[str, Any]) -> list[Problem]:
    media = args.get("media") or []
    low, high = MEDIA_GROUP_SIZE
    if not low <= len(media) <= high:
        return _p("invalid_value", "media", "media group must include 2-10 items")
    kinds = {item.get("type") for item in media}
    for solo in ("document", "audio"):
        if solo in kinds and len(kinds) > 1:
            return _p("invalid_value", "media", f"{solo} can't be mixed with other media types")
    problems: list[Problem] = []
    for item in media:
        problems += check_formatted(
            item, "caption", "caption_entities", MAX_CAPTION, required=False
        )
    return problems


def _invoice(args: dict[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if not 1 <= len(args.get("title", "")) <= 32:
        problems += _p("invalid_value", "title", "invoice title must be 1-32 characters")
    if not 1 <= len(args.get("description", "")) <= 255:
        problems += _p(
            "invalid_value", "description", "invoice description must be 1-255 characters"
        )
    if not 1 <= len(args.get("payload", "").encode()) <= 128:
        problems += _p("invalid_value", "payload", "INVOICE_PAYLOAD_INVALID")
    prices = args.get("prices") or []
    if not prices or any(p.get("amount", 0) <= 0 for p in prices):
        problems += _p("invalid_value", "prices", "CURRENCY_TOTAL_AMOUNT_INVALID")
    if args.get("currency") == "XTR":
        if len(prices) != 1:
            problems += _p("invalid_value", "prices", "XTR invoices must have exactly one price")
        if args.get("provider_token"):
            problems += _p(
                "invalid_value", "provider_token", "provider_token must be empty for XTR"
            )
    return problems


def _commands(args: dict[str, Any]) -> list[Problem]:
    commands = args.get("commands") or []
    if len(commands) > MAX_COMMANDS:
        return _p("invalid_value", "commands", "BOT_COMMANDS_TOO_MUCH")
    for i, command in enumerate(commands):
        if not _COMMAND.fullmatch(command.get("command", "")):
            return _p("invalid_value", f"commands[{i}].command", "BOT_COMMAND_INVALID")
        if not 1 <= len(command.get("description", "")) <= 256:
            return _p(
                "invalid_value", f"commands[{i}].description", "BOT_COMMAND_DESCRIPTION_INVALID"
            )
    return []


def _callback_answer(args: dict[str, Any]) -> list[Problem]:
    if len(args.get("text") or "") > MAX_CALLBACK_ANSWER:
        return _p("too_long", "text", "MESSAGE_TOO_LONG")
    return []


def _chat_action(args: dict[str, Any]) -> list[Problem]:
    if args.get("action") not in CHAT_ACTIONS:
        return _p("invalid_value", "action", "wrong parameter action in request")
    return []


def _webhook(args: dict[str, Any]) -> list[Problem]:
    url = args.get("url", "")
    if url and not url.startswith(("http://", "https://")):
        return _p("invalid_value", "url", "bad webhook: An HTTPS URL must be provided for webhook")
    secret = args.get("secret_token")
    if secret is not None and not _SECRET.fullmatch(secret):
        return _p("invalid_value", "secret_token", "secret token contains unallowed characters")
    if not 1 <= args.get("max_connections", 40) <= 100:
        return _p("invalid_value", "max_connections", "max_connections must be 1-100")
    return []


def _pre_checkout(args: dict[str, Any]) -> list[Problem]:
    if args.get("ok") is False and not args.get("error_message"):
        return _p("missing_parameter", "error_message", "ERROR_MESSAGE_EMPTY")
    return []


def _caption(args: dict[str, Any]) -> list[Problem]:
    return check_formatted(args, "caption", "caption_entities", MAX_CAPTION, required=False)


_BY_METHOD: dict[str, tuple[Check, ...]] = {
    "sendMessage": (_text,),
    "editMessageText": (_edit_text,),
    "editMessageCaption": (_edit_target, _caption),
    "editMessageReplyMarkup": (_edit_target,),
    "sendMediaGroup": (_media_group,),
    "sendInvoice": (_invoice,),
    "setMyCommands": (_commands,),
    "answerCallbackQuery": (_callback_answer,),
    "sendChatAction": (_chat_action,),
    "setWebhook": (_webhook,),
    "answerPreCheckoutQuery": (_pre_checkout,),
}


def check_semantics(method: str, args: dict[str, Any]) -> list[Problem]:
    """Every prose limit that applies to one call of `method` with converted `args`."""
    problems: list[Problem] = []
    checks = _BY_METHOD.get(method, ())
    if method in CAPTION_METHODS and method != "editMessageCaption":
        checks = (*checks, _caption)
    for check in checks:
        problems += check(args)
    return problems + check_reply_markup(args)
