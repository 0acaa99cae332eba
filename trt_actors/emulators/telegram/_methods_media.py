"""Files and media: sendPhoto, sendVideo, sendAudio, sendDocument, sendAnimation, sendVoice,
sendMediaGroup, getFile.

Uploads are stored with their bytes; URLs are recorded (never fetched); file_ids must name a
file this bot has seen, of a compatible kind.
"""

from __future__ import annotations

from typing import Any

from trt_actors.emulators.telegram._errors import bad_request
from trt_actors.emulators.telegram._files import (
    MAX_DOWNLOAD_BYTES,
    MAX_PHOTO_UPLOAD_BYTES,
    MAX_UPLOAD_BYTES,
    StoredFile,
)
from trt_actors.emulators.telegram._multipart import UploadedFile
from trt_actors.emulators.telegram._registry import (
    Call,
    api_method,
    formatted,
    inline_markup,
    reply_to,
    resolve_chat,
)
from trt_actors.emulators.telegram._validator import ATTACH

_MEDIA_METHODS = {
    "sendPhoto": "photo",
    "sendVideo": "video",
    "sendAudio": "audio",
    "sendDocument": "document",
    "sendAnimation": "animation",
    "sendVoice": "voice",
}


def store_input(call: Call, kind: str, value: Any) -> StoredFile:
    """Turn an InputFile, attach:// name, URL or file_id into a stored file of `kind`."""
    files = call.bot.files
    if isinstance(value, str) and value.startswith(ATTACH):
        upload = call.uploads.get(value[len(ATTACH) :])
        if upload is None:
            raise bad_request(f"file {value} not found in the request")
        value = upload
    if isinstance(value, UploadedFile):
        limit = MAX_PHOTO_UPLOAD_BYTES if kind == "photo" else MAX_UPLOAD_BYTES
        if len(value.data) > limit:
            raise bad_request("file is too big")
        if not value.data:
            raise bad_request("file must be non-empty")
        return files.add(
            kind, data=value.data, file_name=value.filename, mime_type=value.content_type or None
        )
    text = str(value)
    if text.startswith(("http://", "https://")):
        return files.add(kind, url=text, file_name=text.rpartition("/")[2] or None)
    stored = files.get(text)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if kind not in (stored.kind, "document"):
        raise bad_request(f"can't use file of type {stored.kind} as {kind}")
    return stored


def media_content(kind: str, stored: StoredFile) -> dict[str, Any]:
    """The Message fields for one file of `kind`."""
    if kind == "photo":
        return {"photo": [stored.media_json(kind)]}
    return {kind: stored.media_json(kind)}


async def _send_media(call: Call) -> dict[str, Any]:
    kind = _MEDIA_METHODS[call.method]
    chat = resolve_chat(call, sending=True)
    stored = store_input(call, kind, call.args[kind])
    content = media_content(kind, stored)
    content.update(formatted(call.args, "caption", "caption_entities"))
    content.update(reply_to(call, chat))
    content.update(inline_markup(call.args))
    message = call.bot.add_message(chat, call.bot.user, content, method=call.method, args=call.args)
    return message.data


for _name in _MEDIA_METHODS:
    api_method(_name)(_send_media)


@api_method("sendMediaGroup")
async def send_media_group(call: Call) -> list[dict[str, Any]]:
    chat = resolve_chat(call, sending=True)
    items: list[dict[str, Any]] = call.args["media"]
    prepared = [(item, store_input(call, item["type"], item["media"])) for item in items]
    group_id = f"{call.bot.user.id}{call.bot.next_id():08d}"
    replied = reply_to(call, chat)
    messages = []
    for item, stored in prepared:
        content = media_content(item["type"], stored)
        content["media_group_id"] = group_id
        content.update(formatted(item, "caption", "caption_entities"))
        content.update(replied)
        message = call.bot.add_message(chat, call.bot.user, content, method=call.method, args=item)
        messages.append(message.data)
    return messages


@api_method("getFile")
async def get_file(call: Call) -> dict[str, Any]:
    stored = call.bot.files.get(call.args["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    if (stored.size or 0) > MAX_DOWNLOAD_BYTES:
        raise bad_request("file is too big")
    return stored.file_json()
