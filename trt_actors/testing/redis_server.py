"""A throwaway Redis server for tests and benchmarks.

`RedisServer` runs `redis-server` (the Debian package, installed by
`scripts/install-services.sh`) on 127.0.0.1 with a free port, no persistence
(``--save '' --appendonly no``) and its working directory in a fresh temporary directory.
`start()` waits until it answers PING, under a deadline. `kill()` ends it abruptly (SIGKILL,
like a crash) and `restart()` starts it again on the same port, empty: this is what the
"Redis died" tests need.

`throwaway_redis()` yields a started server and removes everything on exit.
`redis_for_tests()` yields the URL named by `TRT_TEST_REDIS_URL` when that is set, and a
throwaway server's URL otherwise. Every failure to get a server raises
`RedisServerUnavailable`: a test that needs Redis fails, it does not skip.

Plain code: no pytest import, usable from scripts. The methods block (they wait for a
process); from trio, call them through `trio.to_thread.run_sync`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import redis
import redis.exceptions

from trt_actors.testing.trt_process import free_port

__all__ = [
    "ENV_URL",
    "REDIS_BIN",
    "RedisServer",
    "RedisServerUnavailable",
    "redis_for_tests",
    "throwaway_redis",
]

ENV_URL = "TRT_TEST_REDIS_URL"
REDIS_BIN = "/usr/bin/redis-server"
STARTUP_TIMEOUT = 15.0
SHUTDOWN_TIMEOUT = 10.0
PING_TIMEOUT = 0.5
POLL_INTERVAL = 0.02
START_ATTEMPTS = 3


class RedisServerUnavailable(RuntimeError):
    """No Redis server could be found or started; the message says why."""


def find_redis_server() -> str:
    """Return the `redis-server` binary: `REDIS_BIN`, else the one on PATH.

    Raises `RedisServerUnavailable` when there is none.
    """
    if os.access(REDIS_BIN, os.X_OK):
        return REDIS_BIN
    found = shutil.which("redis-server")
    if found is None:
        raise RedisServerUnavailable(
            f"no redis-server at {REDIS_BIN} or on PATH; run scripts/install-services.sh"
        )
    return found


def ping(url: str, timeout: float = PING_TIMEOUT) -> bool:
    """Return whether the server at `url` answers PING within `timeout` seconds."""
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
        return False
    finally:
        client.close()


class RedisServer:
    """A private `redis-server` process that can be killed and restarted on its port.

    Use as a context manager (``with RedisServer() as server:``) or call `start` and
    `close`. `url` is valid once started and stays the same across restarts.
    """

    def __init__(self, binary: str | None = None) -> None:
        self._binary = binary or find_redis_server()
        self._dir = Path(tempfile.mkdtemp(prefix="trt-redis-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The TCP port (fixed by the first successful `start`)."""
        if self._port is None:
            raise RuntimeError("the Redis server was never started")
        return self._port

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start the server and wait until it answers PING.

        The first start picks a free port (retrying if it was taken meanwhile); later starts
        reuse it. Raises `RedisServerUnavailable` if it does not come up in time.
        """
        if self.running:
            return
        if self._port is not None:
            if not self._launch(self._port):
                raise RedisServerUnavailable(self._failure(self._port))
            return
        port = 0
        for _attempt in range(START_ATTEMPTS):
            port = free_port()
            if self._launch(port):
                self._port = port
                return
        raise RedisServerUnavailable(self._failure(port))

    def kill(self) -> None:
        """End the server at once with SIGKILL, as a crash would; its data is lost."""
        self._end(signal.SIGKILL)

    def stop(self) -> None:
        """Shut the server down cleanly (SIGTERM, then SIGKILL after a deadline)."""
        self._end(signal.SIGTERM)

    def restart(self) -> None:
        """Kill the server if it runs, then start it again, empty, on the same port."""
        self.kill()
        self.start()

    def close(self) -> None:
        """Stop the server and delete its directory."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _log_path(self, port: int) -> Path:
        return self._dir / f"redis-{port}.log"

    def _launch(self, port: int) -> bool:
        cmd = [
            self._binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self._dir),
            "--daemonize",
            "no",
            "--logfile",
            str(self._log_path(port)),
        ]
        self._proc = subprocess.Popen(
            cmd, cwd=self._dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        url = f"redis://127.0.0.1:{port}/0"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            if ping(url):
                return True
            time.sleep(POLL_INTERVAL)
        self.kill()
        return False

    def _failure(self, port: int) -> str:
        path = self._log_path(port)
        text = path.read_text(errors="replace")[-2000:] if path.exists() else "(no log)"
        return f"redis-server did not start on port {port}; last log:\n{text}"

    def _end(self, sig: signal.Signals) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout=SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=SHUTDOWN_TIMEOUT)


@contextlib.contextmanager
def throwaway_redis() -> Iterator[RedisServer]:
    """Yield a started private Redis server; it and its directory are gone on exit."""
    with RedisServer() as server:
        yield server


@contextlib.contextmanager
def redis_for_tests() -> Iterator[str]:
    """Yield the URL of `TRT_TEST_REDIS_URL` if set (it must answer PING), else of a
    throwaway server. Raises `RedisServerUnavailable` when neither can be had."""
    url = os.environ.get(ENV_URL)
    if url:
        if not ping(url, timeout=STARTUP_TIMEOUT):
            raise RedisServerUnavailable(f"{ENV_URL} is set but its server does not answer")
        yield url
        return
    with throwaway_redis() as server:
        yield server.url
