"""A small, strict multipart/form-data parser (RFC 7578) for request bodies held in memory.

Only what the Bot API needs: parts with a `Content-Disposition: form-data; name=...`
header, an optional `filename` (then the part is a file) and an optional `Content-Type`.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data."""


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart body."""

    field_name: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Part:
    """One part: a field (filename None) or a file."""

    name: str
    filename: str | None
    content_type: str
    data: bytes


def boundary_of(content_type_header: str) -> str:
    """The `boundary` parameter of a Content-Type header; raises MultipartError if absent."""
    message = Message()
    message["content-type"] = content_type_header
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise MultipartError("multipart body without boundary")
    return boundary


def _parse_headers(raw: bytes) -> tuple[str, str | None, str]:
    message = Message()
    for line in raw.split(b"\r\n"):
        if not line:
            continue
        key, sep, value = line.decode("utf-8", "replace").partition(":")
        if not sep:
            raise MultipartError("malformed part header")
        message[key.strip()] = value.strip()
    if message.get_content_disposition() != "form-data":
        raise MultipartError("part without form-data disposition")
    param = message.get_param("name", header="content-disposition")
    filename = message.get_filename()
    name = param[2] if isinstance(param, tuple) else param
    if not isinstance(name, str):
        raise MultipartError("part without a name")
    content_type = message.get("content-type", "text/plain" if filename is None else "")
    return name, filename, str(content_type)


def parse_multipart(body: bytes, boundary: str) -> list[Part]:
    """Split `body` into parts; raises MultipartError when it is malformed."""
    delimiter = b"--" + boundary.encode("latin-1")
    start = body.find(delimiter)
    if start < 0:
        raise MultipartError("boundary not found")
    parts: list[Part] = []
    position = start + len(delimiter)
    while True:
        if body.startswith(b"--", position):
            return parts
        if not body.startswith(b"\r\n", position):
            raise MultipartError("malformed delimiter line")
        head_end = body.find(b"\r\n\r\n", position + 2)
        if head_end < 0:
            raise MultipartError("part headers not terminated")
        name, filename, content_type = _parse_headers(body[position + 2 : head_end])
        next_delimiter = body.find(b"\r\n" + delimiter, head_end + 4)
        if next_delimiter < 0:
            raise MultipartError("closing boundary not found")
        data = body[head_end + 4 : next_delimiter]
        parts.append(Part(name, filename, content_type, data))
        position = next_delimiter + 2 + len(delimiter)
