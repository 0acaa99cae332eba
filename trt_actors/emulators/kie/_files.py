"""Files the emulator serves: generated results and uploads, under ``/files/{id}/{name}``.

A file can be marked expired (its plain URL answers 404, as KIE's links do after a while);
`temporary_link` then gives a fresh link (what download-url returns) that still works. A
result's bytes are made when first asked for (`put_made`): most results in tests are never
fetched, and drawing one takes some milliseconds.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from trt_actors.web import Request, Response

FILES_PREFIX = "/files/"


@dataclass(slots=True)
class StoredFile:
    """One file held in memory (`data`), or made on first use by `maker`."""

    file_id: str
    name: str
    content_type: str
    data: bytes
    path: str = ""
    expired: bool = False
    tokens: set[str] = field(default_factory=set)
    maker: Callable[[], bytes] | None = None

    def content(self) -> bytes:
        """The file's bytes, made now if they were not yet."""
        if self.maker is not None:
            self.data, self.maker = self.maker(), None
        return self.data


class FileStore:
    """Every file of one emulator, by id."""

    def __init__(self) -> None:
        self.files: dict[str, StoredFile] = {}

    def put(self, data: bytes, name: str, content_type: str, *, path: str = "") -> StoredFile:
        stored = StoredFile(secrets.token_hex(12), name, content_type, data, path=path)
        self.files[stored.file_id] = stored
        return stored

    def put_made(self, maker: Callable[[], bytes], name: str, content_type: str) -> StoredFile:
        """A file whose bytes `maker` makes when they are first asked for."""
        stored = StoredFile(secrets.token_hex(12), name, content_type, b"", maker=maker)
        self.files[stored.file_id] = stored
        return stored

    def url(self, base_url: str, file_id: str) -> str:
        stored = self.files[file_id]
        return f"{base_url}{FILES_PREFIX}{file_id}/{quote(stored.name)}"

    def by_url(self, base_url: str, url: str) -> StoredFile | None:
        """The file a URL of ours points to (query ignored), else None."""
        prefix = base_url + FILES_PREFIX
        if not url.startswith(prefix):
            return None
        file_id = url[len(prefix) :].split("/", 1)[0]
        return self.files.get(file_id)

    def temporary_link(self, base_url: str, stored: StoredFile) -> str:
        token = secrets.token_urlsafe(12)
        stored.tokens.add(token)
        return f"{self.url(base_url, stored.file_id)}?token={token}"

    async def serve(self, request: Request) -> Response:
        """GET handler: the file's bytes, 404 when unknown or expired without a token."""
        stored = self.files.get(request.params["file_id"])
        if stored is None:
            return Response.text("not found", 404)
        if stored.expired and request.query.get("token") not in stored.tokens:
            return Response.text("link expired", 404)
        return Response.bytes(stored.content(), stored.content_type)
