"""`trt db migrate` / `trt db status`, through the handlers the lead wires into `trt`."""

from __future__ import annotations

import argparse
import types
from pathlib import Path

import pydantic
import pytest

from trt_actors.cli import db
from trt_actors.storage import LATEST
from trt_actors.storage.migrations import MIGRATIONS


def run(argv: list[str], url: str | pydantic.SecretStr) -> int:
    parser = argparse.ArgumentParser(prog="trt")
    db.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.func(args, types.SimpleNamespace(database_url=url))
    return code


def test_status_then_migrate_then_status(
    fresh_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["db", "status"], fresh_url) == 0
    names = ", ".join(f"{m.version:04d}_{m.name}" for m in MIGRATIONS)
    expected = f"schema version 0 of {LATEST}, {len(MIGRATIONS)} pending: {names}"
    assert expected in capsys.readouterr().out
    assert run(["db", "migrate"], fresh_url) == 0
    versions = ", ".join(str(m.version) for m in MIGRATIONS)
    assert f"applied migration(s) {versions}; schema version {LATEST}" in capsys.readouterr().out
    assert run(["db", "migrate"], fresh_url) == 0
    assert f"schema version {LATEST}, up to date" in capsys.readouterr().out
    assert run(["db", "status"], fresh_url) == 0
    assert f"schema version {LATEST} of {LATEST}, up to date" in capsys.readouterr().out


def test_status_does_not_create_a_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "nothing-here" / "trt.db"
    assert run(["db", "status"], f"sqlite:///{path}") == 0
    assert "schema version 0" in capsys.readouterr().out
    assert not path.exists()


@pytest.mark.parametrize(
    "url",
    ["postgresql://nobody:secret@127.0.0.1:1/trt", "mysql://localhost/trt"],
    ids=["unreachable", "unsupported"],
)
def test_failure_is_one_line_on_stderr_and_exit_1(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("status", "migrate"):
        assert run(["db", command], url) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"trt db {command}: ") and err.count("\n") == 1
        assert "secret" not in err


def test_the_url_may_come_as_a_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = pydantic.SecretStr(f"sqlite:///{tmp_path / 'trt.db'}")
    assert run(["db", "migrate"], url) == 0
    assert run(["db", "status"], url) == 0
    assert "up to date" in capsys.readouterr().out
