"""The admin panel's live checks (probes) and the correlation trail (a storage read).

Probes use the tenant's running parts: storage, the coordination node, the outbound actor
(so a getMe is a round trip through an actor and the Telegram pacing), the KIE client. Each
check is timed, and a failure is a line of the report, never an exception to the user.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Awaitable, Callable
from fractions import Fraction

import trio

from trt_actors.domain.admin.facts import (
    Check,
    ConfigCheck,
    ConfigLine,
    CorrelationTrail,
    Diagnostics,
    DiagnosticsFacts,
    GenerationsPaused,
    KieCredits,
    SelfTest,
    TenantLine,
    TenantsOverview,
    TrailStep,
)
from trt_actors.kie import KieError
from trt_actors.storage import StorageError, Tx
from trt_actors.telegram.errors import TelegramError

from .performers import AreaPerformers, ProbeFailed, Services, Site

PERFORMERS = AreaPerformers("admin diagnostics")

CHECK_DEADLINE = 5.0
SELFTEST_KEY = "selftest"
LIVE_ERRORS = (TelegramError, KieError, StorageError, trio.TooSlowError)


def _at(ms: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC)


async def _timed(name: str, check: Callable[[], Awaitable[str]]) -> Check:
    began = trio.current_time()
    try:
        with trio.fail_after(CHECK_DEADLINE):
            detail = await check()
    except LIVE_ERRORS as exc:
        millis = int((trio.current_time() - began) * 1000)
        return Check(name, False, f"{type(exc).__name__}: {exc}"[:300], millis)
    return Check(name, True, detail, int((trio.current_time() - began) * 1000))


def _coordination(services: Services) -> Check:
    node = services.coordination()
    if node is None:
        return Check("redis", False, "the coordination node is not running")
    status = node.status()
    if status.backend == "local":
        return Check("redis", True, "not configured: one instance, in-process coordination")
    detail = f"{status.mode}, {status.redis_url}"
    if status.last_error:
        detail += f", last error: {status.last_error}"
    return Check("redis", bool(status.redis_up), detail)


@PERFORMERS.probes(Diagnostics)
async def _diagnostics(services: Services, lookup: Diagnostics, site: Site) -> DiagnosticsFacts:
    async def webhook() -> str:
        info = await services.outbound.call("getWebhookInfo", {}, timeout=CHECK_DEADLINE)
        url = info.get("url") or "none (polling)"
        detail = f"{url}, {info.get('pending_update_count', 0)} pending"
        if info.get("last_error_message"):
            detail += f", last error: {info['last_error_message']}"
        return str(detail)

    def figures(tx: Tx) -> tuple[dict[str, int], list[tuple[int, str, str]]]:
        return tx.stats.inbox_counts(), tx.stats.last_errors(limit=5)

    storage_began = trio.current_time()
    try:
        with trio.fail_after(CHECK_DEADLINE):
            inbox, errors = await services.store.read(site.tenant, figures)
        millis = int((trio.current_time() - storage_began) * 1000)
        storage = Check("storage", True, "reads answer", millis)
    except (StorageError, trio.TooSlowError) as exc:
        inbox, errors = {}, []
        storage = Check("storage", False, f"{type(exc).__name__}: {exc}"[:300])
    node = services.coordination()
    leads = sorted(n for n in getattr(node, "leading", ()) if n.endswith(f":{site.tenant}"))
    leader = Check("leader", True, ", ".join(leads) or "this instance leads nothing now")
    checks = [storage, _coordination(services), leader, await _timed("webhook", webhook)]
    return DiagnosticsFacts(
        checks,
        inbox,
        [(_at(at), where, e) for at, where, e in errors],
        paused=generations_paused(services),
    )


def generations_paused(services: Services) -> GenerationsPaused | None:
    """Whether this process paused the tenant's generations (KIE out of credits)."""
    pause = services.kie_pause
    view = pause.view if pause is not None else None
    if pause is None or view is None:
        return None
    since = datetime.datetime.fromtimestamp(view.since, datetime.UTC)
    return GenerationsPaused(since, view.reason, pause.check_every)


@PERFORMERS.probes(SelfTest)
async def _selftest(services: Services, lookup: SelfTest, site: Site) -> list[Check]:
    nonce = secrets.token_hex(8)

    async def storage() -> str:
        def write(tx: Tx) -> None:
            tx.settings.set(SELFTEST_KEY, nonce, updated_by=site.user_id)

        await services.store.run(site.tenant, write)
        read = await services.store.read(site.tenant, lambda tx: tx.settings.get(SELFTEST_KEY))
        if read != nonce:
            raise StorageError(f"wrote {nonce}, read back {read!r}")
        return "write and read back"

    async def telegram() -> str:
        me = await services.outbound.call("getMe", {}, timeout=CHECK_DEADLINE)
        return f"@{me.get('username')}"

    async def kie() -> str:
        if services.kie is None:
            raise KieError("no KIE_API_KEY: generations are off")
        credits = await services.kie.credit_balance(timeout=CHECK_DEADLINE)
        return f"{credits} credits"

    return [
        await _timed("storage", storage),
        await _timed("telegram", telegram),
        await _timed("kie", kie),
    ]


@PERFORMERS.reads(CorrelationTrail)
def _trail(tx: Tx, lookup: CorrelationTrail, site: Site) -> list[TrailStep]:
    steps = tx.correlations.trail(lookup.correlation_id, limit=40)
    return [TrailStep(_at(step.at), step.step, step.detail) for step in steps]


@PERFORMERS.probes(KieCredits)
async def _kie_credits(
    services: Services, lookup: KieCredits, site: Site
) -> Fraction | ProbeFailed:
    if services.kie is None:
        return ProbeFailed("no KIE_API_KEY")
    try:
        return await services.kie.credit_balance(timeout=CHECK_DEADLINE)
    except KieError as exc:
        return ProbeFailed(f"{type(exc).__name__}: {exc}")


@PERFORMERS.probes(TenantsOverview)
async def _tenants(
    services: Services, lookup: TenantsOverview, site: Site
) -> list[TenantLine] | ProbeFailed | None:
    """Only the main admin of the default (first) tenant sees every bot's figures."""
    if not services.tenants or site.tenant != services.tenants[0]:
        return None
    if services.terms is None or site.user_id != services.terms.current.main_admin:
        return None
    since = int(site.now.timestamp() * 1000) - lookup.days * 86_400_000

    def figures(tx: Tx) -> tuple[int, int, int]:
        users = tx.stats.users(since=since).total
        generations = sum(count for _, count in tx.stats.jobs_by_model(since=since, limit=1000))
        revenue = sum(day.revenue for day in tx.stats.money_by_day(since=since))
        return users, generations, revenue

    lines = []
    for tenant in services.tenants:
        try:
            with trio.fail_after(CHECK_DEADLINE):
                users, generations, revenue = await services.store.read(tenant, figures)
        except (StorageError, trio.TooSlowError) as exc:
            return ProbeFailed(f"{type(exc).__name__}: {exc}")
        lines.append(TenantLine(tenant, users, generations, revenue))
    return lines


@PERFORMERS.probes(ConfigCheck)
async def _config_check(
    services: Services, lookup: ConfigCheck, site: Site
) -> list[ConfigLine] | ProbeFailed:
    """`trt doctor`'s checks for this bot (its settings, the database, Redis, its token and
    webhook at Telegram, KIE), as the composition root gave them (`Services.check_config`)."""
    if services.check_config is None:
        return ProbeFailed("not available in this process")
    return [ConfigLine(f.level, f.subject, f.text) for f in await services.check_config()]
