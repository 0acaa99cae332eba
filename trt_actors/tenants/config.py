"""The bots this service runs: one from the plain environment, or the list in `TRT_TENANTS`.

`TRT_TENANTS` names a YAML file (docs/configuration.md, "Several bots"):

    tenants:
      - id: acme
        token_env: ACME_BOT_TOKEN        # or token: "123456789:AA..."
        admins: [111, 222]               # the first is the main admin unless main_admin is set
        mode: webhook                    # default: BOT_MODE
        webhook_secret_env: ACME_SECRET  # or webhook_secret; default: WEBHOOK_SECRET_TOKEN
        webhook_base_url: https://acme.example.com   # default: WEBHOOK_BASE_URL
        settings: {markup: 1.5, free_per_day: 3, support_contact: "@acme_help"}

`load_tenants` validates the whole file and raises `ConfigError` with one `Problem` per
mistake, each naming the tenant and the field (exit code 2 at start, `trt config check`).
Secrets (tokens, webhook secrets) are registered with the log redactor and never printed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.tenant_terms import build_terms
from trt_actors.observability.redaction import redactor
from trt_actors.settings import EXPECTED, ConfigError, Problem, Settings, is_loopback

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TENANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

TENANT_KEYS = {
    "id": EXPECTED["tenant_id"],
    "token": EXPECTED["telegram_bot_token"],
    "token_env": "the name of an environment variable holding the bot token",
    "admins": "a list of Telegram user ids, e.g. [12345, 67890]",
    "main_admin": "one Telegram user id, e.g. 12345",
    "mode": EXPECTED["bot_mode"],
    "webhook_secret": EXPECTED["webhook_secret_token"],
    "webhook_secret_env": "the name of an environment variable holding the webhook secret",
    "webhook_base_url": EXPECTED["webhook_base_url"],
    "auto_set_webhook": EXPECTED["auto_set_webhook"],
    "api_base_url": EXPECTED["telegram_api_base_url"],
    "settings": "a mapping of business settings (docs/configuration.md)",
}


@dataclass(frozen=True, slots=True)
class TenantConfig:
    """One bot: what its subtree needs to know."""

    tenant_id: str
    token: str
    api_base_url: str
    mode: str  # "polling" | "webhook"
    webhook_secret: str | None = None
    webhook_base_url: str | None = None
    auto_set_webhook: bool = True
    settings: TenantSettings = field(default_factory=TenantSettings)  # business terms

    def __repr__(self) -> str:  # never the token or the secret
        return f"TenantConfig(tenant_id={self.tenant_id!r}, mode={self.mode!r})"

    @classmethod
    def from_settings(cls, settings: Settings) -> TenantConfig:
        token = settings.telegram_bot_token
        secret = settings.webhook_secret_token
        return cls(
            tenant_id=settings.tenant_id,
            token=token.get_secret_value() if token else "",
            api_base_url=settings.telegram_api_base_url,
            mode=settings.bot_mode,
            webhook_secret=secret.get_secret_value() if secret else None,
            webhook_base_url=settings.webhook_base_url,
            auto_set_webhook=settings.auto_set_webhook,
            settings=TenantSettings(
                admins=settings.admin_ids,
                main_admin=settings.admin_ids[0] if settings.admin_ids else None,
                support_contact=settings.support_contact.strip(),
            ),
        )

    def redacted(self) -> dict[str, str]:
        """What `trt config check` prints for this bot, secrets masked."""
        terms = self.settings
        return {
            "mode": self.mode,
            "token": "***" if self.token else "",
            "webhook_secret": "***" if self.webhook_secret else "",
            "webhook_base_url": self.webhook_base_url or "",
            "admins": ",".join(str(a) for a in terms.admins),
            "main_admin": str(terms.main_admin or ""),
            "markup": str(terms.markup or "catalog default"),
            "rub_per_usd": str(terms.rub_per_usd or "catalog default"),
            "free_per_day": str(terms.free_per_day),
        }


def configured_tenants(settings: Settings) -> list[TenantConfig]:
    """The bots to run: the `TRT_TENANTS` file's, else one from the environment."""
    if settings.trt_tenants is None:
        return [TenantConfig.from_settings(settings)]
    return load_tenants(settings)


def load_tenants(settings: Settings, environ: dict[str, str] | None = None) -> list[TenantConfig]:
    """Read and validate `TRT_TENANTS`; `ConfigError` with every problem found."""
    assert settings.trt_tenants is not None
    env = dict(os.environ) if environ is None else environ
    try:
        raw = yaml.safe_load(settings.trt_tenants.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        detail = type(exc).__name__
        raise ConfigError([Problem("TRT_TENANTS", f"a readable YAML file ({detail})")]) from None
    entries = raw.get("tenants") if isinstance(raw, dict) else raw
    if not isinstance(entries, list) or not entries:
        raise ConfigError(
            [Problem("TRT_TENANTS", "a YAML file with a non-empty list under 'tenants:'")]
        )
    problems: list[Problem] = []
    tenants: list[TenantConfig] = []
    for index, entry in enumerate(entries, start=1):
        reader = _EntryReader(index, entry, settings, env)
        tenant = reader.read()
        problems += reader.problems
        if tenant is not None:
            tenants.append(tenant)
    problems += _duplicates(tenants)
    if problems:
        raise ConfigError(problems)
    for tenant in tenants:
        redactor.register(s for s in (tenant.token, tenant.webhook_secret) if s)
    return tenants


def _duplicates(tenants: list[TenantConfig]) -> list[Problem]:
    problems = []
    seen_ids: set[str] = set()
    seen_tokens: dict[str, str] = {}
    for tenant in tenants:
        where = f"TRT_TENANTS: tenant {tenant.tenant_id!r}"
        if tenant.tenant_id in seen_ids:
            problems.append(Problem(f"{where}, id", "an id no other tenant has"))
        seen_ids.add(tenant.tenant_id)
        other = seen_tokens.get(tenant.token)
        if other is not None:
            problems.append(
                Problem(f"{where}, token", f"a token of its own (tenant {other!r} has the same)")
            )
        seen_tokens.setdefault(tenant.token, tenant.tenant_id)
    return problems


class _EntryReader:
    """Reads one entry of the file, collecting problems that name the tenant and field."""

    def __init__(self, index: int, entry: Any, settings: Settings, env: dict[str, str]) -> None:
        self.entry = entry if isinstance(entry, dict) else {}
        self.settings = settings
        self.env = env
        tid = self.entry.get("id")
        self.name = repr(tid) if isinstance(tid, str) and tid else f"#{index}"
        self.problems: list[Problem] = []
        if not isinstance(entry, dict):
            self.problems.append(
                Problem(f"TRT_TENANTS: tenant {self.name}", "a mapping with id, token, ...")
            )

    def problem(self, key: str, expected: str) -> None:
        self.problems.append(Problem(f"TRT_TENANTS: tenant {self.name}, {key}", expected))

    def read(self) -> TenantConfig | None:
        if self.problems:
            return None
        for key in self.entry:
            if key not in TENANT_KEYS:
                self.problem(str(key), f"one of the known keys: {', '.join(TENANT_KEYS)}")
        tenant_id = self.entry.get("id")
        if not isinstance(tenant_id, str) or not _TENANT.match(tenant_id):
            self.problem("id", TENANT_KEYS["id"])
        token = self._secret("token", _TOKEN, required=True)
        mode = self.entry.get("mode", self.settings.bot_mode)
        if mode not in ("polling", "webhook"):
            self.problem("mode", TENANT_KEYS["mode"])
        secret = self._secret("webhook_secret", _SECRET, required=False)
        if secret is None and self.settings.webhook_secret_token is not None:
            secret = self.settings.webhook_secret_token.get_secret_value()
        if mode == "webhook" and secret is None:
            self.problem("webhook_secret", EXPECTED["webhook_secret_token"] + " (webhook mode)")
        base_url = self._url("webhook_base_url", self.settings.webhook_base_url, webhook=True)
        api_url = self._url("api_base_url", self.settings.telegram_api_base_url, webhook=False)
        auto = self.entry.get("auto_set_webhook", self.settings.auto_set_webhook)
        if not isinstance(auto, bool):
            self.problem("auto_set_webhook", TENANT_KEYS["auto_set_webhook"])
        terms = self._terms()
        if self.problems:
            return None
        assert isinstance(tenant_id, str) and token is not None and api_url is not None
        return TenantConfig(
            tenant_id=tenant_id,
            token=token,
            api_base_url=api_url,
            mode=str(mode),
            webhook_secret=secret,
            webhook_base_url=base_url,
            auto_set_webhook=bool(auto),
            settings=terms,
        )

    def _secret(self, key: str, pattern: re.Pattern[str], *, required: bool) -> str | None:
        """`key` given inline, or through `<key>_env` naming an environment variable."""
        inline, env_name = self.entry.get(key), self.entry.get(f"{key}_env")
        if inline is not None and env_name is not None:
            self.problem(key, f"either {key} or {key}_env, not both")
            return None
        if env_name is not None:
            if not isinstance(env_name, str) or not _ENV_NAME.match(env_name):
                self.problem(f"{key}_env", TENANT_KEYS[f"{key}_env"])
                return None
            inline = self.env.get(env_name)
            if not inline:
                self.problem(f"{key}_env", f"the variable {env_name} to be set")
                return None
        if inline is None:
            if required:
                self.problem(key, f"{TENANT_KEYS[key]}, given as {key} or {key}_env")
            return None
        value = str(inline).strip()
        if not pattern.match(value):
            self.problem(key, TENANT_KEYS[key])
            return None
        return value

    def _url(self, key: str, default: str | None, *, webhook: bool) -> str | None:
        value = self.entry.get(key, default)
        if value is None:
            return None
        parts = urlsplit(value) if isinstance(value, str) else None
        host = parts.hostname if parts is not None else None
        ok = parts is not None and host is not None and parts.scheme in ("http", "https")
        if ok and webhook and parts is not None and parts.scheme == "http":
            ok = host is not None and is_loopback(host)
        if not ok:
            self.problem(key, TENANT_KEYS[key])
            return None
        assert isinstance(value, str)
        return value.rstrip("/")

    def _terms(self) -> TenantSettings:
        values = self.entry.get("settings") or {}
        if not isinstance(values, dict):
            self.problem("settings", TENANT_KEYS["settings"])
            values = {}
        values = dict(values)
        for key in ("admins", "main_admin"):
            if key in self.entry:
                values[key] = self.entry[key]
        terms, problems = build_terms(values)
        for key, expected in problems:
            where = key if key in ("admins", "main_admin") else f"settings.{key}"
            self.problem(where, expected)
        try:
            ZoneInfo(terms.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            self.problem("settings.timezone", "an IANA time zone name, e.g. Europe/Moscow")
        if terms.main_admin is None and terms.admins:
            terms = replace(terms, main_admin=terms.admins[0])
        elif terms.main_admin is not None and terms.main_admin not in terms.admins:
            terms = replace(terms, admins=(terms.main_admin, *terms.admins))
        return terms
