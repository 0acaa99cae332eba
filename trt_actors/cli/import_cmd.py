"""`trt import trt`: bring a deployment of the old bot over (docs/migration.md).

    trt import trt --from postgresql://…/old [--partner ID] [--tenant ID] [--dry-run]
    trt import trt --from-dir ./data --all-partners --report-json report.json

Reads the old bot's PostgreSQL (read-only) or its JSON files and writes into this service's
database (`DATABASE_URL`). Prints the report; progress goes to stderr. Exit 0 when done and
the money agrees, 1 when the import failed or the money does not agree, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path
from typing import Any

import trio

from trt_actors.domain.quota import quota_day
from trt_actors.importer import BatchDone, ImportFailed, ImportPlan, Report, run_import
from trt_actors.settings import ConfigError, Settings
from trt_actors.storage import StorageError
from trt_actors.tenants.config import TenantConfig, configured_tenants

__all__ = ["import_trt", "register"]

EXIT_OK = 0
EXIT_FAILED = 1
DEFAULT_TIMEZONE = "Europe/Moscow"


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    importing = commands.add_parser(
        "import", help="bring the users, money and history of another bot over"
    )
    importing.set_defaults(needs_bot=False)  # only DATABASE_URL (and TRT_TENANTS) matter
    systems = importing.add_subparsers(dest="system", metavar="SYSTEM", required=True)
    trt = systems.add_parser(
        "trt",
        help="the old TRT bot: users, balances, payments, history, referrals",
        description="Bring a deployment of the old TRT bot over: users (names, language,"
        " blocked), balances (one opening credit each), payment and generation history,"
        " referrals, unused referral bonuses, today's free uses and limited admins'"
        " allowances. The source is only read. Running it again imports nothing twice; a"
        " run that was stopped goes on where it stopped.",
    )
    where = trt.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--from", dest="source_url", metavar="URL", help="the old bot's PostgreSQL URL"
    )
    where.add_argument(
        "--from-dir",
        dest="source_dir",
        metavar="DIR",
        type=Path,
        help="a directory of the old bot's JSON files, one directory per partner",
    )
    which = trt.add_mutually_exclusive_group()
    which.add_argument("--partner", metavar="ID", help="the partner (tenant) of the source")
    which.add_argument(
        "--all-partners",
        action="store_true",
        help="every partner of the source, each into the tenant of the same id",
    )
    trt.add_argument("--tenant", metavar="ID", help="where it goes here (default: TENANT_ID)")
    trt.add_argument("--dry-run", action="store_true", help="read and report; write nothing")
    trt.add_argument("--report-json", metavar="PATH", type=Path, help="also write the report")
    trt.add_argument(
        "--batch-size", type=int, default=100, metavar="N", help="users per transaction"
    )
    trt.add_argument(
        "--skip-unreadable",
        action="store_true",
        help="go on when a file of the source cannot be read (it counts as empty)",
    )
    trt.set_defaults(func=import_trt)


def _tenants(settings: Settings) -> dict[str, TenantConfig]:
    try:
        return {tenant.tenant_id: tenant for tenant in configured_tenants(settings)}
    except ConfigError as exc:
        print(
            f"trt import: TRT_TENANTS could not be read ({exc}); using the defaults of each"
            " tenant (time zone Europe/Moscow, no allowances)",
            file=sys.stderr,
        )
        return {}


def _plan(args: argparse.Namespace, settings: Settings) -> tuple[ImportPlan, list[str]]:
    tenants = _tenants(settings)
    tenant = args.tenant or settings.tenant_id
    warnings = []
    if args.all_partners and args.tenant:
        warnings.append("--tenant is not used with --all-partners (each goes to its own id)")
    if not args.all_partners and tenant not in tenants:
        warnings.append(f"tenant {tenant!r} is not one of the bots configured here")
    config = tenants.get(tenant)
    zone = config.settings.timezone if config is not None else DEFAULT_TIMEZONE
    today = quota_day(datetime.datetime.now(datetime.UTC), zone)
    allowances: dict[str, Any] = {
        tid: [list(pair) for pair in t.settings.admin_allowances]
        for tid, t in tenants.items()
        if t.settings.admin_allowances
    }
    plan = ImportPlan(
        database_url=settings.database_url.get_secret_value(),
        today=today,
        source_url=args.source_url,
        source_dir=args.source_dir,
        partner=args.partner,
        tenant=tenant,
        all_partners=args.all_partners,
        dry_run=args.dry_run,
        batch_size=args.batch_size,
        skip_unreadable=args.skip_unreadable,
        allowances=allowances,
    )
    return plan, warnings


async def _progress(done: BatchDone) -> None:
    print(
        f"trt import: {done.partner} → {done.tenant}: {done.phase} batch {done.batch} done"
        f" ({done.done}/{done.total})",
        file=sys.stderr,
        flush=True,
    )


def import_trt(args: argparse.Namespace, settings: Settings) -> int:
    """Run the import and print the report; the exit code."""
    if args.batch_size < 1:
        print("trt import: --batch-size must be at least 1", file=sys.stderr)
        return 2
    plan, warnings = _plan(args, settings)
    for warning in warnings:
        print(f"trt import: {warning}", file=sys.stderr)
    try:
        report: Report = trio.run(lambda: run_import(plan, progress=_progress))
    except (ImportFailed, StorageError, ValueError) as exc:
        message = " ".join(str(exc).split())
        print(f"trt import: {type(exc).__name__}: {message}", file=sys.stderr)
        return EXIT_FAILED
    if args.report_json is not None:  # first: it is written even if nobody reads the text
        args.report_json.write_text(
            json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    print(report.text())
    if not report.money_agrees:
        print("trt import: the money does not agree: see the report", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK
