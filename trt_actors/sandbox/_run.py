"""`trt sandbox` in one process: the emulators, the whole service, and the chat page.

Start order (each reports started before the next begins), all on loopback:

    Telegram emulator → KIE emulator → the people (users) → chat websocket → page server
    → the supervision tree (`trt_actors/app/tree.py`), polling the emulator

Once the tree is ready, one line `Sandbox ready: http://127.0.0.1:PORT/` goes to stdout
(followed by a few lines of detail: the people, the emulators, the exact `trt top --url …`
command for the supervision tree, and on a machine without a display how to open the page
from another one) and the page opens in the browser unless told not to.
The first SIGTERM or SIGINT stops the tree gracefully (`trt_actors.service.serve`: children
in reverse order, within SHUTDOWN_GRACE_SECONDS), then the page, the feed and the emulators
stop; the exit code is the tree's (0 after a clean stop). A temporary data directory is
removed at exit.
"""

from __future__ import annotations

import getpass
import os
import shlex
import signal
import socket
import sys
import tempfile
import time
import webbrowser
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TextIO
from urllib.parse import urlsplit

import structlog
import trio

from trt_actors.app.tree import OPS, Tree
from trt_actors.emulators.telegram import EmulatorConfig, TelegramEmulator
from trt_actors.observability.events import current_bus
from trt_actors.service import serve
from trt_actors.web import HTTPServer, Router

from ._api import Backend, add_api_routes
from ._chat_feed import ChatFeed
from ._kie import KieEndpoints, serve_kie
from ._people import People
from ._settings import LOOPBACK, sandbox_settings
from ._static import add_static_routes, load_static

log = structlog.get_logger(__name__)

EXIT_FAILED = 1
#: The tree must be ready (intake open) this long after it starts, or the sandbox gives up.
READY_DEADLINE = 60.0
READY_RECHECK = 0.5
#: Opening the browser runs in a thread; the sandbox waits for it at most this long.
BROWSER_DEADLINE = 5.0


class _Events(Protocol):
    """A subscription to the lifecycle event bus."""

    async def receive(self) -> object: ...


@dataclass(frozen=True, slots=True)
class SandboxOptions:
    """What `trt sandbox` was asked for. `port` 0: any free port."""

    port: int = 8088
    data_dir: Path | None = None
    open_browser: bool = True


async def run_sandbox(options: SandboxOptions, out: TextIO = sys.stdout) -> int:
    """Run the sandbox until SIGTERM/SIGINT; the exit code (see the module's docstring)."""
    with (
        trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals,
        _data_directory(options.data_dir) as data_dir,
    ):
        return await _run(options, data_dir, signals, out)


@contextmanager
def _data_directory(given: Path | None) -> Iterator[Path]:
    """`given` (created if missing, kept), or a temporary directory removed at exit."""
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="trt-sandbox-") as name:
        yield Path(name)


def _first_update_id() -> int:
    """Update ids above any an earlier sandbox on the same data directory used (the inbox
    keys on them): milliseconds since the epoch."""
    return int(time.time() * 1000)


async def _run(
    options: SandboxOptions, data_dir: Path, signals: AsyncIterator[int], out: TextIO
) -> int:
    emulator = TelegramEmulator(EmulatorConfig(first_update_id=_first_update_id()))
    people = People()
    code = EXIT_FAILED
    async with trio.open_nursery() as nursery:
        emulator_url: str = await nursery.start(emulator.serve, LOOPBACK, 0)
        kie: KieEndpoints = await nursery.start(serve_kie, LOOPBACK)
        people.create(emulator.ctl)
        backend = Backend(emulator.ctl, emulator_url, people, kie_url=kie.api_base_url)
        feed = ChatFeed(backend)
        backend.ws_port = await nursery.start(feed.serve, LOOPBACK, 0)
        feed.page_port = await nursery.start(_serve_page, backend, options.port)
        settings = sandbox_settings(
            emulator_url=emulator_url,
            token=emulator.config.token,
            data_dir=data_dir,
            admin_ids=people.admin_ids,
            kie=kie,
        )
        tree = Tree(settings)
        failed = False

        async def run_tree() -> None:
            nonlocal code
            code = await serve(tree.root, settings.shutdown_grace_seconds, signals)
            nursery.cancel_scope.cancel()

        url = f"http://{LOOPBACK}:{feed.page_port}/"
        with current_bus.get().subscribe() as events:
            nursery.start_soon(run_tree)
            ready = await _wait_ready(tree, events)
        if ready:
            where = Announcement(url, backend, data_dir, options.data_dir is not None)
            _announce(out, where, ops_port=tree.root.child(OPS), headless=not _has_display())
            if options.open_browser:
                await _open_browser(url)
        else:
            failed = True
            log.error("sandbox.not_ready", deadline=READY_DEADLINE, tree=tree.readiness())
            print(f"trt sandbox: not ready in {READY_DEADLINE:.0f} s", file=sys.stderr)
            tree.root.request_stop()
    return EXIT_FAILED if failed else code


async def _serve_page(
    backend: Backend, port: int, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED
) -> None:
    """The page's HTTP server (`trt_actors.web`): static files and the `/api` actions."""
    router = Router()
    add_static_routes(router, load_static())
    add_api_routes(router, backend)
    server = HTTPServer(router)
    async with trio.open_nursery() as nursery:
        task_status.started(await nursery.start(server.serve, LOOPBACK, port))


async def _wait_ready(tree: Tree, events: _Events) -> bool:
    """True once the tree reports ready; False if it is not within READY_DEADLINE.

    Readiness is looked at again after each lifecycle event (a child started), and at least
    every READY_RECHECK seconds."""
    with trio.move_on_after(READY_DEADLINE):
        while not tree.readiness()["ready"]:
            with trio.move_on_after(READY_RECHECK):
                await events.receive()
        return True
    return False


@dataclass(frozen=True, slots=True)
class Announcement:
    """What the ready message tells: the page, the people, where everything listens."""

    url: str
    backend: Backend
    data_dir: Path
    kept: bool


def _announce(out: TextIO, what: Announcement, *, ops_port: int | None, headless: bool) -> None:
    """The ready message on stdout: the page's URL first (the line tests and scripts read),
    then the people, the emulators, the `trt top` command for the supervision tree, and on a
    machine without a display how to open the page from another one. A reader that went
    away (`trt sandbox | head -1`) does not stop the sandbox: stdout becomes /dev/null."""
    backend = what.backend
    people = ", ".join(
        f"{p.first_name} ({p.user_id}{', admin' if p.admin else ''})" for p in backend.people.all
    )
    fate = "kept" if what.kept else "removed at exit"
    lines = [
        f"Sandbox ready: {what.url}",
        f"  people: {people}",
        f"  Telegram emulator: {backend.emulator_url}  KIE emulator: {backend.kie_url}",
    ]
    if ops_port is not None:
        lines.append(
            f"  supervision tree, in another terminal: {_trt()} top --url {_feed(ops_port)}"
        )
    lines += [f"  data: {what.data_dir} ({fate})", "  Ctrl-C stops it."]
    if headless:
        lines += ["", *remote_hint(what.url, backend)]
    try:
        print("\n".join(lines), file=out, flush=True)
    except BrokenPipeError:
        log.warning("sandbox.stdout_closed", url=what.url)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, out.fileno())
        finally:
            os.close(devnull)


def remote_hint(url: str, backend: Backend) -> list[str]:
    """How to open the page on a machine without a display: in a browser elsewhere, through
    an SSH tunnel of every port the page uses (itself, its chat websocket, and the two
    emulators, which serve the pictures and files)."""
    ports = [urlsplit(url).port, backend.ws_port]
    ports += [urlsplit(u).port for u in (backend.emulator_url, backend.kie_url or "")]
    forwards = " ".join(f"-L {port}:{LOOPBACK}:{port}" for port in ports if port)
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no login name in the environment or the password file
        user = "you"
    host = f"{user}@{socket.gethostname()}"
    return [
        f"There is no display on this machine: open {url} in a browser on another machine.",
        "First forward the sandbox's ports to that machine over SSH (run this there), then open",
        "the same URL in its browser:",
        f"  ssh -N {forwards} {host}",
    ]


def _trt() -> str:
    """How this program was started, to print commands that work as typed: `trt` (or the
    path it was called by), else `python -m trt_actors`."""
    program = sys.argv[0] if sys.argv else ""
    if Path(program).name == "trt":
        return shlex.quote(program)
    return f"{shlex.quote(sys.executable)} -m trt_actors"


def _feed(port: int) -> str:
    return f"ws://{LOOPBACK}:{port}/feed"


def _has_display() -> bool:
    """False on a Linux without a graphical session, where `webbrowser` would start a
    terminal browser (lynx, w3m) over the sandbox's own output."""
    if not sys.platform.startswith("linux"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


async def _open_browser(url: str) -> None:
    """Open `url` in the user's graphical browser, if there is a display; give up waiting
    after BROWSER_DEADLINE."""
    if not _has_display():
        log.warning("sandbox.no_display", hint="open the URL in a browser yourself", url=url)
        return
    with trio.move_on_after(BROWSER_DEADLINE):
        opened = await trio.to_thread.run_sync(webbrowser.open, url, abandon_on_cancel=True)
        if not opened:
            log.warning("sandbox.no_browser", url=url)
