"""The command menu for both languages, and the rule that the domain does no I/O."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from trt_actors import domain
from trt_actors.domain.journey import default_routes
from trt_actors.domain.texts import LANGUAGES

from .support import Chat

COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_set_my_commands_for_each_language(language: str) -> None:
    calls = default_routes().commands_for(language)
    assert all(call.method == "setMyCommands" for call in calls)
    assert calls[0].params["language_code"] == language
    commands = calls[0].params["commands"]
    assert [c["command"] for c in commands][:3] == ["start", "generate", "models"]
    for command in commands:
        assert COMMAND_NAME.fullmatch(command["command"])
        assert 1 <= len(command["description"]) <= 256
        assert command["command"] in default_routes().commands
    assert len(calls) == (2 if language == "ru" else 1)  # ru is also everybody's default
    assert "language_code" not in calls[-1].params or language != "ru"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_listed_command_answers(language: str) -> None:
    for command in default_routes().commands_for(language)[0].params["commands"]:
        chat = Chat(language).started()
        outcome = chat.send(f"/{command['command']}")
        assert [call.method for call in outcome.calls] == ["sendMessage"]


ALLOWED_IMPORTS: set[str] = set()
FORBIDDEN_IMPORTS = {
    "trio",
    "httpx",
    "socket",
    "sqlite3",
    "psycopg",
    "redis",
    "time",
    "trt_actors.storage",
    "trt_actors.telegram",
    "trt_actors.kie",
    "trt_actors.actors",
    "trt_actors.nodes",
    "os",
    "subprocess",
}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "open", "read_text", "load_catalog", "random"}


def _domain_sources() -> list[Path]:
    root = Path(domain.__file__).parent
    return [path for path in root.rglob("*.py") if path.name != "texts.py"]


@pytest.mark.parametrize("path", _domain_sources(), ids=lambda p: p.name)
def test_the_domain_does_no_io(path: Path) -> None:
    """No clock, no files, no network, no storage: those come in through the Context.
    (texts.py reads the text tables once, at first use — the one file read allowed.)"""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            names = []
        for name in names:
            assert (
                not any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IMPORTS)
                or name in ALLOWED_IMPORTS
            ), (path.name, name)
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            assert called not in FORBIDDEN_CALLS, (path.name, called)
