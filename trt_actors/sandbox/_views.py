"""What the page is sent about one message: the Bot API Message itself, plus where its files
can be fetched.

Files that have bytes (uploads by the bot or by a user) are served by the emulator at its
Bot API download URL; files the bot passed as a URL keep that URL (the emulator never fetches
it; on the sandbox it usually points at the KIE emulator). The page renders everything with
`textContent`, so nothing here needs escaping.
"""

from __future__ import annotations

from typing import Any

from trt_actors.emulators.telegram import BotState, StoredMessage

MEDIA_KEYS = ("document", "video", "audio", "voice", "animation", "sticker", "video_note")


def file_ids(message: dict[str, Any]) -> list[str]:
    """The file_ids a Message carries (every size of a photo, and any other media)."""
    found = [str(size["file_id"]) for size in message.get("photo") or [] if "file_id" in size]
    for key in MEDIA_KEYS:
        media = message.get(key)
        if isinstance(media, dict) and "file_id" in media:
            found.append(str(media["file_id"]))
    return found


def file_url(bot: BotState, emulator_url: str, file_id: str) -> str | None:
    """Where the browser can fetch this file, or None when the emulator does not know it."""
    stored = bot.files.get(file_id)
    if stored is None:
        return None
    if stored.data is None:
        return stored.url
    return f"{emulator_url}/file/bot{bot.token}/{stored.file_path}"


def message_view(bot: BotState, emulator_url: str, stored: StoredMessage) -> dict[str, Any]:
    """One message as the page's JSON: `message` (the Bot API object, current version),
    `from_bot`, `deleted`, `edits` (how many times it was edited), `files` (file_id → URL)
    and `paid` (an invoice that was paid: the page shows its receipt, not a Pay button)."""
    files = {}
    for file_id in file_ids(stored.data):
        url = file_url(bot, emulator_url, file_id)
        if url is not None:
            files[file_id] = url
    return {
        "message_id": stored.message_id,
        "chat_id": stored.chat_id,
        "from_bot": stored.from_bot,
        "deleted": stored.deleted,
        "edits": len(stored.history),
        "message": stored.data,
        "files": files,
        "paid": stored.receipt is not None,
    }
