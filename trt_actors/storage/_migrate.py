"""The migration runner: brings a database to `LATEST`, one transaction per migration.

`schema_version` holds one row per applied migration; the schema version is its highest
`version`. The runner holds the engine's migration lock (`pg_advisory_lock` on PostgreSQL;
``BEGIN IMMEDIATE`` on SQLite), and re-reads the version inside each migration's
transaction, so concurrent migrators never apply a step twice: the second one finds it done.
A database newer than this program is refused (`MigrationError`), never "migrated down".
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Sequence

import structlog

from ._engine import Engine
from ._errors import MigrationError
from ._sql import SqlConn, run_transaction
from .migrations import LATEST, MIGRATIONS, Migration

__all__ = ["MIGRATE_TIMEOUT", "STATUS_TIMEOUT", "SchemaStatus", "apply_migrations", "schema_status"]

log = structlog.get_logger(__name__)

MIGRATE_TIMEOUT = 900.0
STATUS_TIMEOUT = 15.0

_VERSION_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  $i64 NOT NULL
) $strict;
"""
_TABLE_EXISTS = {
    "sqlite": "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = :name",
    "postgresql": "SELECT count(*) FROM pg_catalog.pg_tables"
    " WHERE schemaname = current_schema() AND tablename = :name",
}


@dataclasses.dataclass(frozen=True, slots=True)
class SchemaStatus:
    """Where a database stands relative to the migrations this program knows."""

    current: int
    latest: int
    pending: tuple[str, ...]

    @property
    def up_to_date(self) -> bool:
        return self.current == self.latest

    @property
    def too_new(self) -> bool:
        """The database was migrated by a newer program: this one must not use it."""
        return self.current > self.latest


def current_version(conn: SqlConn) -> int:
    """The highest applied migration, 0 for an empty database."""
    exists = conn.scalar(_TABLE_EXISTS[conn.dialect.name], {"name": "schema_version"})
    if not exists:
        return 0
    return int(conn.scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version"))


def _status(conn: SqlConn, migrations: Sequence[Migration]) -> SchemaStatus:
    current = current_version(conn)
    latest = migrations[-1].version if migrations else 0
    pending = tuple(f"{m.version:04d}_{m.name}" for m in migrations if m.version > current)
    return SchemaStatus(current=current, latest=latest, pending=pending)


def _apply_one(conn: SqlConn, migration: Migration) -> bool:
    """Apply `migration` inside the caller's transaction; False if it was already applied."""
    current = current_version(conn)
    if current >= migration.version:
        return False
    if current != migration.version - 1:
        raise MigrationError(f"cannot apply migration {migration.version} onto version {current}")
    conn.script(migration.script(conn.dialect))
    conn.run(
        "INSERT INTO schema_version (version, name, applied_at) VALUES (:v, :name, :at)",
        {"v": migration.version, "name": migration.name, "at": int(time.time() * 1000)},
    )
    return True


def _apply_all(conn: SqlConn, migrations: Sequence[Migration]) -> list[int]:
    dialect = conn.dialect
    run_transaction(
        conn, lambda c: c.script(dialect.render_ddl(_VERSION_TABLE)), begin=dialect.begin_write
    )
    status = _status(conn, migrations)
    if status.too_new:
        raise MigrationError(
            f"database schema version {status.current} is newer than this program"
            f" (knows up to {status.latest}); upgrade the program"
        )
    applied: list[int] = []
    for migration in migrations:
        started = time.monotonic()
        done = run_transaction(
            conn, functools.partial(_apply_one, migration=migration), begin=dialect.begin_write
        )
        if done:
            applied.append(migration.version)
            log.info(
                "storage.migrated",
                version=migration.version,
                name=migration.name,
                ms=round((time.monotonic() - started) * 1000, 1),
            )
    return applied


async def apply_migrations(
    engine: Engine, migrations: Sequence[Migration] = MIGRATIONS
) -> list[int]:
    """Apply every pending migration; return the versions applied by this call (often []).

    Safe to run concurrently from several processes. Raises `MigrationError` when the
    database is newer than `migrations`, `StorageUnavailable` when it cannot be reached.
    """
    return await engine.exclusive(lambda c: _apply_all(c, migrations), timeout=MIGRATE_TIMEOUT)


async def schema_status(
    engine: Engine, migrations: Sequence[Migration] = MIGRATIONS
) -> SchemaStatus:
    """Read the schema version without changing anything."""
    return await engine.read(lambda c: _status(c, migrations), timeout=STATUS_TIMEOUT)


assert MIGRATIONS[-1].version == LATEST
