"""`trt db migrate` and `trt db status`: the schema of the database in `DATABASE_URL`.

`register(subparsers)` adds the ``db`` command; each subcommand stores its handler as
``func(args, settings) -> int`` (0 on success; 1 on failure, with one line on stderr).
"""

from __future__ import annotations

import argparse
import sys
from typing import Protocol

import trio

from trt_actors import storage

__all__ = ["migrate_command", "register", "status_command"]


class _Secret(Protocol):
    def get_secret_value(self) -> str: ...


class DatabaseSettings(Protocol):
    """The part of the settings these commands read: the URL as a plain `str`, or as a
    secret (pydantic's `SecretStr` and its kin) that reveals it with `get_secret_value()`."""

    @property
    def database_url(self) -> str | _Secret: ...


def _database_url(settings: DatabaseSettings) -> str:
    value = settings.database_url
    return value if isinstance(value, str) else value.get_secret_value()


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``db`` with its ``migrate`` and ``status`` subcommands."""
    db = subparsers.add_parser("db", help="database schema: apply migrations, show version")
    db.set_defaults(needs_bot=False)  # only DATABASE_URL matters here
    commands = db.add_subparsers(dest="db_command", required=True, metavar="{migrate,status}")
    migrate = commands.add_parser("migrate", help="apply pending schema migrations")
    migrate.set_defaults(func=migrate_command)
    status = commands.add_parser("status", help="print the schema version")
    status.set_defaults(func=status_command)


def migrate_command(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    """Apply pending migrations (safe while other instances run or migrate)."""
    url = _database_url(settings)
    try:
        applied = trio.run(storage.migrate, url)
    except (storage.StorageError, ValueError) as exc:
        return _fail("migrate", exc)
    where = storage.redact_url(url)
    # After a successful run the schema is at LATEST (a newer one raises MigrationError).
    if applied:
        names = ", ".join(str(v) for v in applied)
        print(f"{where}: applied migration(s) {names}; schema version {storage.LATEST}")
    else:
        print(f"{where}: schema version {storage.LATEST}, up to date")
    return 0


def status_command(args: argparse.Namespace, settings: DatabaseSettings) -> int:
    """Print the schema version; exit 1 if the database is newer than this program."""
    url = _database_url(settings)
    try:
        current = trio.run(storage.status, url)
    except (storage.StorageError, ValueError) as exc:
        return _fail("status", exc)
    where = storage.redact_url(url)
    line = f"{where}: schema version {current.current} of {current.latest}"
    if current.too_new:
        print(f"trt db status: {line}: newer than this program, upgrade it", file=sys.stderr)
        return 1
    if current.up_to_date:
        print(f"{line}, up to date")
    else:
        print(f"{line}, {len(current.pending)} pending: {', '.join(current.pending)}")
    return 0


def _fail(command: str, exc: BaseException) -> int:
    message = " ".join(str(exc).split())  # one line, whatever the driver's message looks like
    print(f"trt db {command}: {type(exc).__name__}: {message}", file=sys.stderr)
    return 1
