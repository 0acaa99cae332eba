"""`SqlConn`: one open connection as the repositories see it, on either backend.

Repositories are synchronous code that runs in a worker thread inside one transaction. They
call `execute`/`one`/`scalar`/`run` with ``:name`` placeholders and get rows as dicts; the
dialect rewrites the query and turns driver errors into typed `StorageError`s.

A `SqlConn` carries the cancel flag of the trio call that owns it: once the caller is
cancelled, the next statement (or the COMMIT) raises `Interrupted` instead of running, so a
cancelled caller never commits work it has abandoned.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import structlog

from ._dialect import Dialect
from ._errors import StorageUnavailable
from ._threads import CancelFlag

__all__ = ["Interrupted", "Row", "SqlConn", "dump_json", "load_json", "run_transaction"]

log = structlog.get_logger(__name__)

T = TypeVar("T")
Row = dict[str, Any]
Params = Mapping[str, object]

_savepoint_ids = itertools.count(1)


class Interrupted(StorageUnavailable):
    """The trio caller was cancelled; the transaction is being rolled back."""


class SqlConn:
    """A DB-API connection (sqlite3 or psycopg) plus its dialect and cancel flag."""

    __slots__ = ("_cancel", "dialect", "raw")

    def __init__(self, raw: Any, dialect: Dialect, cancel: CancelFlag | None = None):
        self.raw = raw
        self.dialect = dialect
        self._cancel = cancel or CancelFlag()

    def check_cancel(self) -> None:
        """Raise `Interrupted` if the owning trio call was cancelled."""
        if self._cancel.is_set():
            raise Interrupted("cancelled by the caller")

    def execute(self, query: str, params: Params | None = None) -> list[Row]:
        """Run one statement; return its rows as dicts (empty when it returns none)."""
        cursor = self._cursor(self.dialect.sql(query), dict(params or {}))
        if cursor.description is None:
            return []
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]

    def one(self, query: str, params: Params | None = None) -> Row | None:
        """Run one statement; return its first row, or None."""
        rows = self.execute(query, params)
        return rows[0] if rows else None

    def scalar(self, query: str, params: Params | None = None) -> Any:
        """Run one statement; return the first column of its first row, or None."""
        row = self.one(query, params)
        return None if row is None else next(iter(row.values()))

    def run(self, query: str, params: Params | None = None) -> int:
        """Run one statement that returns no rows; return the number of rows it changed."""
        count: int = self._cursor(self.dialect.sql(query), dict(params or {})).rowcount
        return count

    def run_many(self, query: str, params: Sequence[Params]) -> int:
        """Run one statement once per set of `params`, in one driver call (psycopg sends them
        pipelined: one round trip to the server, not one each); return how many sets ran."""
        if not params:
            return 0
        self.check_cancel()
        cursor = self.raw.cursor()
        try:
            with self._driver_errors():
                cursor.executemany(self.dialect.sql(query), [dict(p) for p in params])
        finally:
            cursor.close()
        return len(params)

    def script(self, script: str) -> None:
        """Run a schema script (no parameters), statement by statement where needed."""
        for statement in self.dialect.split_script(script):
            self._cursor(statement, None)

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: on an exception inside, only its own changes are undone."""
        name = f"sp_{next(_savepoint_ids)}"
        self._cursor(f"SAVEPOINT {name}", None)
        try:
            yield
        except BaseException:
            self._undo_savepoint(name)
            raise
        self._cursor(f"RELEASE SAVEPOINT {name}", None)

    def rollback(self) -> None:
        """Roll back the open transaction, if any. Logs (never raises) a driver error."""
        try:
            self.raw.execute("ROLLBACK")
        except self.dialect.driver_error as exc:
            log.debug("storage.rollback_failed", error=str(exc))

    def _undo_savepoint(self, name: str) -> None:
        try:
            self.raw.execute(f"ROLLBACK TO SAVEPOINT {name}")
            self.raw.execute(f"RELEASE SAVEPOINT {name}")
        except self.dialect.driver_error as exc:
            # The whole transaction was already rolled back (e.g. interrupted); the
            # original error is the one that matters and is re-raised by the caller.
            log.debug("storage.savepoint_rollback_failed", savepoint=name, error=str(exc))

    def _cursor(self, query: str, params: dict[str, object] | None) -> Any:
        self.check_cancel()
        with self._driver_errors():
            if params is None:
                return self.raw.execute(query)
            return self.raw.execute(query, params)

    @contextlib.contextmanager
    def _driver_errors(self) -> Iterator[None]:
        """The driver's expected errors as typed `StorageError`s; others go on as they are."""
        try:
            yield
        except self.dialect.driver_error as exc:
            typed = self.dialect.translate(exc)
            if typed is None:
                raise
            raise typed from exc


def run_transaction(conn: SqlConn, fn: Callable[[SqlConn], T], *, begin: str) -> T:
    """Run `fn` between `begin` and COMMIT; roll back if it raises or the caller is cancelled.

    Returns only after COMMIT succeeded.
    """
    conn.check_cancel()
    conn.run(begin)
    try:
        result = fn(conn)
        conn.check_cancel()
        conn.run("COMMIT")
    except BaseException:
        conn.rollback()
        raise
    return result


def dump_json(value: object) -> str:
    """Compact JSON text for a JSON column; raises TypeError for values JSON cannot hold."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def load_json(value: str | bytes) -> Any:
    """Decode a JSON column (text on both backends, see `_postgres._configure`)."""
    return json.loads(value)
