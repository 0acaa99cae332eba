"""The base of every repository: a connection inside a transaction, bound to one tenant.

A repository is synchronous: it runs in the worker thread of a `Store.run`/`Store.read` call,
inside that call's transaction. Every query it issues filters by `:t`, the tenant it is bound
to; `:now` is the transaction's timestamp (Unix milliseconds, the same for every row the
transaction writes).
"""

from __future__ import annotations

from ._sql import SqlConn

__all__ = ["Repo", "check_text"]


class Repo:
    """Holds the connection, tenant and timestamp; subclasses hold the SQL."""

    __slots__ = ("_db", "_now", "_tenant")

    def __init__(self, db: SqlConn, tenant_id: str, now: int) -> None:
        self._db = db
        self._tenant = tenant_id
        self._now = now

    def _params(self, **values: object) -> dict[str, object]:
        """Query parameters with the tenant (`:t`) and the timestamp (`:now`) filled in."""
        return {"t": self._tenant, "now": self._now, **values}


def check_text(name: str, value: str, *, max_len: int = 200) -> str:
    """Return `value` if it is a non-empty str of at most `max_len` characters."""
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise ValueError(f"{name} must be a non-empty string of at most {max_len} characters")
    return value
