"""`trt doctor`'s checks: is this deployment able to serve, and if not, what to fix.

Each check returns `Finding`s: `ok`, `warn` (works, but look at it) or `fail` (something a
user would notice). Every network call is under `CHECK_DEADLINE`; the checks run
concurrently and are reported in a fixed order. Secrets are never part of a finding: URLs are
redacted, tokens are named by where they come from.

What is checked:
- settings: the environment and every bot of `TRT_TENANTS` (the same errors as at start),
  and the old bot's variables found in it (each read through an alias, or not read);
- the database: reachable, and its schema version against this program's migrations;
- Redis, when `REDIS_URL` is set: a PING;
- per bot: Telegram answers getMe with this token (401: revoked or mistyped);
- per bot: getWebhookInfo — the URL against the one this service expects (webhook mode) or
  none (polling), the updates waiting, Telegram's last delivery error;
- KIE: the key is set and accepted, and the credit balance — none left is a failure: the
  service pauses generations at the first 402 (users see "temporarily unavailable");
- inside the service (the admin panel's configuration check): whether this process has
  paused the bot's generations because KIE answered it is out of credits, and since when.
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import trio

from trt_actors import storage
from trt_actors.catalog import load_catalog
from trt_actors.coordination import RedisSettings, RedisUnavailable
from trt_actors.kie import CreditPause, KieAuthError, KieClient, KieError
from trt_actors.settings import Settings
from trt_actors.telegram.bot_api import BotApi
from trt_actors.telegram.client import with_bot_api
from trt_actors.telegram.errors import InvalidToken, TelegramError
from trt_actors.tenants.config import TenantConfig

CHECK_DEADLINE = 10.0
PENDING_UPDATES_WARN = 100
RECENT_ERROR = 24 * 3600.0  # a webhook delivery error older than this is history
LOW_CREDITS = Fraction(100)

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True, slots=True)
class Finding:
    level: str  # ok | warn | fail
    subject: str  # what was checked: "database", "telegram acme", ...
    text: str  # what was found, and what to do about it

    def __str__(self) -> str:
        return f"{self.level.upper():<4}  {self.subject:<18}  {self.text}"


Check = Callable[[], Awaitable[list[Finding]]]


async def run_checks(settings: Settings, tenants: list[TenantConfig]) -> list[Finding]:
    """Every check of the deployment, concurrently; the findings in check order."""
    checks: list[Check] = [
        lambda: check_database(settings),
        lambda: check_redis(settings),
        *(_bound(check_telegram, tenant) for tenant in tenants),
        lambda: check_kie(settings),
    ]
    results: list[list[Finding]] = [[] for _ in checks]

    async def run(index: int, check: Check) -> None:
        results[index] = await check()

    async with trio.open_nursery() as nursery:
        for index, check in enumerate(checks):
            nursery.start_soon(run, index, check)
    return [finding for findings in results for finding in findings]


async def check_tenant(
    settings: Settings, tenant: TenantConfig, pause: CreditPause | None = None
) -> list[Finding]:
    """What the admin panel's configuration check shows for one bot: its settings, whether
    its generations are paused (`pause`: the running service's state), then every check of
    its deployment."""
    model_ids = frozenset(model.id for model in load_catalog().models(visible_only=False))
    found = settings_findings([tenant], settings.trt_tenants is not None, model_ids)
    if pause is not None:
        found.append(pause_finding(tenant, pause))
    return found + await run_checks(settings, [tenant])


def pause_finding(tenant: TenantConfig, pause: CreditPause) -> Finding:
    """Whether the service paused this bot's generations because KIE is out of credits."""
    subject = f"generations {tenant.tenant_id}"
    view = pause.view
    if view is None:
        return Finding(OK, subject, "running")
    since = datetime.datetime.fromtimestamp(view.since, datetime.UTC)
    return Finding(
        FAIL,
        subject,
        f"paused since {since:%Y-%m-%d %H:%M} UTC: KIE is out of credits ({view.reason}); "
        "users are told generation is temporarily unavailable; top up at kie.ai — they "
        f"resume by themselves (the balance is checked every {pause.check_every:g} s)",
    )


def _bound(
    check: Callable[[TenantConfig], Awaitable[list[Finding]]], tenant: TenantConfig
) -> Check:
    return lambda: check(tenant)


def settings_findings(
    tenants: list[TenantConfig], from_file: bool, model_ids: frozenset[str]
) -> list[Finding]:
    """What the (valid) settings say about each bot; `model_ids`: the catalog's models."""
    where = "TRT_TENANTS" if from_file else "the environment"
    findings = [Finding(OK, "settings", f"{len(tenants)} bot(s) from {where}")]
    for tenant in tenants:
        unknown = sorted(tenant.settings.hidden_models - model_ids)
        if unknown:
            findings.append(
                Finding(
                    WARN,
                    f"settings {tenant.tenant_id}",
                    f"hidden_models names models the catalog does not have: "
                    f"{', '.join(unknown)}; `trt catalog list` shows the ids",
                )
            )
        if not tenant.settings.admins:
            findings.append(
                Finding(
                    WARN,
                    f"settings {tenant.tenant_id}",
                    "no admins: nobody can run this bot from Telegram; "
                    + ("add admins to its entry" if from_file else "set ADMIN_IDS"),
                )
            )
        if tenant.mode == "webhook" and not tenant.webhook_base_url:
            findings.append(
                Finding(
                    WARN,
                    f"settings {tenant.tenant_id}",
                    "webhook mode without a webhook base URL: the webhook is not set "
                    f"automatically; point it at <your https URL>/webhook/{tenant.tenant_id}",
                )
            )
    return findings


def old_variable_findings(notices: list[str]) -> list[Finding]:
    """The old bot's variables in the environment: each read through an alias, or not read
    (`trt_actors.legacy_env`); a warning each, saying what to set instead."""
    return [Finding(WARN, "old variable", notice) for notice in notices]


async def check_database(settings: Settings) -> list[Finding]:
    url = settings.database_url.get_secret_value()
    where = storage.redact_url(url)
    try:
        with trio.fail_after(CHECK_DEADLINE):
            schema = await storage.status(url)
    except (storage.StorageError, ValueError, OSError, trio.TooSlowError) as exc:
        return [
            Finding(
                FAIL,
                "database",
                f"cannot open {where} ({_error(exc)}): check DATABASE_URL, that the server "
                "runs and accepts this user",
            )
        ]
    if schema.too_new:
        return [
            Finding(
                FAIL,
                "database",
                f"{where} has schema {schema.current}, newer than this program "
                f"({schema.latest}): deploy the newer version",
            )
        ]
    if not schema.up_to_date:
        return [
            Finding(
                WARN,
                "database",
                f"{where}: {len(schema.pending)} migration(s) pending; `trt db migrate` applies "
                "them (the service also does at start)",
            )
        ]
    return [Finding(OK, "database", f"{where}: reachable, schema {schema.current} up to date")]


async def check_redis(settings: Settings) -> list[Finding]:
    if settings.redis_url is None:
        return [Finding(OK, "redis", "not configured: one instance, in-process coordination")]
    from redis.exceptions import RedisError  # noqa: PLC0415  (redis: loaded only when set)

    from trt_actors.coordination import RedisClient  # noqa: PLC0415

    client = RedisClient(settings.redis_url.get_secret_value(), RedisSettings())
    try:
        with trio.fail_after(CHECK_DEADLINE):
            await client.call(lambda redis: redis.ping())
    except (RedisUnavailable, RedisError, trio.TooSlowError) as exc:
        return [
            Finding(
                FAIL,
                "redis",
                f"{client.redacted_url} does not answer ({_error(exc)}): check REDIS_URL; "
                "without Redis several instances cannot share leases",
            )
        ]
    finally:
        await client.aclose()
    return [Finding(OK, "redis", f"{client.redacted_url} answers")]


async def check_telegram(tenant: TenantConfig) -> list[Finding]:
    findings: list[Finding] = []

    async def body(api: BotApi) -> None:
        findings.extend(await _telegram_findings(tenant, api))

    await with_bot_api(tenant.token, tenant.api_base_url, body)
    return findings


async def _telegram_findings(tenant: TenantConfig, api: BotApi) -> list[Finding]:
    subject = f"telegram {tenant.tenant_id}"
    try:
        with trio.fail_after(CHECK_DEADLINE):
            me = await api.call("getMe", {})
            info = await api.call("getWebhookInfo", {})
    except InvalidToken:
        return [
            Finding(
                FAIL,
                subject,
                "Telegram rejected the bot token (401): it was revoked or mistyped; get the "
                "current one from @BotFather (/token) and update this bot's token",
            )
        ]
    except (TelegramError, trio.TooSlowError) as exc:
        return [
            Finding(
                FAIL,
                subject,
                f"cannot reach Telegram at {tenant.api_base_url} ({_error(exc)}): check the "
                "network, a proxy, TELEGRAM_API_BASE_URL",
            )
        ]
    username = me.get("username") if isinstance(me, dict) else None
    found = [Finding(OK, subject, f"the token works: @{username}")]
    return found + _webhook_findings(tenant, info if isinstance(info, dict) else {})


def _webhook_findings(tenant: TenantConfig, info: dict[str, Any]) -> list[Finding]:
    subject = f"webhook {tenant.tenant_id}"
    url = str(info.get("url") or "")
    findings = []
    if tenant.mode == "webhook" and tenant.webhook_base_url:
        expected = f"{tenant.webhook_base_url}/webhook/{tenant.tenant_id}"
        if url != expected:
            fix = (
                "the service sets it when it starts (AUTO_SET_WEBHOOK=1); if it runs, see "
                "its log for webhook_setter.failed"
                if tenant.auto_set_webhook
                else "call setWebhook with it, or set AUTO_SET_WEBHOOK=1"
            )
            shown = url or "nothing"
            findings.append(
                Finding(FAIL, subject, f"points at {shown}, expected {expected}; {fix}")
            )
        else:
            findings.append(Finding(OK, subject, f"points at {expected}"))
    elif tenant.mode == "polling" and url:
        findings.append(
            Finding(
                WARN,
                subject,
                f"a webhook is set ({url}) although this bot polls: the service removes it at "
                "start; if another program uses this token, give each its own bot",
            )
        )
    pending = int(info.get("pending_update_count") or 0)
    if pending > PENDING_UPDATES_WARN:
        findings.append(
            Finding(
                WARN,
                subject,
                f"{pending} updates wait at Telegram: the service is not taking them; "
                "start it, or look at its log",
            )
        )
    error_at = info.get("last_error_date")
    if isinstance(error_at, int) and time.time() - error_at < RECENT_ERROR:
        message = str(info.get("last_error_message") or "unknown error")
        findings.append(
            Finding(
                WARN,
                subject,
                f"Telegram's last delivery failed: {message!r}; check that the URL is "
                "reachable from the internet and its certificate is valid",
            )
        )
    return findings


async def check_kie(settings: Settings) -> list[Finding]:
    if settings.kie_api_key is None:
        return [Finding(FAIL, "kie", "KIE_API_KEY is not set: no generation can start; set it")]
    try:
        async with KieClient(
            settings.kie_api_key.get_secret_value(),
            base_url=settings.kie_api_base_url,
            upload_base_url=settings.kie_upload_base_url,
        ) as client:
            with trio.fail_after(CHECK_DEADLINE):
                credits = await client.credit_balance(timeout=CHECK_DEADLINE)
    except KieAuthError:
        return [Finding(FAIL, "kie", "KIE rejected the API key (401): check KIE_API_KEY at kie.ai")]
    except (KieError, trio.TooSlowError) as exc:
        return [
            Finding(
                FAIL,
                "kie",
                f"cannot reach KIE at {settings.kie_api_base_url} ({_error(exc)}): check the "
                "network and KIE_API_BASE_URL",
            )
        ]
    if credits <= 0:
        return [
            Finding(
                FAIL,
                "kie",
                f"out of credits ({float(credits):g} left): KIE refuses every task (402), so "
                'the service pauses generations and users see "temporarily unavailable"; '
                "top up at kie.ai — generations resume by themselves",
            )
        ]
    if credits <= LOW_CREDITS:
        return [Finding(WARN, "kie", f"only {float(credits):g} credits left: top up at kie.ai")]
    return [Finding(OK, "kie", f"the key works; {float(credits):g} credits")]


def _error(exc: BaseException) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text[:160]}" if text else name
