"""Fixtures shared by the whole suite.

Deadline tests take pytest-trio's `autojump_clock` fixture as an argument (it must be a
parameter of the test: pytest-trio picks the clock from the test's arguments). It is trio's
MockClock with autojump_threshold=0: time jumps to the next deadline as soon as every task is
blocked, so deadline logic runs in milliseconds and is deterministic. Tests that take it must
not touch real I/O (threads, sockets), because the clock jumps while a task waits on them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from trt_actors.emulators.kie import KieEmulatorConfig
from trt_actors.emulators.telegram import EmulatorConfig
from trt_actors.testing.postgres import postgres_for_tests
from trt_actors.testing.redis_server import redis_for_tests
from trt_actors.testing.secret_watch import SecretWatch, capturing_logs


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The session's PostgreSQL (`TRT_TEST_POSTGRES_URL`, or a throwaway server started once).

    It fails, never skips, when no PostgreSQL can be had: a skipped backend hides failures."""
    with postgres_for_tests() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The session's Redis (`TRT_TEST_REDIS_URL`, or a throwaway server started once)."""
    with redis_for_tests() as url:
        yield url


# Every line the service logs in these tests is checked for the secrets it holds.
SECRET_WATCHED = frozenset({"e2e", "tenants", "admin", "jobs", "service", "sandbox"})


@pytest.fixture(autouse=True)
def log_watch(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[
    SecretWatch | None
]:
    """Service tests (the directories of `SECRET_WATCHED`) log through the production pipeline
    into memory, and the test fails if any line holds a secret of a `Tree` built during it
    (tokens, webhook secrets, KIE keys, ops token, database and Redis passwords), in any
    form (`trt_actors.testing.secret_watch`). Other tests get None and keep their logging."""
    parts = request.path.relative_to(request.config.rootpath).parts
    if len(parts) < 2 or parts[0] != "tests" or parts[1] not in SECRET_WATCHED:
        yield None
        return
    from trt_actors.app.tree import Tree  # noqa: PLC0415  (only for service tests)

    with capturing_logs(echo=lambda: sys.stdout) as watch:  # shown when a test fails
        watch.add("the emulator's bot token", EmulatorConfig().token)
        watch.add("the KIE emulator's key", KieEmulatorConfig().api_key)
        built = Tree.__init__

        def watched_init(tree: Any, *args: Any, **kwargs: Any) -> None:
            built(tree, *args, **kwargs)
            watch.add_tree(tree)

        monkeypatch.setattr(Tree, "__init__", watched_init)
        yield watch
    leaks = watch.leaks()
    if leaks:
        pytest.fail("secrets in the log:\n" + "\n".join(str(leak) for leak in leaks[:10]))
