"""`trt doctor`: check a deployment and print what to fix; exit 0 when all is well, 1 if not.

It reads the settings itself, so a configuration mistake is one of its findings (not the
exit 2 of the other commands). Checks and their wording: `trt_actors/operator/doctor.py`.
"""

from __future__ import annotations

import argparse

import trio

from trt_actors.catalog import load_catalog
from trt_actors.legacy_env import environment, review
from trt_actors.operator.doctor import (
    FAIL,
    WARN,
    Finding,
    old_variable_findings,
    run_checks,
    settings_findings,
)
from trt_actors.settings import ConfigError, Settings, load_settings, our_variables
from trt_actors.tenants.config import configured_tenants

EXIT_HEALTHY = 0
EXIT_PROBLEMS = 1


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="check the deployment (settings, database, Redis, Telegram, webhooks, KIE)",
        description="Check this deployment: settings of every bot, the database and its "
        "schema, Redis, each bot's token and webhook at Telegram, the KIE key and credits. "
        "Prints what to fix; exit 0 when all is well, 1 otherwise.",
    )
    doctor.set_defaults(func=doctor_command, needs_settings=False)


def doctor_command(args: argparse.Namespace, _: Settings | None) -> int:
    findings = diagnose()
    for finding in findings:
        print(finding)
    failures = sum(1 for f in findings if f.level == FAIL)
    warnings = sum(1 for f in findings if f.level == WARN)
    if failures:
        print(f"trt doctor: {failures} problem(s) to fix, {warnings} warning(s)")
        return EXIT_PROBLEMS
    print(f"trt doctor: all is well ({warnings} warning(s))")
    return EXIT_HEALTHY


def diagnose() -> list[Finding]:
    """Every finding, settings first; the other checks need valid settings."""
    try:
        settings = load_settings()
        tenants = configured_tenants(settings)
    except ConfigError as exc:
        return [Finding(FAIL, "settings", str(problem)) for problem in exc.problems]
    model_ids = frozenset(model.id for model in load_catalog().models(visible_only=False))
    found = settings_findings(tenants, settings.trt_tenants is not None, model_ids)
    found += old_variable_findings(review(environment(), our_variables()).notices)
    return found + trio.run(run_checks, settings, tenants)
