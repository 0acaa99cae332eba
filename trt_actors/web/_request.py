"""The request object handed to handlers, and the exception handlers raise to answer early."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from trt_actors.web._headers import Headers


class HTTPError(Exception):
    """Raise from a handler to answer with `status` and a short plain-text `detail`.

    The server turns it into a response; it is not logged as a crash.
    """

    def __init__(
        self, status: int, detail: str = "", *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {detail}")
        self.status = status
        self.detail = detail
        self.headers = dict(headers or {})


@dataclass(slots=True)
class Request:
    """One HTTP request, with its body fully read.

    `path` is the request path as sent (still percent-encoded); `params` holds the route's
    path parameters, percent-decoded; `query` holds the query string (the last value wins
    when a name repeats; `query_items` keeps them all).
    """

    method: str
    path: str
    query_string: str = ""
    params: dict[str, str] = field(default_factory=dict)
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    client: tuple[str, int] | None = None
    http_version: str = "1.1"

    @property
    def query_items(self) -> list[tuple[str, str]]:
        """Every query parameter, decoded, in order, duplicates kept."""
        return parse_qsl(self.query_string, keep_blank_values=True)

    @property
    def query(self) -> dict[str, str]:
        """Query parameters, decoded; the last value wins when a name repeats."""
        return dict(self.query_items)

    @property
    def content_type(self) -> str:
        """The media type of the body, lower-cased, without parameters ('' when absent)."""
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()

    def text(self, encoding: str = "utf-8") -> str:
        """The body decoded as text; raises `HTTPError(400)` when it does not decode."""
        try:
            return self.body.decode(encoding)
        except UnicodeDecodeError as exc:
            raise HTTPError(400, "body is not valid text") from exc

    def json(self) -> Any:
        """The body parsed as JSON; raises `HTTPError(400)` when it is not valid JSON."""
        try:
            return json.loads(self.body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise HTTPError(400, "body is not valid JSON") from exc
