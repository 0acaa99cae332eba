"""Files users send, read from the update: which media inputs they can fill, and their facts.

A photo fills image inputs; a video, video note or animation fills video inputs; an audio or a
voice message fills audio inputs; a document fills file inputs and, by its MIME type, image,
video or audio inputs too. Telegram reports durations (seconds) and photo sizes (pixels),
which pricing and limits need; a fact Telegram does not give stays unknown.

Telegram lets a bot download files of at most `MAX_FILE_BYTES`: a file that says it is larger
(its `file_size`) is refused here, before anything is fetched, with the limit in the answer.
The download itself stops at the same limit whatever the file said (`nodes.media`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from trt_actors.catalog import MediaKind

from .state import MediaFile
from .updates import Incoming

MAX_FILE_BYTES = 20 * 1024 * 1024  # what the Bot API lets a bot download (getFile)
_MIME_KINDS = {"image/": MediaKind.IMAGE, "video/": MediaKind.VIDEO, "audio/": MediaKind.AUDIO}
_FIELD_KINDS = {
    "video": MediaKind.VIDEO,
    "video_note": MediaKind.VIDEO,
    "animation": MediaKind.VIDEO,
    "audio": MediaKind.AUDIO,
    "voice": MediaKind.AUDIO,
}


@dataclass(frozen=True, slots=True)
class Received:
    """One file from a message: the media kinds it can fill and the file itself."""

    kinds: frozenset[MediaKind]
    file: MediaFile
    size: int | None = None  # bytes, as the update says (None: not said)

    def fits(self, kind: MediaKind) -> bool:
        return kind in self.kinds

    @property
    def too_big(self) -> bool:
        """The file says it is larger than a bot may download."""
        return self.size is not None and self.size > MAX_FILE_BYTES


def _message(incoming: Incoming) -> Mapping[str, Any]:
    raw = incoming.raw or {}
    message = raw.get("message") or raw.get("edited_message")
    return message if isinstance(message, Mapping) else {}


def _seconds(body: Mapping[str, Any]) -> Fraction | None:
    duration = body.get("duration")
    if isinstance(duration, int) and not isinstance(duration, bool) and duration >= 0:
        return Fraction(duration)
    return None


def _megapixels(body: Mapping[str, Any]) -> Fraction | None:
    width, height = body.get("width"), body.get("height")
    if isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0:
        return Fraction(width * height, 1_000_000)
    return None


def _file(body: Any, *, pixels: bool) -> MediaFile | None:
    if not isinstance(body, Mapping) or not isinstance(body.get("file_id"), str):
        return None
    return MediaFile(body["file_id"], _seconds(body), _megapixels(body) if pixels else None)


def _size(body: Any) -> int | None:
    size = body.get("file_size") if isinstance(body, Mapping) else None
    return size if isinstance(size, int) and not isinstance(size, bool) and size >= 0 else None


def _largest_photo(sizes: Any) -> tuple[MediaFile, int | None] | None:
    if not isinstance(sizes, list):
        return None
    usable = [size for size in sizes if isinstance(size, Mapping) and "file_id" in size]
    if not usable:
        return None
    best = max(usable, key=lambda size: _megapixels(size) or 0)
    found = _file(best, pixels=True)
    return None if found is None else (found, _size(best))


def received_media(incoming: Incoming) -> Received | None:
    """The file in the incoming message, or None when it carries none the wizard can use."""
    message = _message(incoming)
    photo = _largest_photo(message.get("photo"))
    if photo is not None:
        return Received(frozenset({MediaKind.IMAGE}), *photo)
    for field_name, kind in _FIELD_KINDS.items():
        body = message.get(field_name)
        found = _file(body, pixels=False)
        if found is not None:
            return Received(frozenset({kind}), found, _size(body))
    document = message.get("document")
    found = _file(document, pixels=True)
    if found is None or not isinstance(document, Mapping):
        return None
    mime = str(document.get("mime_type") or "")
    kinds = {MediaKind.FILE}
    kinds.update(kind for prefix, kind in _MIME_KINDS.items() if mime.startswith(prefix))
    return Received(frozenset(kinds), found, _size(document))
