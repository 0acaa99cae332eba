"""The streamed multipart body of KIE's `file-stream-upload`, and what the upload returns.

The file is never read whole: the body is the form fields, then the file in chunks of
`CHUNK_BYTES` as the source yields them, then the closing boundary. With a known size the
request carries `Content-Length`; otherwise it is sent chunked.
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

import trio

from ._errors import KieProtocolError

#: Size of one chunk read from a file-like source.
CHUNK_BYTES = 256 * 1024

UploadSource = bytes | BinaryIO | AsyncIterable[bytes]
"""What `KieClient.upload` streams: bytes, a binary file object, or an async iterable."""


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file on KIE's upload host. Pass `download_url` to a model (kept about 3 days)."""

    download_url: str
    file_name: str
    file_path: str
    size: int | None
    mime_type: str | None

    @classmethod
    def from_data(cls, data: Any) -> UploadedFile:
        """Read the upload API's `data`; raises `KieProtocolError` without a download URL."""
        if not isinstance(data, Mapping):
            raise KieProtocolError("upload answer has no data object")
        url = data.get("downloadUrl") or data.get("fileUrl")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise KieProtocolError(f"upload answer has no download URL: {url!r}")
        size = data.get("fileSize")
        mime = data.get("mimeType")
        return cls(
            download_url=url,
            file_name=str(data.get("fileName") or ""),
            file_path=str(data.get("filePath") or ""),
            size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            mime_type=mime if isinstance(mime, str) else None,
        )


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "").replace("\n", "")


class MultipartUpload:
    """One multipart/form-data body: text `fields`, then the file part named ``file``.

    `replayable` says whether `stream()` may be called again for a retry (bytes and seekable
    files: yes; an async iterable: no).
    """

    def __init__(
        self,
        source: UploadSource,
        *,
        fields: Mapping[str, str],
        file_name: str,
        content_type: str,
        size: int | None = None,
    ) -> None:
        self.boundary = "trt-" + secrets.token_hex(16)
        self._source = source
        self._start = source.tell() if _seekable(source) else 0  # type: ignore[union-attr]
        head = [
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"'
            f"\r\n\r\n{value}\r\n"
            for name, value in fields.items()
        ]
        head.append(
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{_quoted(file_name)}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        self._head = "".join(head).encode("utf-8")
        self._tail = f"\r\n--{self.boundary}--\r\n".encode("ascii")
        self.file_size = size if size is not None else _size_of(source)

    @property
    def replayable(self) -> bool:
        return isinstance(self._source, bytes) or _seekable(self._source)

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    @property
    def content_length(self) -> int | None:
        """The body's length when the file's size is known, else None (chunked)."""
        if self.file_size is None:
            return None
        return len(self._head) + self.file_size + len(self._tail)

    def headers(self) -> dict[str, str]:
        headers = {"Content-Type": self.content_type}
        if self.content_length is not None:
            headers["Content-Length"] = str(self.content_length)
        return headers

    async def stream(self) -> AsyncIterator[bytes]:
        """The body, chunk by chunk (file-like sources are read in a worker thread)."""
        yield self._head
        source = self._source
        if isinstance(source, bytes):
            for offset in range(0, len(source), CHUNK_BYTES):
                yield source[offset : offset + CHUNK_BYTES]
        elif isinstance(source, AsyncIterable):
            async for chunk in source:
                if chunk:
                    yield bytes(chunk)
        else:
            async for chunk in _read_file(source, self._start):
                yield chunk
        yield self._tail


async def _read_file(file: BinaryIO, start: int) -> AsyncIterator[bytes]:
    if _seekable(file):
        file.seek(start)
    in_memory = isinstance(file, io.BytesIO)
    while True:
        if in_memory:
            chunk = file.read(CHUNK_BYTES)
        else:
            chunk = await trio.to_thread.run_sync(file.read, CHUNK_BYTES)
        if not chunk:
            return
        yield chunk


def _seekable(source: object) -> bool:
    seekable = getattr(source, "seekable", None)
    return callable(seekable) and bool(seekable())


def _size_of(source: UploadSource) -> int | None:
    if isinstance(source, bytes):
        return len(source)
    if isinstance(source, AsyncIterable) or not _seekable(source):
        return None
    if isinstance(source, io.BytesIO):
        return source.getbuffer().nbytes - source.tell()
    try:
        return os.fstat(source.fileno()).st_size - source.tell()
    except (OSError, AttributeError, ValueError):
        return None
