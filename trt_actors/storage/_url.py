"""`DATABASE_URL` parsing and redaction.

Two forms are accepted:

- ``sqlite:///<path>``: a file path after the third slash, relative (``sqlite:///./data/trt.db``)
  or absolute (``sqlite:////var/lib/trt/trt.db``). In-memory databases are refused: the
  layer opens several connections, which would each see a different empty database.
- ``postgresql://...`` (or ``postgres://...``): a libpq URL, passed to psycopg as it is.

`redact_url` is the only form of a URL that may reach a log line or an error message.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from pathlib import Path
from typing import Literal

__all__ = ["DEFAULT_URL", "DatabaseUrl", "parse_url", "redact_url"]

DEFAULT_URL = "sqlite:///./data/trt.db"
_SQLITE_PREFIX = "sqlite:///"
_PG_SCHEMES = ("postgresql", "postgres")
_SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})

Backend = Literal["sqlite", "postgresql"]


@dataclasses.dataclass(frozen=True, slots=True)
class DatabaseUrl:
    """A validated database URL. `sqlite_path` is set for SQLite, None for PostgreSQL."""

    backend: Backend
    url: str
    sqlite_path: Path | None

    @property
    def redacted(self) -> str:
        """The URL with any password replaced by ``***``."""
        return redact_url(self.url)


def parse_url(url: str) -> DatabaseUrl:
    """Parse `url`; raise ValueError (with the redacted URL) when it is not usable."""
    if url.startswith(_SQLITE_PREFIX):
        path = url[len(_SQLITE_PREFIX) :]
        if not path or path.startswith(":memory:") or "?" in path:
            raise ValueError(f"unsupported SQLite URL {url!r}: give a file path, no options")
        return DatabaseUrl("sqlite", url, Path(path))
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme in _PG_SCHEMES:
        return DatabaseUrl("postgresql", url, None)
    raise ValueError(
        f"unsupported DATABASE_URL {redact_url(url)!r}: use sqlite:///path or postgresql://..."
    )


def redact_url(url: str) -> str:
    """Return `url` with the password (in the user part or the query) replaced by ``***``.

    Never raises: a string that is not a URL comes back unchanged.
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unparseable url>"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:***@{host}"
    query = parts.query
    if query:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        query = urllib.parse.urlencode(
            [(k, "***" if k.lower() in _SECRET_QUERY_KEYS else v) for k, v in pairs],
            safe="*",
        )
    if netloc == parts.netloc and query == parts.query:
        return url  # nothing secret: keep it byte for byte (urlunsplit may drop slashes)
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))
