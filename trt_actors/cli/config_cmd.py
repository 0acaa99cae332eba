"""`trt config check`: print the resolved settings (and each bot of `TRT_TENANTS`), secrets
masked, and a line for each of the old bot's variables found (read through an alias, or not
read and what to set instead); exit 0, or 2 when invalid."""

from __future__ import annotations

import argparse

from trt_actors.legacy_env import environment, review
from trt_actors.settings import Settings, our_variables
from trt_actors.tenants.config import load_tenants


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = commands.add_parser("config", help="inspect the configuration")
    actions = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate the settings and print them, redacted")
    check.set_defaults(func=check_config)


def check_config(args: argparse.Namespace, settings: Settings) -> int:
    for notice in review(environment(), our_variables()).notices:
        print(f"old variable: {notice}")
    rows = settings.redacted()
    width = max(len(name) for name in rows)
    for name, value in rows.items():
        print(f"{name:<{width}}  {value}")
    if settings.trt_tenants is not None:
        for tenant in load_tenants(settings):  # validated before this runs
            shown = "  ".join(f"{k}={v}" for k, v in tenant.redacted().items() if v)
            print(f"tenant {tenant.tenant_id}: {shown}")
    print("configuration ok")
    return 0
