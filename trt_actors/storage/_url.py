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
from pathlib import Path
from typing import Literal

from trt_actors.observability.redaction import redact_url

__all__ = ["DEFAULT_URL", "DatabaseUrl", "parse_url", "redact_url"]

DEFAULT_URL = "sqlite:///./data/trt.db"
_SQLITE_PREFIX = "sqlite:///"
_PG_SCHEMES = ("postgresql", "postgres")

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
