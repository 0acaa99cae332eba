"""Helpers of the import tests: plans, and a whole database as data (to compare runs)."""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path
from typing import Any

import psycopg

from trt_actors.cli import import_cmd
from trt_actors.importer import ImportPlan
from trt_actors.settings import Settings

from .old_bot import TODAY


def plan(database_url: str, **overrides: Any) -> ImportPlan:
    values: dict[str, Any] = {"database_url": database_url, "today": TODAY}
    values.update(overrides)
    return ImportPlan(**values)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the database, sorted: equal dumps, equal databases."""
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        with sqlite3.connect(path) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'"
                    " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kb_entries_fts%'"
                )
            ]
            return {
                t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables
            }
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"
            )
        ]
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}


def rows(url: str, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The rows of one query (`?` placeholders on SQLite, `%s` on PostgreSQL)."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url[len("sqlite:///") :]) as conn:
            return conn.execute(query, params).fetchall()
    with psycopg.connect(url) as conn:
        return conn.execute(query.replace("?", "%s"), params).fetchall()


def command(argv: list[str], database_url: str, tenant: str = "default") -> int:
    """`trt import …` through the handler the `trt` command wires in (in-process, so the
    test's logging is left as it is)."""
    parser = argparse.ArgumentParser(prog="trt")
    import_cmd.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    settings = Settings(_env_file=None, database_url=database_url, tenant_id=tenant)
    code: int = args.func(args, settings)
    return code
