"""A file to upload with a Bot API call: plain data, shared by the domain and the senders."""

from __future__ import annotations

from dataclasses import dataclass

OCTET_STREAM = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class TelegramFile:
    """A file to upload: sent as one multipart part named after its parameter."""

    name: str
    data: bytes
    mime: str = OCTET_STREAM
