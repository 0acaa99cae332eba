"""How one result file reaches the chat, by its size (Telegram's limits for bots):

- by URL when Telegram can fetch it itself: photos up to 5 MB, other files up to 20 MB (the
  size comes from a HEAD request under a deadline; a host that does not say is tried by URL);
- by multipart upload when larger, up to 50 MB (photos over 10 MB go as documents: Telegram
  takes photo uploads up to 10 MB only);
- otherwise as a message with the link and how long it stays valid.

When Telegram refuses a URL (it could not fetch it), the file is uploaded instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from trt_actors.catalog import MediaKind

MB = 1_000_000
PHOTO_BY_URL = 5 * MB
OTHER_BY_URL = 20 * MB
PHOTO_UPLOAD = 10 * MB
UPLOAD_LIMIT = 50 * MB
LINK_VALID_HOURS = 24  # KIE: "generated content URLs typically expire after 24 hours"

SEND_METHODS = {
    MediaKind.IMAGE: ("sendPhoto", "photo"),
    MediaKind.VIDEO: ("sendVideo", "video"),
    MediaKind.AUDIO: ("sendAudio", "audio"),
}
DOCUMENT = ("sendDocument", "document")


class Way(StrEnum):
    URL = "url"
    UPLOAD = "upload"
    LINK = "link"


@dataclass(frozen=True, slots=True)
class Plan:
    """How to send one file: the way, and the Bot API method and its file parameter."""

    way: Way
    method: str
    field: str


def plan(output: MediaKind | None, size: int | None) -> Plan:
    """The way a result of kind `output` and `size` bytes (None: unknown) is sent."""
    method, field = SEND_METHODS.get(output or MediaKind.FILE, DOCUMENT)
    by_url = PHOTO_BY_URL if output is MediaKind.IMAGE else OTHER_BY_URL
    if size is None or size <= by_url:
        return Plan(Way.URL, method, field)
    return upload_plan(output, size)


def upload_plan(output: MediaKind | None, size: int | None) -> Plan:
    """Uploading: as the kind's media when Telegram takes an upload that big, else as a
    document; a link when even a document is too big."""
    if size is not None and size > UPLOAD_LIMIT:
        return Plan(Way.LINK, "sendMessage", "text")
    method, field = SEND_METHODS.get(output or MediaKind.FILE, DOCUMENT)
    if output is MediaKind.IMAGE and (size is None or size > PHOTO_UPLOAD):
        method, field = DOCUMENT
    return Plan(Way.UPLOAD, method, field)


def file_name(url: str, fallback: str = "result") -> str:
    """The file name at the end of a result URL (for the upload's part)."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return name[:128] or fallback
