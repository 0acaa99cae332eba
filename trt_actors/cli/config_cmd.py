"""`trt config check`: print the resolved settings (and each bot of `TRT_TENANTS`), secrets
masked; exit 0, or 2 when invalid."""

from __future__ import annotations

import argparse

from trt_actors.settings import Settings
from trt_actors.tenants.config import load_tenants


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    config = commands.add_parser("config", help="inspect the configuration")
    actions = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="validate the settings and print them, redacted")
    check.set_defaults(func=check_config)


def check_config(args: argparse.Namespace, settings: Settings) -> int:
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
