"""The storage side of the admin panel: what its lookups read and its operations write.

Every operation is recorded in the audit log with the admin's id. Exports are CSV (UTF-8
with a BOM, so spreadsheet programs read Cyrillic); the chart is a PNG drawn by matplotlib.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
from typing import Any

import structlog
import trio

from trt_actors.domain.admin.facts import (
    AdjustBalance,
    AdminRedeliver,
    AuditLine,
    AuditTail,
    BroadcastFacts,
    BroadcastHistory,
    BroadcastStatus,
    CancelBroadcast,
    ChangeTerm,
    Denied,
    DisablePromo,
    Done,
    Export,
    FileFacts,
    GrantAdmin,
    JobDetail,
    JobFacts,
    JobsPage,
    MoneyLine,
    PanelStats,
    PaymentLine,
    PaymentsPage,
    PromoLine,
    PromoList,
    Refused,
    ResetTerm,
    SetBlocked,
    StartBroadcast,
    StatsChart,
    StatsFacts,
    UserCard,
    UserFacts,
)
from trt_actors.domain.tenant_terms import TermError
from trt_actors.storage import (
    EXPORT_COLUMNS,
    Broadcast,
    BroadcastState,
    CreditKind,
    Currency,
    DeliveryState,
    InvalidState,
    NotFound,
    StorageError,
    Tx,
)

from .chart import money_chart
from .performers import AreaPerformers, Services, Site

PERFORMERS = AreaPerformers("admin")

log = structlog.get_logger(__name__)

DAY_MS = 86_400_000
STORE_DEADLINE = 5.0


def _at(ms: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC)


def _since(site: Site, days: int) -> int:
    return int(site.now.timestamp() * 1000) - days * DAY_MS


# -- lookups --------------------------------------------------------------------------------


@PERFORMERS.reads(PanelStats)
def _stats(tx: Tx, lookup: PanelStats, site: Site) -> StatsFacts:
    since = _since(site, lookup.days)
    users = tx.stats.users(since=since)
    days = tx.stats.money_by_day(since=since)
    return StatsFacts(
        users_total=users.total,
        users_new=users.new,
        users_active=users.active,
        users_blocked_bot=users.blocked_bot,
        jobs_by_state=tx.jobs.count_by_state(),
        top_models=tx.stats.jobs_by_model(since=since),
        revenue_kopecks=sum(day.revenue for day in days),
        spend_kopecks=sum(day.spend for day in days),
        days=lookup.days,
    )


@PERFORMERS.reads(UserCard)
def _user_card(tx: Tx, lookup: UserCard, site: Site) -> UserFacts | None:
    target = lookup.target
    user = tx.users.find(int(target)) if target.isdigit() else tx.users.by_username(target)
    if user is None:
        return None
    account = tx.ledger.account(user.user_id, Currency.RUB)
    jobs, payments = tx.stats.user_counts(user.user_id)
    entries = tx.ledger.entries(user.user_id, currency=Currency.RUB, limit=5)
    return UserFacts(
        user_id=user.user_id,
        username=user.username,
        first_name=user.first_name,
        language=user.language,
        is_blocked=user.is_blocked,
        blocked_bot=user.blocked_bot,
        joined=_at(user.created_at),
        balance_kopecks=account.balance,
        held_kopecks=account.held,
        jobs=jobs,
        payments=payments,
        ledger=[MoneyLine(str(e.kind), e.amount, _at(e.created_at), e.actor) for e in entries],
    )


@PERFORMERS.reads(AuditTail)
def _audit(tx: Tx, lookup: AuditTail, site: Site) -> list[AuditLine]:
    return [
        AuditLine(e.actor_id, e.action, e.target, _at(e.created_at), e.details)
        for e in tx.audit.recent(limit=lookup.limit)
    ]


def _broadcast_facts(found: Broadcast) -> BroadcastFacts:
    counts, message = found.counts, found.message
    return BroadcastFacts(
        broadcast_id=found.id,
        state=found.state.value,
        sent=counts.get(DeliveryState.SENT, 0),
        failed=counts.get(DeliveryState.FAILED, 0),
        skipped=counts.get(DeliveryState.SKIPPED, 0),
        pending=counts.get(DeliveryState.PENDING, 0),
        started=_at(found.created_at),
        finished=_at(found.finished_at) if found.finished_at is not None else None,
        text=str(message.get("text") or message.get("caption") or ""),
        html=str(message.get("parse_mode", "")).upper() == "HTML",
        photo=message.get("method") == "sendPhoto",
    )


@PERFORMERS.reads(BroadcastStatus)
def _broadcast(tx: Tx, lookup: BroadcastStatus, site: Site) -> BroadcastFacts | None:
    try:
        return _broadcast_facts(tx.broadcasts.get(lookup.broadcast_id))
    except NotFound:
        return None


@PERFORMERS.reads(BroadcastHistory)
def _broadcast_history(tx: Tx, lookup: BroadcastHistory, site: Site) -> list[BroadcastFacts]:
    found = tx.broadcasts.history(before_id=lookup.before or None, limit=lookup.size)
    return [_broadcast_facts(broadcast) for broadcast in found]


@PERFORMERS.reads(Export)
def _export(tx: Tx, lookup: Export, site: Site) -> FileFacts | None:
    if lookup.table not in EXPORT_COLUMNS:
        return None
    columns = EXPORT_COLUMNS[lookup.table][0]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    rows = 0
    for row in tx.stats.export(lookup.table):
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
        rows += 1
    name = f"{lookup.table}-{site.tenant}-{site.now:%Y%m%d}.csv"
    return FileFacts(name, ("\ufeff" + out.getvalue()).encode(), "text/csv", rows)


@PERFORMERS.probes(StatsChart)
async def _chart(services: Services, lookup: StatsChart, site: Site) -> FileFacts:
    """The figures from a short read; the drawing (matplotlib, ~100 ms) in a thread of its
    own afterwards, so no reader connection is held while it draws."""
    since = _since(site, lookup.days)
    with trio.fail_after(STORE_DEADLINE):
        days = await services.store.read(site.tenant, lambda tx: tx.stats.money_by_day(since=since))
    first = site.now.date() - datetime.timedelta(days=lookup.days - 1)
    title = f"{site.tenant}: {lookup.days} days"
    draw = functools.partial(money_chart, first, lookup.days, days, title=title)
    png = await trio.to_thread.run_sync(draw, abandon_on_cancel=True)  # pure: safe to leave
    return FileFacts(f"stats-{site.now:%Y%m%d}.png", png, "image/png", len(days))


def _job_facts(tx: Tx, job_id: int) -> JobFacts | None:
    try:
        job = tx.jobs.get(job_id)
    except NotFound:
        return None
    return JobFacts(
        job_id=job.id,
        user_id=job.user_id,
        model_id=job.model_id,
        state=job.state,
        params=job.params,
        kie_task_id=job.kie_task_id,
        price_kopecks=job.price,
        error=job.error,
        result_urls=list(job.result_urls),
        created=_at(job.created_at),
        submitted=_at(job.submitted_at) if job.submitted_at else None,
        finished=_at(job.finished_at) if job.finished_at else None,
    )


@PERFORMERS.reads(JobsPage)
def _jobs_page(tx: Tx, lookup: JobsPage, site: Site) -> list[JobFacts]:
    ids = tx.stats.job_ids(before_id=lookup.before or None, limit=lookup.size)
    return [facts for job_id in ids if (facts := _job_facts(tx, job_id)) is not None]


@PERFORMERS.reads(JobDetail)
def _job_detail(tx: Tx, lookup: JobDetail, site: Site) -> JobFacts | None:
    return _job_facts(tx, lookup.job_id)


@PERFORMERS.reads(PaymentsPage)
def _payments(tx: Tx, lookup: PaymentsPage, site: Site) -> list[PaymentLine]:
    return [
        PaymentLine(
            p.id,
            p.user_id,
            p.method.value,
            p.status.value,
            p.amount,
            p.currency.value,
            p.external_id,
            _at(p.created_at),
        )
        for p in tx.payments.recent(limit=lookup.limit)
    ]


@PERFORMERS.reads(PromoList)
def _promos(tx: Tx, lookup: PromoList, site: Site) -> list[PromoLine]:
    return [
        PromoLine(
            p.code,
            p.amount,
            p.redemptions,
            p.max_redemptions,
            _at(p.expires_at) if p.expires_at else None,
            p.active,
            p.kind == "free",
        )
        for p in tx.promos.recent(limit=lookup.limit)
    ]


@PERFORMERS.performs(DisablePromo)
def _disable_promo(tx: Tx, operation: DisablePromo, site: Site) -> Done | Refused:
    try:
        tx.promos.deactivate(operation.code)
    except NotFound:
        return Refused("adm_unavailable")
    tx.audit.record(operation.admin_id, "promo_disable", target=operation.code)
    return Done()


# -- operations -----------------------------------------------------------------------------


@PERFORMERS.performs(Denied)
def _denied(tx: Tx, operation: Denied, site: Site) -> Done:
    log.warning("admin.denied", user=operation.user_id, what=operation.what)
    key = f"denied:{site.user_id}:{site.update_id}"  # handled again: recorded once
    tx.audit.record(operation.user_id, "denied", target=operation.what, key=key)
    return Done()


@PERFORMERS.performs(SetBlocked)
def _set_blocked(tx: Tx, operation: SetBlocked, site: Site) -> Done | Refused:
    if not tx.users.exists(operation.user_id):
        return Refused("adm_refused_no_user")
    tx.users.set_blocked(operation.user_id, operation.blocked)
    action = "block" if operation.blocked else "unblock"
    tx.audit.record(operation.admin_id, action, target=str(operation.user_id))
    return Done()


@PERFORMERS.remembers(SetBlocked)
def _remember_blocked(terms: Any, operation: SetBlocked, result: object) -> None:
    """Sessions answering from memory see the block (or unblock) at once."""
    if isinstance(result, Done):
        terms.mark_blocked(operation.user_id, operation.blocked)


@PERFORMERS.performs(AdjustBalance)
def _adjust(tx: Tx, operation: AdjustBalance, site: Site) -> Done | Refused:
    if not tx.users.exists(operation.user_id):
        return Refused("adm_refused_no_user")
    if tx.ledger.entry(operation.key) is not None:
        return Done()  # performed already (the update is handled again)
    amount, actor = operation.amount_kopecks, f"admin:{operation.admin_id}"
    if amount > 0:
        tx.ledger.credit(
            operation.user_id,
            amount,
            Currency.RUB,
            kind=CreditKind.ADMIN,
            key=operation.key,
            actor=actor,
            reference=operation.reason,
        )
    else:
        available = tx.ledger.account(operation.user_id, Currency.RUB).available
        if available < -amount:
            return Refused("adm_refused_funds")  # the answer shows the amount (the domain's money)
        tx.ledger.debit(
            operation.user_id,
            -amount,
            Currency.RUB,
            key=operation.key,
            actor=actor,
            reference=operation.reason,
        )
    details = {"amount": amount, "reason": operation.reason, "key": operation.key}
    tx.audit.record(operation.admin_id, "balance", target=str(operation.user_id), details=details)
    return Done()


@PERFORMERS.performs_live(GrantAdmin)
async def _grant_admin(services: Services, operation: GrantAdmin, site: Site) -> Done | Refused:
    """Only the main admin appoints; the new list is the admins in force plus this user."""
    terms = services.terms.current
    if operation.admin_id != terms.main_admin:
        return Refused("adm_refused_main_admin")
    try:
        with trio.fail_after(STORE_DEADLINE):
            known = await services.store.read(
                site.tenant, lambda tx: tx.users.exists(operation.user_id)
            )
        if not known:
            return Refused("adm_refused_no_user")
        admins = [*terms.admins, operation.user_id]
        await services.terms.update("admins", admins, operation.admin_id)
    except (StorageError, TermError, trio.TooSlowError):
        return Refused("adm_unavailable")
    return Done()


@PERFORMERS.performs(StartBroadcast)
def _start_broadcast(tx: Tx, operation: StartBroadcast, site: Site) -> Done:
    key = f"broadcast:{operation.key}"
    earlier = tx.audit.by_key(key)
    if earlier is not None:  # started already (the update handled again)
        return Done(int(earlier.target))
    started = tx.broadcasts.create(operation.admin_id, operation.message)
    tx.broadcasts.set_state(started.id, BroadcastState.RUNNING)
    details = {"key": operation.key, "method": operation.message.get("method")}
    tx.audit.record(
        operation.admin_id, "broadcast", target=str(started.id), details=details, key=key
    )
    return Done(started.id)


@PERFORMERS.performs(CancelBroadcast)
def _cancel_broadcast(tx: Tx, operation: CancelBroadcast, site: Site) -> Done | Refused:
    try:
        tx.broadcasts.set_state(operation.broadcast_id, BroadcastState.CANCELLED)
    except (NotFound, InvalidState):
        return Refused("adm_unavailable")
    tx.audit.record(operation.admin_id, "broadcast_cancel", target=str(operation.broadcast_id))
    return Done(operation.broadcast_id)


@PERFORMERS.performs_live(ChangeTerm)
async def _change_term(services: Services, operation: ChangeTerm, site: Site) -> Done | Refused:
    try:
        await services.terms.update(operation.key, operation.value, operation.admin_id)
    except TermError as exc:
        return Refused("adm_term_invalid", {"expected": str(exc)})
    except (StorageError, trio.TooSlowError):
        return Refused("adm_unavailable")
    return Done()


@PERFORMERS.performs_live(ResetTerm)
async def _reset_term(services: Services, operation: ResetTerm, site: Site) -> Done | Refused:
    try:
        await services.terms.reset(operation.key, operation.admin_id)
    except (StorageError, trio.TooSlowError):
        return Refused("adm_unavailable")
    return Done()


@PERFORMERS.performs_live(AdminRedeliver)
async def _redeliver(services: Services, operation: AdminRedeliver, site: Site) -> Done | Refused:
    def request(tx: Tx) -> bool:
        try:
            job = tx.jobs.get(operation.job_id)
        except NotFound:
            return False
        if not tx.jobs.request_redelivery(job.id, job.user_id):
            return False
        details = {"user": job.user_id}
        tx.audit.record(operation.admin_id, "redeliver", target=str(job.id), details=details)
        return True

    try:
        with trio.fail_after(STORE_DEADLINE):
            requested = await services.store.run(site.tenant, request)
        if not requested:
            return Refused("adm_job_not_delivered")
        if services.wake_job is not None:
            await services.wake_job(operation.job_id)
    except (StorageError, trio.TooSlowError):
        return Refused("adm_unavailable")
    return Done()
