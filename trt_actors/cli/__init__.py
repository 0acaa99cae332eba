"""The `trt` command: one sub-command per module, each adding itself with `register`.

Handlers are `func(args, settings) -> exit code`. Settings are loaded once, before the
handler runs, for every command that needs them; a bad setting prints one line per problem
and exits 2 (a bot of `TRT_TENANTS` too).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from trt_actors._version import __version__
from trt_actors.observability.logging import configure_logging
from trt_actors.settings import ConfigError, load_settings
from trt_actors.tenants.config import load_tenants

from . import catalog, config_cmd, db, doctor, run_cmd, sandbox, top

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trt",
        description="TRT actors: a Telegram bot service that sells AI generations.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    version = commands.add_parser("version", help="print the version")
    version.set_defaults(func=lambda args, settings: print(f"trt-actors {__version__}") or 0)
    version.set_defaults(needs_settings=False)
    config_cmd.register(commands)
    doctor.register(commands)
    run_cmd.register(commands)
    db.register(commands)
    catalog.register(commands)
    top.register(commands)
    sandbox.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = None
    if getattr(args, "needs_settings", True):
        try:
            settings = load_settings(bot=getattr(args, "needs_bot", True))
            if getattr(args, "needs_bot", True) and settings.trt_tenants is not None:
                load_tenants(settings)  # each bot of TRT_TENANTS: the same errors and exit
        except ConfigError as exc:
            for problem in exc.problems:
                print(f"trt: configuration error: {problem}", file=sys.stderr)
            return EXIT_USAGE
        configure_logging(settings.log_level, settings.log_format)
    else:
        configure_logging("warning")  # logs go to stderr; stdout is the command's output
    code: int = args.func(args, settings)
    return code


def entry() -> None:
    sys.exit(main())
