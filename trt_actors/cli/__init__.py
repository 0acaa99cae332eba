"""The `trt` command: one sub-command per module, each adding itself with `register`.

Only the chosen sub-command's module is imported (`COMMANDS`): `trt run` does not load the
importer, the sandbox's emulators or the doctor's checks, which made a third of its start.
Without a known command (`trt --help`, a typo) every module registers, so the help lists all.

Handlers are `func(args, settings) -> exit code`. Settings are loaded once, before the
handler runs, for every command that needs them; a bad setting prints one line per problem
and exits 2 (a bot of `TRT_TENANTS` too). A command whose reader goes away (`trt catalog
list | head`) stops printing and exits 0, without a traceback.

The modules are imported with the garbage collector off (`_importing_for_good`): importing
makes some 125,000 objects that live as long as the process and next to no garbage, and
with Python's default thresholds the collector walked them again and again while they were
being made — about 0.1 s of `trt run`'s 0.6 s of imports on this 2-core machine. What the
imports made is then frozen out of every later pass (`gc.freeze`).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from trt_actors._version import __version__

EXIT_OK = 0
EXIT_USAGE = 2

# sub-command -> the module of this package that registers it (in the order `--help` lists)
COMMANDS = {
    "config": "config_cmd",
    "doctor": "doctor",
    "run": "run_cmd",
    "db": "db",
    "import": "import_cmd",
    "catalog": "catalog",
    "top": "top",
    "sandbox": "sandbox",
}


def chosen_command(argv: Sequence[str]) -> str | None:
    """The sub-command `argv` names, if it names one (its first word that is not an option)."""
    first = next((word for word in argv if not word.startswith("-")), None)
    return first if first in COMMANDS or first == "version" else None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every sub-command, or of `only` (then only its module is imported;
    `version` is always there and has none)."""
    parser = argparse.ArgumentParser(
        prog="trt",
        description="TRT actors: a Telegram bot service that sells AI generations.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    version = commands.add_parser("version", help="print the version")
    version.set_defaults(func=lambda args, settings: print(f"trt-actors {__version__}") or 0)
    version.set_defaults(needs_settings=False)
    for name, module in COMMANDS.items():
        if only is None or only == name:
            importlib.import_module(f"{__name__}.{module}").register(commands)
    return parser


@contextmanager
def _importing_for_good() -> Iterator[None]:
    """The collector off while modules are imported, and what they made frozen after:
    module objects live as long as the process, so walking them finds nothing to free.
    Nested (a test calling `main` again) it leaves the collector as it found it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    with _importing_for_good():
        from trt_actors.observability.logging import configure_logging  # noqa: PLC0415
        from trt_actors.settings import ConfigError, load_settings  # noqa: PLC0415
        from trt_actors.tenants.config import load_tenants  # noqa: PLC0415

        parser = build_parser(only=chosen_command(words))
    args = parser.parse_args(words)
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
    reader_gone = False
    code = 0
    try:
        code = args.func(args, settings)
        sys.stdout.flush()  # what is still buffered meets a closed pipe here, not at exit
    except* BrokenPipeError:
        reader_gone = True
    if reader_gone:
        return reader_left()
    return code


def reader_left() -> int:
    """The program reading our output closed it (`trt catalog list | head`): nothing is
    wrong and nothing more can be shown, so the command ends quietly with 0. Standard output
    is pointed at /dev/null first, so the interpreter's last flush finds no closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
    return EXIT_OK


def entry() -> None:
    sys.exit(main())
