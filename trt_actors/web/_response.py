"""The response object handlers return, with constructors for the usual bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"
BYTES_TYPE = "application/octet-stream"


@dataclass(slots=True)
class Response:
    """What a handler answers: a status, a body, its content type and extra headers.

    `Content-Length` is always computed by the server. `close=True` asks the server to
    close the connection after this response; `abort=True` closes it at once, without
    any response (used to emulate network drops).
    """

    status: int = 200
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    close: bool = False
    abort: bool = False

    @classmethod
    def json(
        cls, value: Any, status: int = 200, *, headers: dict[str, str] | None = None
    ) -> Response:
        """A JSON body (UTF-8, compact; keys that are not strings written as strings)."""
        body = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)
        return cls(status, body, JSON_TYPE, dict(headers or {}))

    @classmethod
    def text(
        cls, text: str, status: int = 200, *, headers: dict[str, str] | None = None
    ) -> Response:
        """A plain-text UTF-8 body."""
        return cls(status, text.encode(), TEXT_TYPE, dict(headers or {}))

    @classmethod
    def bytes(
        cls,
        data: bytes,
        content_type: str = BYTES_TYPE,
        status: int = 200,
        *,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """A raw body with the given content type."""
        return cls(status, data, content_type, dict(headers or {}))

    @classmethod
    def empty(cls, status: int = 204, *, headers: dict[str, str] | None = None) -> Response:
        """No body."""
        return cls(status, b"", None, dict(headers or {}))

    @classmethod
    def drop(cls) -> Response:
        """Close the connection without answering."""
        return cls(0, abort=True)

    def with_headers(self, **headers: str) -> Response:
        """Add headers (underscores in names become dashes) and return self."""
        for name, value in headers.items():
            self.headers[name.replace("_", "-")] = value
        return self
