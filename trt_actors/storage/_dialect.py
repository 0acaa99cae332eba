"""The differences between SQLite and PostgreSQL, in one place.

Queries are written once with ``:name`` placeholders (SQLite's native style); the PostgreSQL
dialect (`_postgres.POSTGRESQL`, beside its engine, so SQLite deployments never load psycopg)
rewrites them to psycopg's ``%(name)s`` (`to_pyformat`). Schema scripts use a few
``$macros`` for the column types that differ (see `DDL_MACROS`). Driver errors become the
layer's typed errors here, so repositories and callers never see `sqlite3` or `psycopg`
exceptions for expected failures.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import string
from typing import ClassVar

from ._errors import ConstraintViolation, DuplicateKey, StorageError, StorageUnavailable

__all__ = ["SQLITE", "Dialect", "to_pyformat"]

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")

# SQLite result codes (by name prefix) that mean "the database is not usable right now".
_SQLITE_UNAVAILABLE = (
    "SQLITE_BUSY",
    "SQLITE_LOCKED",
    "SQLITE_INTERRUPT",
    "SQLITE_IOERR",
    "SQLITE_FULL",
    "SQLITE_CANTOPEN",
    "SQLITE_READONLY",
    "SQLITE_NOMEM",
    "SQLITE_PROTOCOL",
    "SQLITE_CORRUPT",
    "SQLITE_NOTADB",
)
_SQLITE_DUPLICATE = ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")


class Dialect:
    """What differs between backends: placeholders, DDL types, scripts, errors."""

    name: ClassVar[str]
    driver_error: ClassVar[type[Exception]]
    begin_write: ClassVar[str]
    begin_read: ClassVar[str]
    lock_rows: ClassVar[str]  # appended to a SELECT that must lock what it reads
    ddl_macros: ClassVar[dict[str, str]]

    def sql(self, query: str) -> str:
        """Return `query` in this driver's placeholder style."""
        return query

    def render_ddl(self, template: str) -> str:
        """Substitute the ``$macros`` of a shared schema script; unknown macros raise KeyError."""
        return string.Template(template).substitute(self.ddl_macros)

    def split_script(self, script: str) -> list[str]:
        """Split a schema script into statements this driver can execute one by one."""
        return [script]

    def translate(self, exc: BaseException) -> StorageError | None:
        """Return the typed error for a driver error, or None when it is not an expected one."""
        raise NotImplementedError


class _Sqlite(Dialect):
    name = "sqlite"
    driver_error = sqlite3.Error
    begin_write = "BEGIN IMMEDIATE"
    begin_read = "BEGIN DEFERRED"
    lock_rows = ""  # the single writer connection already excludes every other writer
    ddl_macros: ClassVar[dict[str, str]] = {
        "id_pk": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "i64": "INTEGER",
        "bool": "INTEGER",
        "json": "TEXT",
        "bytes": "BLOB",
        "strict": "STRICT",
    }

    def split_script(self, script: str) -> list[str]:
        statements: list[str] = []
        pending = ""
        for line in script.splitlines(keepends=True):
            pending += line
            if sqlite3.complete_statement(pending):
                statements.append(pending.strip())
                pending = ""
        if pending.strip():
            raise ValueError(f"incomplete SQL statement at end of script: {pending.strip()!r}")
        return statements

    def translate(self, exc: BaseException) -> StorageError | None:
        if not isinstance(exc, sqlite3.Error):
            return None
        code = getattr(exc, "sqlite_errorname", "") or ""
        if isinstance(exc, sqlite3.IntegrityError):
            if code in _SQLITE_DUPLICATE:
                return DuplicateKey(str(exc))
            return ConstraintViolation(str(exc))
        if isinstance(exc, sqlite3.DataError):
            return ConstraintViolation(str(exc))
        if isinstance(exc, sqlite3.DatabaseError) and code.startswith(_SQLITE_UNAVAILABLE):
            return StorageUnavailable(f"sqlite: {exc} ({code})")
        return None


@functools.lru_cache(maxsize=1024)
def to_pyformat(query: str) -> str:
    return _NAMED.sub(r"%(\1)s", query.replace("%", "%%"))


SQLITE: Dialect = _Sqlite()
