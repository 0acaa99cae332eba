"""`trt run`: build the supervision tree from the settings and run it until signalled."""

from __future__ import annotations

import argparse

import structlog
import trio

from trt_actors.app.tree import build_root
from trt_actors.legacy_env import environment, review
from trt_actors.service import serve_until_signalled
from trt_actors.settings import Settings, our_variables

log = structlog.get_logger("trt.run")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = commands.add_parser(
        "run",
        help="run the service until SIGTERM/SIGINT",
        description="Run the service. The first SIGTERM or SIGINT stops it gracefully within "
        "SHUTDOWN_GRACE_SECONDS; a second one stops it at once.",
    )
    run.set_defaults(func=run_service)


def run_service(args: argparse.Namespace, settings: Settings) -> int:
    for notice in review(environment(), our_variables()).notices:
        log.warning("settings.old_variable", notice=notice)
    root = build_root(settings)
    code: int = trio.run(serve_until_signalled, root, settings.shutdown_grace_seconds)
    return code
