"""Removing secrets from text: bot tokens, API keys, passwords in URLs.

Used by the log pipeline (every event, exception text included) and by every repr of the
settings. Redaction is by shape (a Telegram bot token, a password inside a URL, a secret query
parameter such as `?token=`) and by value (each secret the settings and the tree hold is
registered at start).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
# <bot id>:<35 characters>, alone or inside a Bot API path such as /bot123:ABC.../getMe
_BOT_TOKEN = re.compile(r"(?<![A-Za-z0-9])(?:bot)?\d{3,20}:[A-Za-z0-9_-]{20,}")
_URL_PASSWORD = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://[^:/?#@\s]*:)[^@/?#\s]+@")
# a secret passed in a URL's query: ?token=… (the ops feed), ?s=… (a KIE callback), ?password=…
_QUERY_SECRET = re.compile(
    r"([?&](?:token|secret|s|password|sslpassword|api_key|apikey)=)[^&#\s\"'<>]+", re.IGNORECASE
)
_MIN_SECRET_LENGTH = 6  # shorter values would mask ordinary words
_SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})


class Redactor:
    """Replaces known secret values and secret-shaped substrings with a mask."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def register(self, secrets: Iterable[str | None]) -> None:
        """Mask these exact values from now on (too-short ones are ignored)."""
        for secret in secrets:
            if secret and len(secret) >= _MIN_SECRET_LENGTH:
                self._values.add(secret)
        if self._values:
            alternatives = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in alternatives))

    def text(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        text = _URL_PASSWORD.sub(rf"\1{MASK}@", text)
        text = _QUERY_SECRET.sub(rf"\1{MASK}", text)
        return _BOT_TOKEN.sub(
            lambda m: "bot" + MASK if m.group(0).startswith("bot") else MASK, text
        )

    def value(self, value: Any) -> Any:
        """Redact strings inside any JSON-like value (dicts, lists, tuples)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.value(v) for v in value)
        return value


redactor = Redactor()
"""The process-wide redactor: the settings register their secrets in it at start."""


def redact_url(url: str) -> str:
    """The URL with its password masked, in the userinfo or a query parameter such as
    `?password=`: `postgresql://app:***@db/trt`. A URL with nothing secret comes back byte for
    byte. Never raises: an unparseable string becomes a placeholder."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    netloc, query = parts.netloc, parts.query
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:{MASK}@{host}"
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        masked = [(k, MASK if k.lower() in _SECRET_QUERY_KEYS else v) for k, v in pairs]
        if masked != pairs:
            query = urlencode(masked, safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit(parts._replace(netloc=netloc, query=query))


_BOT_SEGMENT = re.compile(r"/bot[^/?#]+")


def redact_path(path: str) -> str:
    """A Bot API path with its token masked, whatever the token's shape.

    `/bot123:abc/sendMessage` becomes `/bot***/sendMessage`, `/file/bot123:abc/x.jpg` becomes
    `/file/bot***/x.jpg`, and any other secret the redactor knows is masked too.
    """
    return redactor.text(_BOT_SEGMENT.sub("/bot" + MASK, path))
