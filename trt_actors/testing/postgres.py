"""A throwaway PostgreSQL server for tests and benchmarks.

`throwaway_postgres()` runs `initdb` into a fresh temporary directory, starts `postgres` on
127.0.0.1 with a free port (and its unix socket in the same directory), waits until it
accepts connections, yields its URL, then stops it and deletes the directory. Nothing
system-wide is touched: no service, no shared cluster.

PostgreSQL refuses to run as root. When this process is root, the server runs as the
`postgres` system user (the directory is chowned to it); otherwise it runs as the current
user. Binaries come from `/usr/lib/postgresql/<version>/bin` (the newest one), as installed
by `scripts/install-services.sh`.

`postgres_for_tests()` returns the server named by `TRT_TEST_POSTGRES_URL` when that is set,
and a throwaway one otherwise. Plain code: no pytest import, usable from scripts.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
from psycopg import sql

from trt_actors.testing.trt_process import free_port

__all__ = [
    "ENV_URL",
    "PostgresServer",
    "PostgresUnavailable",
    "create_database",
    "create_schema",
    "drop_database",
    "drop_schema",
    "find_bin_dir",
    "postgres_for_tests",
    "scratch_database",
    "scratch_schema",
    "throwaway_postgres",
    "with_database",
]

ENV_URL = "TRT_TEST_POSTGRES_URL"
BIN_GLOB = "/usr/lib/postgresql/*/bin"
SYSTEM_USER = "postgres"
INITDB_TIMEOUT = 120.0
STARTUP_TIMEOUT = 30.0
SHUTDOWN_TIMEOUT = 15.0
CONNECT_TIMEOUT = 2  # seconds, libpq's connect_timeout (an integer)
POLL_INTERVAL = 0.05
START_ATTEMPTS = 3

# Settings for a server whose data is thrown away: no fsync (fast CREATE DATABASE and
# commits). `durable=True` keeps PostgreSQL's defaults, for benchmarks.
_FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")
_COMMON_SETTINGS = ("max_connections=300", "log_min_messages=warning")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be found or started; the message says why."""


def find_bin_dir() -> Path:
    """Return the newest `/usr/lib/postgresql/<version>/bin` holding `initdb` and `postgres`.

    Raises `PostgresUnavailable` when none is installed.
    """
    candidates = [Path(p) for p in glob.glob(BIN_GLOB)]
    usable = [p for p in candidates if (p / "initdb").exists() and (p / "postgres").exists()]
    if not usable:
        raise PostgresUnavailable(
            f"no PostgreSQL binaries in {BIN_GLOB}; run scripts/install-services.sh"
        )
    return max(usable, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)


@contextlib.contextmanager
def postgres_for_tests() -> Iterator[str]:
    """Yield the URL of `TRT_TEST_POSTGRES_URL` if set, else of a throwaway server."""
    url = os.environ.get(ENV_URL)
    if url:
        yield url
        return
    with throwaway_postgres() as started:
        yield started


class PostgresServer:
    """A private PostgreSQL server that can be stopped and started again on the same port,
    with its data (a database restart under load: `restart`). `url` names the `postgres`
    database; `close` stops it and deletes its directory."""

    def __init__(self, *, durable: bool = False) -> None:
        self._bin_dir = find_bin_dir()
        self._run_as = _server_user()
        self._settings = _COMMON_SETTINGS if durable else _COMMON_SETTINGS + _FAST_SETTINGS
        self._root = Path(tempfile.mkdtemp(prefix="trt-pg-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self.url = ""

    def start(self) -> None:
        """initdb on the first start, then start the server and wait until it answers."""
        if self._proc is not None and self._proc.poll() is None:
            return
        if self._port is None:
            if self._run_as is not None:
                os.chown(self._root, self._run_as.pw_uid, self._run_as.pw_gid)
            _initdb(self._bin_dir, self._root, self._run_as)
        self._proc, self.url = _start(
            self._bin_dir, self._root, self._run_as, self._settings, port=self._port
        )
        self._port = urllib.parse.urlsplit(self.url).port

    @property
    def pid(self) -> int | None:
        """The server's main process (its backends are its children), while it runs."""
        return None if self._proc is None else self._proc.pid

    def stop(self) -> None:
        if self._proc is not None:
            _stop(self._proc)
            self._proc = None

    def restart(self) -> None:
        """Stop (fast shutdown: connections are cut) and start again on the same port."""
        self.stop()
        self.start()

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self._root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def throwaway_postgres(*, durable: bool = False) -> Iterator[str]:
    """Start a private PostgreSQL server; yield `postgresql://postgres@127.0.0.1:<port>/postgres`.

    The server and its directory are gone when the block exits, even on error. With
    `durable=False` (the default) fsync is off: fast, and fine for data thrown away.
    Raises `PostgresUnavailable` when the server cannot be initialised or started.
    """
    with PostgresServer(durable=durable) as server:
        yield server.url


def with_database(url: str, dbname: str) -> str:
    """Return `url` pointing at database `dbname` instead (credentials and query kept)."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(dbname)))


def create_database(url: str, dbname: str) -> str:
    """Create database `dbname` on the server of `url`; return its URL."""
    with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    return with_database(url, dbname)


def create_schema(url: str, schema: str) -> str:
    """Create `schema` in the database of `url`; return a URL whose sessions use it.

    Much faster than a database per test (CREATE DATABASE copies a template on disk).
    The returned URL sets ``search_path`` through libpq's ``options`` parameter.
    """
    with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    parts = urllib.parse.urlsplit(url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def drop_schema(url: str, schema: str) -> None:
    """Drop `schema` and everything in it."""
    with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@contextlib.contextmanager
def scratch_schema(database_url: str, prefix: str) -> Iterator[str]:
    """A new empty schema named `prefix_<random>` in `database_url`'s database, for one test:
    its URL (which selects it) while the context is open, dropped at exit."""
    yield from _scratch(database_url, prefix, create_schema, drop_schema)


@contextlib.contextmanager
def scratch_database(server_url: str, prefix: str) -> Iterator[str]:
    """A new empty database named `prefix_<random>` on `server_url`'s server: its URL while
    the context is open, dropped at exit."""
    yield from _scratch(server_url, prefix, create_database, drop_database)


def _scratch(
    url: str,
    prefix: str,
    create: Callable[[str, str], str],
    drop: Callable[[str, str], None],
) -> Iterator[str]:
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    made = create(url, name)
    try:
        yield made
    finally:
        drop(url, name)


def drop_database(url: str, dbname: str) -> None:
    """Drop database `dbname` on the server of `url`, disconnecting its sessions first."""
    with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname))
        )


def _server_user() -> pwd.struct_passwd | None:
    """The user to run the server as: `postgres` when we are root, else None (ourselves)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise PostgresUnavailable(
            f"running as root and there is no {SYSTEM_USER!r} user to run PostgreSQL as"
        ) from None


def _uid(run_as: pwd.struct_passwd | None) -> int | None:
    return None if run_as is None else run_as.pw_uid


def _gid(run_as: pwd.struct_passwd | None) -> int | None:
    return None if run_as is None else run_as.pw_gid


def _groups(run_as: pwd.struct_passwd | None) -> list[int] | None:
    return None if run_as is None else []  # drop root's supplementary groups


def _initdb(bin_dir: Path, root: Path, run_as: pwd.struct_passwd | None) -> None:
    cmd = [
        str(bin_dir / "initdb"),
        "-D",
        str(root / "data"),
        "-U",
        "postgres",
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
        "--no-instructions",
    ]
    try:
        done = subprocess.run(  # noqa: PLW1510 - the return code is checked below
            cmd,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=INITDB_TIMEOUT,
            user=_uid(run_as),
            group=_gid(run_as),
            extra_groups=_groups(run_as),
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PostgresUnavailable(f"initdb failed: {exc}") from exc
    if done.returncode != 0:
        raise PostgresUnavailable(f"initdb exited {done.returncode}: {done.stderr.strip()}")


def _start(
    bin_dir: Path,
    root: Path,
    run_as: pwd.struct_passwd | None,
    settings: tuple[str, ...],
    *,
    port: int | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start the server (on `port`, or a free one, retrying if it was taken meanwhile)."""
    failure = ""
    for _attempt in range(START_ATTEMPTS):
        chosen = port or free_port()
        log_path = root / f"server-{chosen}.log"
        cmd = [str(bin_dir / "postgres"), "-D", str(root / "data"), "-h", "127.0.0.1"]
        cmd += ["-p", str(chosen), "-k", str(root)]
        for setting in settings:
            cmd += ["-c", setting]
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                cmd,
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                user=_uid(run_as),
                group=_gid(run_as),
                extra_groups=_groups(run_as),
            )
        url = f"postgresql://postgres@127.0.0.1:{chosen}/postgres"
        if _wait_ready(proc, url):
            return proc, url
        _stop(proc)
        failure = log_path.read_text(errors="replace")[-2000:]
    raise PostgresUnavailable(f"postgres did not start; last log:\n{failure}")


def _wait_ready(proc: subprocess.Popen[bytes], url: str) -> bool:
    """Poll until the server accepts a connection (True) or exits / times out (False)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT):
                return True
        except psycopg.OperationalError:
            time.sleep(POLL_INTERVAL)
    return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Fast shutdown (SIGINT), then SIGKILL if it does not exit in time."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=SHUTDOWN_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=SHUTDOWN_TIMEOUT)
