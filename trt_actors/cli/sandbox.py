"""`trt sandbox`: the service, its emulators and a chat page in the browser, in one process."""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path

import trio

from trt_actors.observability.logging import configure_logging
from trt_actors.sandbox import SandboxOptions, run_sandbox
from trt_actors.settings import Settings

EXIT_FAILED = 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sandbox = commands.add_parser(
        "sandbox",
        help="try the bot in the browser: the service and its emulators in one process",
        description="Start the whole service on SQLite with the Telegram and KIE emulators on "
        "loopback, and a web chat page to talk to the bot as a few emulated users and an "
        "admin. Prints 'Sandbox ready: URL' once the bot answers. Ctrl-C stops it.",
    )
    sandbox.add_argument(
        "--port", type=int, default=8088, help="the page's port on 127.0.0.1 (0: any free port)"
    )
    sandbox.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="keep the service's database here (default: a temporary directory)",
    )
    sandbox.add_argument(
        "--no-browser", action="store_true", help="print the URL without opening a browser"
    )
    sandbox.add_argument("--verbose", action="store_true", help="log the service at info level")
    sandbox.set_defaults(func=sandbox_command, needs_settings=False)


def sandbox_command(args: argparse.Namespace, settings: Settings | None) -> int:
    if not 0 <= args.port <= 65535:
        print("trt sandbox: --port must be from 0 to 65535", file=sys.stderr)
        return 2
    if args.verbose:
        configure_logging("info")
    options = SandboxOptions(
        port=args.port, data_dir=args.data_dir, open_browser=not args.no_browser
    )
    code = EXIT_FAILED
    failures: list[BaseException] = []
    try:
        code = trio.run(run_sandbox, options)
    except* OSError as group:  # e.g. the port is taken
        failures.extend(_leaves(group))
    for exc in failures:
        busy = isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE
        hint = f" (port {args.port} is taken: try --port 0)" if busy else ""
        print(f"trt sandbox: {exc}{hint}", file=sys.stderr)
    return EXIT_FAILED if failures else code


def _leaves(error: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]
