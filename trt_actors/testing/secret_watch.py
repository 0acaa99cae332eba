"""Catching secrets in log output: every line the service logs, checked for the secrets it holds.

    with capturing_logs() as watch:          # the production pipeline (JSON, redaction), in memory
        watch.add_settings(settings)          # the secrets to look for (or `add`, `add_tree`)
        ...                                   # run the service
    assert watch.leaks() == []

`capturing_logs` configures structlog and the standard library's logging exactly as `trt run`
does (`observability.logging.configure_logging`, JSON lines, at `debug` so that every event is
rendered), writing to a buffer, and restores the previous configuration at exit. `leaks` finds
each secret in every form it could take on a line: as is, URL-encoded, JSON- or repr-escaped,
and a password both as written in its URL and decoded. Secrets shorter than
`MIN_SECRET_LENGTH` are not looked for: they would match ordinary words.

The repository's `tests/conftest.py` runs every service test under it (the secrets of every
`Tree` built during the test are added) and fails a test whose logs hold one.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO
from urllib.parse import quote, quote_plus, unquote, urlsplit

import structlog

from trt_actors.observability.logging import _NOISY_LIBRARIES, configure_logging

if TYPE_CHECKING:  # the tree is imported only by the service tests that build one
    from trt_actors.app.tree import Tree
    from trt_actors.settings import Settings

MIN_SECRET_LENGTH = 8


def forms(secret: str) -> set[str]:
    """The ways `secret` could appear in a log line: as is, URL-encoded (path or form), and
    escaped inside a JSON string or a Python repr."""
    escaped_json = json.dumps(secret)[1:-1]
    escaped_repr = repr(secret)[1:-1]
    return {secret, quote(secret, safe=""), quote_plus(secret), escaped_json, escaped_repr}


@dataclass(frozen=True, slots=True)
class Leak:
    """A secret found on a line: which one (by its label, never its value) and the line."""

    label: str
    line: str

    def __str__(self) -> str:
        return f"{self.label} in: {self.line[:300]}"


@dataclass
class SecretWatch:
    """The secrets to look for, by label, and the captured log text."""

    stream: io.StringIO = field(default_factory=io.StringIO)
    secrets: dict[str, str] = field(default_factory=dict)  # value -> label

    def add(self, label: str, *values: str | None) -> None:
        """Look for these values (each with its label in reports)."""
        for value in values:
            if value and len(value) >= MIN_SECRET_LENGTH:
                self.secrets.setdefault(value, label)

    def add_url(self, label: str, url: str | None) -> None:
        """Look for the password of `url`, as written there and decoded."""
        password = urlsplit(url).password if url else None
        if password:
            self.add(label, password, unquote(password))

    def add_settings(self, settings: Settings) -> None:
        """Every secret a `Settings` holds (what the redactor gets), as written and decoded."""
        for name, secret in settings.named_secrets():
            self.add(name, secret, unquote(secret))

    def add_tree(self, tree: Tree) -> None:
        """The secrets of a `Tree`: its settings' and every bot's token and webhook secret."""
        self.add_settings(tree.settings)
        for tenant in tree.tenants:
            self.add(f"token of {tenant.tenant_id}", tenant.token)
            self.add(f"webhook secret of {tenant.tenant_id}", tenant.webhook_secret)

    def add_environment(self, env: dict[str, str]) -> None:
        """The secrets of a `trt run` environment (the variables' values)."""
        for name in (
            "TELEGRAM_BOT_TOKEN",
            "WEBHOOK_SECRET_TOKEN",
            "KIE_API_KEY",
            "KIE_WEBHOOK_HMAC_KEY",
            "OPS_TOKEN",
        ):
            self.add(name, env.get(name))
        for name in ("DATABASE_URL", "REDIS_URL"):
            self.add_url(name, env.get(name))

    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[str]:
        return self.text().splitlines()

    def leaks(self, lines: Iterable[str] | None = None) -> list[Leak]:
        """Every (secret, line) where a form of a secret appears; [] when clean. One regular
        expression over the whole text: cheap even for a long test's log."""
        text = self.text() if lines is None else "\n".join(lines)
        labels = {form: label for value, label in self.secrets.items() for form in forms(value)}
        if not labels or not text:
            return []
        pattern = re.compile("|".join(re.escape(f) for f in sorted(labels, key=len, reverse=True)))
        found: list[Leak] = []
        last_line = -1
        for match in pattern.finditer(text):
            start = text.rfind("\n", 0, match.start()) + 1
            if start == last_line:
                continue  # one report per line
            last_line = start
            end = text.find("\n", match.end())
            found.append(Leak(labels[match.group(0)], text[start : None if end < 0 else end]))
        return found


class _Tee(io.StringIO):
    """Keeps what is written, and passes it on to `echo()` (looked up at each write)."""

    def __init__(self, echo: Callable[[], TextIO] | None) -> None:
        super().__init__()
        self._echo = echo

    def write(self, text: str) -> int:
        if self._echo is not None:
            self._echo().write(text)
        return super().write(text)


@contextmanager
def capturing_logs(
    level: str = "debug", *, echo: Callable[[], TextIO] | None = None
) -> Iterator[SecretWatch]:
    """Log as the service does (JSON, every field redacted) into a `SecretWatch`'s buffer,
    and to `echo()` as well when given (e.g. `lambda: sys.stdout`: pytest then shows the log
    of a failed test); the previous structlog and logging configuration is back at exit."""
    watch = SecretWatch(stream=_Tee(echo))
    saved = structlog.get_config()
    root = logging.getLogger()
    others, saved_level = root.handlers[:], root.level
    saved_levels = {name: logging.getLogger(name).level for name in _NOISY_LIBRARIES}
    configure_logging(level, "json", stream=watch.stream)
    ours = root.handlers[:]
    for handler in others:  # e.g. pytest's capture: it removes its own when done
        root.addHandler(handler)
    try:
        yield watch
    finally:
        structlog.configure(**saved)
        for handler in ours:
            root.removeHandler(handler)
        root.setLevel(saved_level)
        for name, value in saved_levels.items():
            logging.getLogger(name).setLevel(value)
