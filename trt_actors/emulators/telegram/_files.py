"""Files known to one bot: uploaded bytes, URLs the bot passed, and files users sent.

A file_id is bot-specific and names one media kind, as in Telegram: reusing a photo's
file_id in sendDocument is fine (Telegram allows it for documents), in sendVideo it is not.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Any, Literal

#: getFile refuses files above this size, as Telegram does (20 MB).
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
#: Upload limits by multipart/form-data: photos 10 MB, other files 50 MB.
MAX_PHOTO_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
DEFAULT_SIZE = (1280, 720)

_PREFIX = {
    "photo": "AgAC",
    "document": "BQAC",
    "video": "BAAC",
    "audio": "CQAC",
    "voice": "AwAC",
    "animation": "CgAC",
}
_FOLDER = {
    "photo": "photos",
    "document": "documents",
    "video": "videos",
    "audio": "music",
    "voice": "voice",
    "animation": "animations",
}
_EXTENSION = {"photo": "jpg", "video": "mp4", "audio": "mp3", "voice": "oga", "animation": "mp4"}


@dataclass(slots=True)
class StoredFile:
    """One file: its ids, kind, and either bytes (uploaded) or the URL it came from."""

    file_id: str
    file_unique_id: str
    kind: str
    data: bytes | None
    url: str | None
    file_name: str | None
    mime_type: str | None
    file_path: str
    width: int = 0
    height: int = 0
    # what updates and getFile say of its size: its real size, another number (a test of a
    # bot that must not trust it), or None (Telegram's file_size is optional)
    declared: int | Literal["actual"] | None = "actual"

    @property
    def size(self) -> int | None:
        """What the updates and getFile report (see `declared`)."""
        if self.declared != "actual":
            return self.declared
        return None if self.data is None else len(self.data)

    def file_json(self) -> dict[str, Any]:
        """The File object getFile returns."""
        data: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_path": self.file_path,
        }
        if self.size is not None:
            data["file_size"] = self.size
        return data

    def media_json(self, kind: str | None = None) -> dict[str, Any]:
        """The object a Message carries for this file sent as `kind` (default: its own):
        PhotoSize, Document, Video, Audio, Voice or Animation."""
        kind = kind or self.kind
        data: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if kind in ("photo", "video", "animation"):
            data["width"], data["height"] = self.width, self.height
        if kind in ("video", "animation", "audio", "voice"):
            data["duration"] = 1
        if kind != "photo":
            if self.file_name and kind != "voice":
                data["file_name"] = self.file_name
            if self.mime_type:
                data["mime_type"] = self.mime_type
        if self.size is not None:
            data["file_size"] = self.size
        return data


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF or JPEG image from its header; None if unknown."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None


class FileStore:
    """The files of one bot, by file_id and by file_path."""

    def __init__(self, bot_id: int) -> None:
        self._bot_id = bot_id
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._count = 0
        self.downloads: list[tuple[str, int]] = []  # (file_path, bytes served), in order

    def add(
        self,
        kind: str,
        *,
        data: bytes | None = None,
        url: str | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
        declared: int | Literal["actual"] | None = "actual",
    ) -> StoredFile:
        """Store a new file of `kind` (photo, document, video, audio, voice, animation);
        `declared` overrides the size it is said to have (None: not said)."""
        self._count += 1
        digest = hashlib.sha1(data if data is not None else (url or "").encode()).hexdigest()
        unique = f"AQAD{digest[:12]}"
        file_id = f"{_PREFIX.get(kind, 'BQAC')}{self._bot_id}_{self._count}_{digest[:16]}"
        extension = _EXTENSION.get(kind) or (file_name or "file.bin").rpartition(".")[2] or "bin"
        path = f"{_FOLDER.get(kind, 'documents')}/file_{self._count}.{extension}"
        width, height = DEFAULT_SIZE
        if data is not None and kind in ("photo", "video", "animation"):
            width, height = image_size(data) or DEFAULT_SIZE
        stored = StoredFile(
            file_id, unique, kind, data, url, file_name, mime_type, path, width, height, declared
        )
        self._by_id[file_id] = stored
        self._by_path[path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)
