"""Fixtures shared by the whole suite.

Deadline tests take pytest-trio's `autojump_clock` fixture as an argument (it must be a
parameter of the test: pytest-trio picks the clock from the test's arguments). It is trio's
MockClock with autojump_threshold=0: time jumps to the next deadline as soon as every task is
blocked, so deadline logic runs in milliseconds and is deterministic. Tests that take it must
not touch real I/O (threads, sockets), because the clock jumps while a task waits on them.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from trt_actors.emulators.kie import KieEmulatorConfig
from trt_actors.emulators.telegram import EmulatorConfig
from trt_actors.testing.postgres import postgres_for_tests, scratch_database
from trt_actors.testing.redis_server import redis_for_tests
from trt_actors.testing.secret_watch import SecretWatch, capturing_logs

# Test tiers, set from what a test uses (docs/testing.md, "Tiers"): `-m fast` is the inner
# loop; the whole suite runs in CI.
SERVER_FIXTURES = frozenset({"postgres_server", "redis_url"})  # real servers on loopback
BROWSER_FIXTURES = frozenset({"browser"})  # headless Chromium
SUBPROCESS_FIXTURES = frozenset({"sandbox"})  # `trt sandbox` as a process
SERVER_PARAMETERS = ("postgresql", "redis", "fallback")  # a backend parametrised in
SERVICE_DIRECTORIES = frozenset({"e2e", "admin", "tenants", "faults", "sandbox", "cli", "jobs"})


def pytest_configure(config: pytest.Config) -> None:
    """Built catalogs are kept in a folder of this run (each worker its own), not the home's;
    it is removed when the run ends."""
    if "TRT_CACHE_DIR" not in os.environ:
        folder = tempfile.mkdtemp(prefix="trt-test-cache-")
        os.environ["TRT_CACHE_DIR"] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its tier: `servers` (PostgreSQL or Redis), `subprocess` (a real
    `trt` process), `browser` (Chromium), `service` (the whole tree against the emulators),
    or `fast` (none of those: units, actors on trio's MockClock, storage on SQLite)."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        parts = item.path.relative_to(config.rootpath).parts
        callspec = getattr(item, "callspec", None)
        parameters = callspec.id if callspec is not None else ""
        own_servers = parts[-1].startswith("test_redis")  # starts Redis servers of its own
        if used & SERVER_FIXTURES or own_servers or any(p in parameters for p in SERVER_PARAMETERS):
            item.add_marker(pytest.mark.servers)
        if used & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if used & SUBPROCESS_FIXTURES:
            item.add_marker(pytest.mark.subprocess)
        if len(parts) > 1 and parts[1] in SERVICE_DIRECTORIES:
            item.add_marker(pytest.mark.service)
        heavy = {"servers", "browser", "subprocess", "service"}
        if not heavy & {mark.name for mark in item.iter_markers()}:
            item.add_marker(pytest.mark.fast)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The session's PostgreSQL (`TRT_TEST_POSTGRES_URL`, or a throwaway server started once).

    It fails, never skips, when no PostgreSQL can be had: a skipped backend hides failures."""
    with postgres_for_tests() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_database(postgres_server: str) -> Iterator[str]:
    """A database for this session's tests; each test works in a schema of its own."""
    with scratch_database(postgres_server, "trt_tests") as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The session's Redis (`TRT_TEST_REDIS_URL`, or a throwaway server started once)."""
    with redis_for_tests() as url:
        yield url


# Every line the service logs in these tests is checked for the secrets it holds.
SECRET_WATCHED = frozenset({"e2e", "tenants", "admin", "jobs", "service", "sandbox"})


@pytest.fixture(autouse=True)
def log_watch(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SecretWatch | None]:
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
