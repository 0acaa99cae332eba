"""The old bot's environment variables, understood: an operator moving over keeps their
environment, and no old name is ignored silently.

Each name the old bot read (docs/migration.md lists them) is one of:

- **the same here**: the name is ours too and means the same (`TELEGRAM_BOT_TOKEN`,
  `WEBHOOK_BASE_URL`, `KIE_API_KEY`, `DATABASE_URL`, `REDIS_URL`, `BOT_MODE`, `PORT`, ...);
- **an alias**: read into our variable when that one is not set, with a one-line notice
  naming it (`ADMIN_ID` → `ADMIN_IDS`, `PARTNER_ID`/`BOT_INSTANCE_ID` → `TENANT_ID`, ...); a
  value our variable cannot take is a configuration error naming the old variable;
- **not read**: a notice saying what to set instead (a business setting of the bot, a
  built-in deadline, the import command, ...).

`review(environ)` is pure: it returns the aliased values (for `Settings`) and the notices;
`environment(env_file)` reads the process environment over the `.env` file, as the settings
do. The notices are printed by `trt config check`, shown by `trt doctor` and logged by
`trt run` at start.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotenv import dotenv_values

__all__ = ["ALIASES", "HOST_VARIABLES", "NOT_READ", "OldVariables", "environment", "review"]

_IDS = re.compile(r"[,\s]+")
_TENANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")

# old name -> our variable (the setting's field is its lower case)
ALIASES: dict[str, str] = {
    "ADMIN_ID": "ADMIN_IDS",
    "PARTNER_ID": "TENANT_ID",
    "BOT_INSTANCE_ID": "TENANT_ID",
    "KIE_API_URL": "KIE_API_BASE_URL",
    "KIE_FILE_UPLOAD_BASE_URL": "KIE_UPLOAD_BASE_URL",
    "LISTEN_ADDRESS": "HOST",
    "WEBHOOK_URL": "WEBHOOK_BASE_URL",
    "SUPPORT_TELEGRAM": "SUPPORT_CONTACT",
}

_STORAGE = (
    "the old bot's storage; this service keeps everything in DATABASE_URL — bring the old"
    " data over with `trt import trt --from-dir DIR` (or `--from <old database URL>`)"
)
_BUILT_IN = "a deadline or limit built into this service, not a setting (docs/configuration.md)"
_COORDINATION = (
    "locks and leases are built in: Redis when REDIS_URL is set, else in-process"
    " (docs/coordination.md)"
)
_LOGS = "what is logged follows LOG_LEVEL and LOG_FORMAT"
_SANDBOX = "no such switch here; `trt sandbox` runs the bot against emulators of Telegram and KIE"
_BANK = (
    "bank details are the bot's `bank_requisites` setting: settings.bank_requisites in"
    " TRT_TENANTS, or the admin panel's Settings"
)
_SUPPORT = (
    "how users reach support is SUPPORT_CONTACT (@username, an https link or a short text;"
    " settings.support_contact in TRT_TENANTS, or the admin panel's Settings)"
)


def _names(text: str) -> list[str]:
    return text.split()


# old name -> what to set instead
NOT_READ: dict[str, str] = {
    **dict.fromkeys(("PAYMENT_PHONE", "PAYMENT_BANK", "PAYMENT_CARD_HOLDER"), _BANK),
    "SUPPORT_TEXT": _SUPPORT,
    "PRICE_MULTIPLIER": "the price over cost is the bot's `markup` setting (TRT_TENANTS"
    " settings.markup, or the admin panel)",
    "CREDIT_TO_RUB_RATE": "prices come from the catalog in rubles; the exchange rate is the"
    " bot's `rub_per_usd` setting",
    "KIE_UNSUPPORTED_MODELS": "models are taken off the menus with the bot's `hidden_models`"
    " setting",
    "KIE_MODEL": "the models come from the catalog (TRT_CATALOG_DIR)",
    "KIE_DEFAULT_MODEL": "the models come from the catalog (TRT_CATALOG_DIR)",
    "KIE_CALLBACK_URL": "KIE's callbacks go to WEBHOOK_BASE_URL + /kie/callback/… (signed with"
    " KIE_WEBHOOK_HMAC_KEY when set)",
    "KIE_RESULT_CDN_BASE_URL": "results are fetched at the links KIE gives",
    "BOT_USERNAME": "not needed: the bot's username comes from Telegram",
    "URL_PATH": "the webhook's path is /webhook/<tenant> (and /webhook): set WEBHOOK_BASE_URL",
    "ENABLE_HEALTH_SERVER": "/healthz and /readyz are always served on PORT",
    "REQUIRE_WEBHOOK_REGISTERED": "`trt doctor` checks the webhook; the service registers it"
    " (AUTO_SET_WEBHOOK)",
    "RUN_ENV_CHECK": "the settings are always checked at start (and by `trt config check`)",
    "SKIP_CONFIG_INIT": "the settings are always checked at start (and by `trt config check`)",
    "STRICT_YAML_REGISTRY": "the catalog is always checked strictly (`trt catalog check`)",
    "PRICING_AUDIT_MODE": "prices are exact for every parameter (`trt catalog check`)",
    **dict.fromkeys(
        _names("BOT_RELEASE_DATE BOT_RELEASE_VERSION BOT_WHATS_NEW"),
        "there is no 'what's new' block in the menu",
    ),
    **dict.fromkeys(_names("TEST_MODE DRY_RUN ALLOW_REAL_GENERATION KIE_STUB"), _SANDBOX),
    **dict.fromkeys(
        _names(
            "STORAGE_MODE STORAGE_BACKEND STORAGE_PREFIX DATA_DIR"
            " RUNTIME_STORAGE_DIR GITHUB_TOKEN GITHUB_REPO GITHUB_BRANCH STORAGE_GITHUB_REPO"
            " STORAGE_BRANCH GITHUB_BACKOFF_BASE GITHUB_COMMITTER_EMAIL GITHUB_COMMITTER_NAME"
            " GITHUB_MAX_PARALLEL GITHUB_READ_CACHE_TTL GITHUB_READ_CACHE_TTL_HOT"
            " GITHUB_STORAGE_STUB GITHUB_TIMEOUT_SECONDS GITHUB_WRITE_RETRIES"
            " HYBRID_BALANCE_WRITE_THROUGH HYBRID_RUNTIME_WRITE_THROUGH"
            " HYBRID_STORAGE_FALLBACK_TTL STORAGE_DEGRADED_COOLDOWN_SECONDS"
            " STORAGE_IO_TIMEOUT_SECONDS STORAGE_OP_TIMEOUT_MS STORAGE_PREFLIGHT_STRICT"
            " DB_CIRCUIT_OPEN_SECONDS DB_MAXCONN DB_MAX_CONN DB_STARTUP_RETRIES"
            " DB_STARTUP_RETRY_DELAY"
        ),
        _STORAGE,
    ),
    **dict.fromkeys(
        _names(
            "DISABLE_DB_LOCKS PG_ADVISORY_LOCK_KEY PG_LOCK_CONNECT_TIMEOUT_SECONDS"
            " REDIS_CONNECT_ATTEMPTS REDIS_CONNECT_BACKOFF_BASE_SECONDS"
            " REDIS_CONNECT_BACKOFF_CAP_SECONDS REDIS_CONNECT_DEADLINE_SECONDS"
            " REDIS_CONNECT_TIMEOUT_SECONDS REDIS_LOCK_CONNECT_ATTEMPTS"
            " REDIS_LOCK_CONNECT_TIMEOUT_MS REDIS_LOCK_MAX_WAIT_MS"
            " REDIS_LOCK_RENEW_INTERVAL_SECONDS REDIS_LOCK_RENEW_JITTER_RATIO"
            " REDIS_LOCK_TTL_SECONDS REDIS_READ_TIMEOUT_SECONDS"
            " SINGLETON_LOCK_ALLOW_FILE_FALLBACK SINGLETON_LOCK_DIR SINGLETON_LOCK_NAME"
            " SINGLETON_LOCK_STRICT"
        ),
        _COORDINATION,
    ),
    **dict.fromkeys(
        _names(
            "DEBUG_VERBOSE_LOGS TRACE_PAYLOADS TRACE_PRICING TRACE_VERBOSE OBS_FLUSH_INTERVAL_MS"
            " OBS_QUEUE_MAX CORRELATION_STORE_DEBOUNCE_SECONDS"
            " CORRELATION_STORE_FLUSH_INTERVAL_SECONDS CORRELATION_STORE_FLUSH_MAX_RECORDS"
            " CORRELATION_STORE_FLUSH_QUEUE_MAX"
            " CORRELATION_STORE_FLUSH_TIMEOUT_LOG_INTERVAL_SECONDS"
            " CORRELATION_STORE_PERSIST_TIMEOUT_SECONDS USER_REGISTRY_DEBOUNCE_SECONDS"
            " USER_REGISTRY_FLUSH_INTERVAL_SECONDS USER_REGISTRY_FLUSH_MAX_BATCH"
            " USER_REGISTRY_PERSIST_TIMEOUT_SECONDS"
        ),
        _LOGS,
    ),
    **dict.fromkeys(
        _names(
            "TRT_FAULT_INJECT_MENU_SLEEP_MS TRT_FAULT_INJECT_STORAGE_SLEEP_MS"
            " TRT_FAULT_INJECT_TELEGRAM_CONNECT_TIMEOUT"
        ),
        "no fault injection in the service: the emulators inject faults in tests",
    ),
    **dict.fromkeys(
        _names(
            "BOT_HEARTBEAT_INTERVAL_SECONDS"
            " BILLING_PREFLIGHT_DB_TIMEOUT_S BILLING_PREFLIGHT_HTTP_TIMEOUT_SECONDS"
            " BILLING_PREFLIGHT_QUERY_BACKOFF_S BILLING_PREFLIGHT_QUERY_RETRIES"
            " BILLING_PREFLIGHT_STORAGE_RETRIES BILLING_PREFLIGHT_STORAGE_TIMEOUT_S"
            " BILLING_PREFLIGHT_STRICT BILLING_PREFLIGHT_TIMEOUT_SECONDS"
            " PRICING_PREFLIGHT_TIMEOUT_SECONDS JOB_TIMEOUT_SECONDS KIE_CB_FAILURE_THRESHOLD"
            " KIE_CB_SUCCESS_THRESHOLD KIE_CB_TIMEOUT KIE_CIRCUIT_BREAKER_ENABLED"
            " KIE_CREDITS_CACHE_TTL_SECONDS KIE_CREDITS_TIMEOUT_SECONDS"
            " KIE_MEDIA_DOWNLOAD_TIMEOUT KIE_POLL_INTERVAL KIE_POLL_MAX_ATTEMPTS"
            " KIE_POLL_PROGRESS_INTERVAL_SECONDS KIE_RETRY_BASE_DELAY KIE_RETRY_MAX_ATTEMPTS"
            " KIE_RETRY_MAX_DELAY KIE_TIMEOUT_AUDIO KIE_TIMEOUT_IMAGE KIE_TIMEOUT_SECONDS"
            " KIE_TIMEOUT_VIDEO KIE_WAITING_MAX_RETRIES KIE_WAITING_TIMEOUT_SECONDS"
            " KIE_WATCHDOG_TTL_SECONDS WEBHOOK_ACK_MAX_MS WEBHOOK_CONCURRENCY_LIMIT"
            " WEBHOOK_CONCURRENCY_TIMEOUT_SECONDS WEBHOOK_EARLY_ACK"
            " WEBHOOK_EARLY_UPDATE_LOG_THROTTLE_SECONDS WEBHOOK_EARLY_UPDATE_MAX_SIZE"
            " WEBHOOK_EARLY_UPDATE_RETRY_AFTER WEBHOOK_EARLY_UPDATE_TTL_SECONDS"
            " WEBHOOK_HANDLER_STALL_SECONDS WEBHOOK_INFO_BACKOFF_BASE_SECONDS"
            " WEBHOOK_INFO_BACKOFF_CAP_SECONDS WEBHOOK_INFO_MAX_ATTEMPTS WEBHOOK_INFO_WARN_AFTER"
            " WEBHOOK_IP_RATE_LIMIT_BURST WEBHOOK_IP_RATE_LIMIT_PER_SEC"
            " WEBHOOK_PROCESS_IN_BACKGROUND WEBHOOK_PROCESS_TIMEOUT_SECONDS"
            " WEBHOOK_REQUEST_DEDUP_TTL_SECONDS WEBHOOK_SET_BACKOFF_BASE_SECONDS"
            " WEBHOOK_SET_BACKOFF_CAP_SECONDS WEBHOOK_SET_CONNECT_TIMEOUT_SECONDS"
            " WEBHOOK_SET_CYCLE_TIMEOUT_SECONDS WEBHOOK_SET_LONG_SLEEP_SECONDS"
            " WEBHOOK_SET_MAX_FAST_RETRIES WEBHOOK_SET_PENDING_UPDATE_THRESHOLD"
            " WEBHOOK_SET_POOL_TIMEOUT_SECONDS WEBHOOK_SET_READ_TIMEOUT_SECONDS"
            " WEBHOOK_SET_RETRY_JITTER_RATIO WEBHOOK_SET_WRITE_TIMEOUT_SECONDS"
            " TELEGRAM_API_CONNECT_TIMEOUT_SECONDS TELEGRAM_API_POOL_TIMEOUT_SECONDS"
            " TELEGRAM_API_READ_TIMEOUT_SECONDS TELEGRAM_API_WRITE_TIMEOUT_SECONDS"
            " TELEGRAM_DIAG_TIMEOUT_SECONDS TELEGRAM_HTTP_CONNECT_TIMEOUT_SECONDS"
            " TELEGRAM_HTTP_POOL_SIZE TELEGRAM_HTTP_POOL_TIMEOUT_SECONDS"
            " TELEGRAM_HTTP_READ_TIMEOUT_SECONDS TELEGRAM_HTTP_WRITE_TIMEOUT_SECONDS"
            " TELEGRAM_IDEMPOTENCY_TTL_SECONDS TELEGRAM_MAX_FILE_BYTES"
            " TELEGRAM_REQUEST_TIMEOUT_SECONDS TELEGRAM_SAFE_UPLOAD_BYTES"
            " TELEGRAM_SEND_BUDGET_HEADROOM_SECONDS TELEGRAM_SEND_RETRY_ATTEMPTS"
            " TELEGRAM_SEND_RETRY_BACKOFF_SECONDS TELEGRAM_SEND_RETRY_JITTER_RATIO"
            " TELEGRAM_SEND_TIMEOUT_SECONDS TELEGRAM_URL_DIRECT TG_CALLBACK_CONCURRENCY_LIMIT"
            " TG_CALLBACK_CONCURRENCY_TIMEOUT_SECONDS TG_CALLBACK_DATA_RATE_LIMIT_BURST"
            " TG_CALLBACK_DATA_RATE_LIMIT_PER_SEC TG_CALLBACK_DEDUP_TTL_SECONDS"
            " TG_CALLBACK_RATE_LIMIT_BURST TG_CALLBACK_RATE_LIMIT_PER_SEC TG_RATE_LIMIT_BURST"
            " TG_RATE_LIMIT_PER_SEC TG_UPDATE_DEDUP_TTL_SECONDS BOOT_DIAGNOSTICS_STRICT"
            " BOOT_DIAGNOSTICS_TIMEOUT_SECONDS BOOT_WARMUP_BUDGET_SECONDS"
            " BOOT_WARMUP_WATCHDOG_SECONDS GEN_TYPE_MENU_TIMEOUT_SECONDS"
            " GEN_TYPE_MENU_WARMUP_CACHE_PATH GEN_TYPE_MENU_WARMUP_CACHE_TTL_SECONDS"
            " GEN_TYPE_MENU_WARMUP_CONCURRENCY GEN_TYPE_MENU_WARMUP_RETRY_ATTEMPTS"
            " GEN_TYPE_MENU_WARMUP_RETRY_DELAY_SECONDS GEN_TYPE_MENU_WARMUP_SLOW_MS"
            " GEN_TYPE_MENU_WARMUP_TIMEOUT_SECONDS GEN_TYPE_MODELS_CACHE_STALE_TTL_SECONDS"
            " GEN_TYPE_MODELS_CACHE_TTL_SECONDS MAIN_MENU_BACKGROUND_TIMEOUT_SECONDS"
            " MAIN_MENU_BUILD_TIMEOUT_SECONDS MAIN_MENU_DEP_CACHE_TTL_SECONDS"
            " MAIN_MENU_DEP_TIMEOUT_SECONDS MAIN_MENU_LANG_CACHE_TTL_SECONDS"
            " MAIN_MENU_TOTAL_TIMEOUT_SECONDS MENU_DEP_REFRESH_TTL_SECONDS"
            " MINIMAL_MENU_FALLBACK_RETRY_ATTEMPTS MINIMAL_MENU_FALLBACK_TIMEOUT_SECONDS"
            " MODEL_CACHE_WARMUP_TIMEOUT_SECONDS MODEL_CARD_CACHE_TTL_SECONDS"
            " SAFE_MENU_RENDER_DEDUP_TTL_SECONDS SAFE_MENU_RENDER_MAX_ENTRIES"
            " START_ACK_TIMEOUT_SECONDS START_FALLBACK_MAX_MS START_FORCE_PLACEHOLDER"
            " START_HANDLER_BUDGET_MS START_INFLIGHT_TTL_SECONDS"
            " START_PLACEHOLDER_RETRY_ATTEMPTS START_PLACEHOLDER_TIMEOUT_SECONDS"
            " START_REFERRAL_TIMEOUT_SECONDS START_SKIP_ACK START_TELEGRAM_RETRY_ATTEMPTS"
            " START_TELEGRAM_TIMEOUT_CAP_SECONDS START_TELEGRAM_ULTRA_TIMEOUT_SECONDS"
            " DEDUPE_ORPHAN_ALERT_THRESHOLD DEDUPE_ORPHAN_MAX_AGE_SECONDS"
            " DEDUPE_RECONCILE_BATCH_LIMIT DEDUPE_RECONCILE_INTERVAL_SECONDS"
            " DELIVERY_PENDING_AGE_ALERT_SECONDS DELIVERY_POLL_TIMEOUT_SECONDS"
            " DELIVERY_QUEUE_TAIL_ALERT_THRESHOLD DELIVERY_RECONCILER_MAX_BACKOFF_SECONDS"
            " DELIVERY_RECONCILE_BATCH_LIMIT DELIVERY_RECONCILE_INTERVAL_SECONDS"
            " GENERATION_DEDUPE_WINDOW_SECONDS GENERATION_SUBMIT_LOCK_TTL_SECONDS"
            " GEN_DEDUPE_LOCK_WAIT_SECONDS GEN_DEDUPE_TASK_RESOLUTION_ATTEMPTS"
            " GEN_DEDUPE_TASK_RESOLUTION_DELAY_SECONDS GEN_DEDUPE_TTL_SECONDS"
            " READY_DIAG_TIMEOUT_SECONDS"
        ),
        _BUILT_IN,
    ),
}

# Set by the hosting platform or the shell, not by the operator: not the old bot's settings.
HOST_VARIABLES = frozenset(
    {"ENV", "ENVIRONMENT", "USERNAME", "RENDER", "RENDER_EXTERNAL_URL", "RENDER_SERVICE_NAME",
     "ON_RENDER"}
)  # fmt: skip


@dataclass(slots=True)
class OldVariables:
    """What the old names in an environment come to.

    `values`: settings fields set through an alias (only when our variable is not set);
    `notices`: one line per old name present; `problems`: (old variable, what it expects)
    for an alias whose value our variable cannot take."""

    values: dict[str, Any] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


def environment(env_file: str | Path | None = ".env") -> dict[str, str]:
    """The variables as the settings see them: the process environment over the `.env`."""
    found: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        found = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
    found.update(os.environ)
    return found


def _set(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return value.strip() if value is not None and value.strip() else None


def _admins(environ: Mapping[str, str], out: OldVariables) -> None:
    main = _set(environ, "ADMIN_ID")
    if main is None:
        return
    ids = [part for part in _IDS.split(main) if part]
    if not ids or not all(part.isascii() and part.isdigit() for part in ids):
        out.problems.append(("ADMIN_ID", "Telegram user ids, e.g. 12345 (read into ADMIN_IDS)"))
        return
    more = [part for part in _IDS.split(_set(environ, "ADMIN_IDS") or "") if part]
    merged = list(dict.fromkeys(ids + more))
    out.values["admin_ids"] = ",".join(merged)
    out.notices.append(
        f"ADMIN_ID is the old bot's name: read into ADMIN_IDS={','.join(merged)} (the first is"
        " the main admin); set ADMIN_IDS instead"
    )


def _tenant(environ: Mapping[str, str], out: OldVariables) -> None:
    names = [n for n in ("PARTNER_ID", "BOT_INSTANCE_ID") if _set(environ, n) is not None]
    if not names:
        return
    ours = _set(environ, "TENANT_ID")
    if ours is not None:
        for name in names:
            out.notices.append(
                f"{name} is the old bot's name and is not used: TENANT_ID={ours} is set;"
                f" remove {name}"
            )
        return
    chosen, value = names[0], _set(environ, names[0])  # PARTNER_ID wins, as in the old bot
    assert value is not None
    if not _TENANT.match(value):
        out.problems.append(
            (chosen, "1-32 of a-z 0-9 _ - to be read as TENANT_ID; set TENANT_ID instead")
        )
        return
    out.values["tenant_id"] = value
    out.notices.append(f"{chosen} is the old bot's name: read as TENANT_ID={value}; set TENANT_ID")
    for other in names[1:]:
        out.notices.append(f"{other} is the old bot's name and is not used: {chosen} is set")


def _webhook(environ: Mapping[str, str], out: OldVariables) -> None:
    url = _set(environ, "WEBHOOK_URL")
    if url is None:
        return
    if _set(environ, "WEBHOOK_BASE_URL") is not None:
        out.notices.append(
            "WEBHOOK_URL is the old bot's name and is not used: WEBHOOK_BASE_URL is set"
        )
        return
    base = url.rstrip("/")
    if not base.endswith("/webhook"):
        out.notices.append(
            "WEBHOOK_URL is the old bot's name and is not used: set WEBHOOK_BASE_URL to this"
            " service's public https URL (the webhook is <base>/webhook/<tenant>)"
        )
        return
    out.values["webhook_base_url"] = base_url = base.removesuffix("/webhook")
    out.notices.append(
        f"WEBHOOK_URL is the old bot's name: read as WEBHOOK_BASE_URL={base_url};"
        " set WEBHOOK_BASE_URL"
    )


def _renamed(environ: Mapping[str, str], out: OldVariables) -> None:
    for old in ("KIE_API_URL", "KIE_FILE_UPLOAD_BASE_URL", "LISTEN_ADDRESS", "SUPPORT_TELEGRAM"):
        value, new = _set(environ, old), ALIASES[old]
        if value is None:
            continue
        if _set(environ, new) is not None:
            out.notices.append(f"{old} is the old bot's name and is not used: {new} is set")
            continue
        out.values[new.lower()] = value
        out.notices.append(f"{old} is the old bot's name: read as {new}; set {new} instead")


def review(environ: Mapping[str, str], ours: Iterable[str] = ()) -> OldVariables:
    """What the old bot's names in `environ` come to (see the module). `ours`: our own
    variables, never taken for old ones."""
    out = OldVariables()
    _admins(environ, out)
    _tenant(environ, out)
    _webhook(environ, out)
    _renamed(environ, out)
    own = set(ours)
    for name in sorted(environ):
        if name in NOT_READ and name not in own and _set(environ, name) is not None:
            out.notices.append(f"{name} is the old bot's and is not read here: {NOT_READ[name]}")
    return out
