"""One import run: open the source, choose its partners, read each one, write it (or walk it,
in a dry run), and report.

The source is only read (a directory, or the old database in a read-only snapshot). Nothing
is written before every chosen partner was read; with a file that could not be read, nothing
is written at all unless the operator accepts it (`skip_unreadable`): the old bot read such a
file as empty, and so would this import. Every step that waits on I/O has a deadline.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import trio

from trt_actors.catalog import CatalogError, load_catalog
from trt_actors.storage import Store, open_store, status

from ._database import DatabaseSource
from ._directory import DirectorySource
from ._extract import Extract, extract
from ._models import model_ids
from ._report import MoneyCheck, PartnerReport, Report
from ._source import PartnerData, Source, SourceError
from ._writer import DEFAULT_BATCH, Progress, Written, write_extract

__all__ = ["ImportFailed", "ImportPlan", "run_import"]

SOURCE_DEADLINE = 300.0  # reading one partner (or connecting)
OPEN_DEADLINE = 960.0  # opening our database, migrations included
_TENANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
T = TypeVar("T")


class ImportFailed(Exception):
    """The import cannot go on; the message says why and what to do. Nothing was written
    unless the message says so (batches committed before a failure stay, and the next run
    goes on from them)."""


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What to import, from where, into which tenants.

    Exactly one of `source_url` (the old bot's PostgreSQL) and `source_dir` (its JSON files).
    `partner`/`tenant`: one partner into one tenant; `all_partners`: every partner into the
    tenant of the same id. `today`: the destination's quota day (free uses of that day come
    over). `allowances`: each tenant's configured `admin_allowances`, kept beside the
    imported ones."""

    database_url: str
    today: datetime.date
    source_url: str | None = None
    source_dir: Path | None = None
    partner: str | None = None
    tenant: str = "default"
    all_partners: bool = False
    dry_run: bool = False
    batch_size: int = DEFAULT_BATCH
    skip_unreadable: bool = False
    allowances: Mapping[str, Any] = field(default_factory=dict)


async def _in_thread(fn: Callable[[], T], deadline: float) -> T:
    """`fn()` in a worker thread, given up after `deadline` seconds (a source read only
    reads: an abandoned thread holds nothing that matters)."""
    with trio.fail_after(deadline):
        return await trio.to_thread.run_sync(fn, abandon_on_cancel=True)


@contextlib.asynccontextmanager
async def _opened(plan: ImportPlan) -> AsyncIterator[Source]:
    if (plan.source_url is None) == (plan.source_dir is None):
        raise ImportFailed("give the old bot's database (--from) or its directory (--from-dir)")
    try:
        if plan.source_dir is not None:
            directory = plan.source_dir
            yield await _in_thread(lambda: DirectorySource(directory), SOURCE_DEADLINE)
            return
        assert plan.source_url is not None
        database = DatabaseSource(plan.source_url)
        await _in_thread(database.__enter__, SOURCE_DEADLINE)
        try:
            yield database
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(10):
                await trio.to_thread.run_sync(database.close, abandon_on_cancel=True)
    except SourceError as exc:
        raise ImportFailed(str(exc)) from None


def choose(plan: ImportPlan, partners: list[str]) -> dict[str, str]:
    """Partner → tenant for this run; `ImportFailed` saying what to choose otherwise."""
    held = ", ".join(partners) or "none"
    if plan.all_partners:
        bad = [p for p in partners if not _TENANT.match(p)]
        if bad:
            raise ImportFailed(
                f"partner id(s) {', '.join(bad)} cannot be tenant ids here (1-32 of a-z 0-9 _ -):"
                " import each with --partner ID --tenant NEW_ID"
            )
        if not partners:
            raise ImportFailed("the source holds no partner")
        return {p: p for p in partners}
    if not _TENANT.match(plan.tenant):
        raise ImportFailed(f"{plan.tenant!r} is not a tenant id here (1-32 of a-z 0-9 _ -)")
    if plan.partner is not None:
        if plan.partner not in partners:
            raise ImportFailed(f"the source holds no partner {plan.partner!r} (it holds: {held})")
        return {plan.partner: plan.tenant}
    if len(partners) == 1:
        return {partners[0]: plan.tenant}
    raise ImportFailed(
        f"the source holds {len(partners)} partners ({held}): choose one with --partner ID"
        " (and --tenant), or take each into its own tenant with --all-partners"
    )


@contextlib.asynccontextmanager
async def _destination(plan: ImportPlan, report: Report) -> AsyncIterator[Store | None]:
    """Our database: migrated and open; in a dry run opened only when its schema is
    current (never migrated), else None."""
    if plan.dry_run:
        with trio.fail_after(OPEN_DEADLINE):
            current = await status(plan.database_url)
        if not current.up_to_date:
            report.notes.append(
                f"our database is at schema version {current.current} of {current.latest}:"
                " counted as if nothing had been imported yet (a dry run changes nothing)"
            )
            yield None
            return
    async with contextlib.AsyncExitStack() as stack:
        with trio.fail_after(OPEN_DEADLINE):
            store = await stack.enter_async_context(
                open_store(plan.database_url, migrate=not plan.dry_run)
            )
        yield store


def _partner_report(
    plan: ImportPlan, tenant: str, found: Extract, written: Written
) -> PartnerReport:
    in_source, kept = found.balance_totals()
    not_amounts = sum(
        1 for user in found.users.values() if user.balance is not None and not user.balance.usable
    )
    findings = found.findings
    return PartnerReport(
        partner=found.partner,
        tenant=tenant,
        dry_run=plan.dry_run,
        found=dict(found.found),
        tallies=written.tallies,
        money=MoneyCheck(in_source, kept, written.opening_total, not_amounts),
        skipped=findings.skipped + written.findings.skipped,
        adjustments=findings.adjustments,
        notes=findings.notes + written.findings.notes,
        unreadable=found.unreadable,
        known_here=written.known_here,
    )


async def run_import(plan: ImportPlan, *, progress: Progress | None = None) -> Report:
    """Run `plan`; the report. Raises `ImportFailed` (or a `StorageError` of our database)."""
    async with _opened(plan) as source:
        report = Report(source.description, plan.dry_run)
        partners = await _in_thread(source.partners, SOURCE_DEADLINE)
        report.notes += await _in_thread(source.notes, SOURCE_DEADLINE)
        mapping = choose(plan, partners)
        loaded: list[tuple[PartnerData, str]] = []
        for partner, tenant in mapping.items():
            data = await _in_thread(functools.partial(source.load, partner), SOURCE_DEADLINE)
            loaded.append((data, tenant))
    try:
        catalog = await _in_thread(load_catalog, SOURCE_DEADLINE)
    except CatalogError as exc:
        raise ImportFailed(f"the model catalog cannot be read: {exc}") from None
    models = model_ids(catalog.models(visible_only=False))
    extracts = [(extract(data, plan.today, models), tenant) for data, tenant in loaded]
    unreadable = [(e.partner, name, why) for e, _ in extracts for name, why in e.unreadable]
    if unreadable and not plan.dry_run and not plan.skip_unreadable:
        listed = "; ".join(f"{p}/{name}: {why}" for p, name, why in unreadable)
        raise ImportFailed(
            f"file(s) of the source could not be read: {listed}. Nothing was written. Restore"
            " them (the old bot's backups, or the git history of its storage branch) and run"
            " again, or accept them as empty with --skip-unreadable"
        )
    async with _destination(plan, report) as store:
        for found, tenant in extracts:
            written = await write_extract(
                store,
                tenant,
                found,
                day=plan.today,
                dry_run=plan.dry_run,
                batch_size=plan.batch_size,
                configured_allowances=plan.allowances.get(tenant),
                progress=progress,
            )
            report.partners.append(_partner_report(plan, tenant, found, written))
    return report
