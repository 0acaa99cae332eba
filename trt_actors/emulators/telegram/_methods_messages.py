"""Text messages: sendMessage, editMessage{Text,Caption,ReplyMarkup}, deleteMessage,
sendChatAction."""

from __future__ import annotations

import time
from typing import Any

from trt_actors.emulators.telegram._errors import bad_request
from trt_actors.emulators.telegram._registry import (
    Call,
    api_method,
    find_message,
    formatted,
    inline_markup,
    reply_to,
    resolve_chat,
)
from trt_actors.emulators.telegram._store import StoredMessage

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
MEDIA_KEYS = ("photo", "video", "audio", "document", "animation", "voice")


@api_method("sendMessage")
async def send_message(call: Call) -> dict[str, Any]:
    chat = resolve_chat(call, sending=True)
    content = formatted(call.args)
    content.update(reply_to(call, chat))
    content.update(inline_markup(call.args))
    stored = call.bot.add_message(chat, call.bot.user, content, method=call.method, args=call.args)
    return stored.data


def _editable(call: Call) -> StoredMessage:
    stored = find_message(call)
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return stored


def _apply_edit(
    call: Call, stored: StoredMessage, changes: dict[str, Any], drop: tuple[str, ...]
) -> None:
    """Apply `changes` (and remove `drop` keys); 400 "not modified" if nothing changes."""
    new = {k: v for k, v in stored.data.items() if k not in drop and k != "edit_date"}
    new.update(changes)
    old = {k: v for k, v in stored.data.items() if k != "edit_date"}
    if new == old:
        raise bad_request(NOT_MODIFIED)
    stored.history.append(dict(stored.data))
    new["edit_date"] = int(time.time())
    stored.data = new
    resolve_chat(call).changed.notify()


@api_method("editMessageText")
async def edit_message_text(call: Call) -> dict[str, Any]:
    stored = _editable(call)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    changes = formatted(call.args)
    changes.update(inline_markup(call.args))
    _apply_edit(call, stored, changes, drop=("entities", "reply_markup"))
    return stored.data


@api_method("editMessageCaption")
async def edit_message_caption(call: Call) -> dict[str, Any]:
    stored = _editable(call)
    if not any(key in stored.data for key in MEDIA_KEYS):
        raise bad_request("there is no caption in the message to edit")
    changes = formatted(call.args, "caption", "caption_entities")
    changes.update(inline_markup(call.args))
    _apply_edit(call, stored, changes, drop=("caption", "caption_entities", "reply_markup"))
    return stored.data


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    stored = _editable(call)
    _apply_edit(call, stored, inline_markup(call.args), drop=("reply_markup",))
    return stored.data


@api_method("deleteMessage")
async def delete_message(call: Call) -> bool:
    stored = find_message(call, purpose="delete")
    stored.deleted = True
    return True


@api_method("sendChatAction")
async def send_chat_action(call: Call) -> bool:
    chat = resolve_chat(call, sending=True)
    chat.actions.append(call.args["action"])
    return True
