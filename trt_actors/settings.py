"""The one typed settings object, read from the environment (and an optional `.env`).

`load_settings()` validates everything at start: a missing or malformed value is a
`ConfigError` that names each variable and what it expects; the CLI prints one line per
problem and exits 2. Secrets (tokens, keys, URLs with passwords) are redacted in every repr and
registered with the log redactor. Deadlines users never need to change are named constants in
the modules that use them, not settings.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from trt_actors.legacy_env import ALIASES, environment, review
from trt_actors.observability.redaction import redact_url, redactor


class SecretUrl(SecretStr):
    """A URL that may carry a password: shown with the password masked, never in full."""

    def _display(self) -> str:
        return redact_url(self.get_secret_value())


_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{30,}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_TENANT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")

# What each variable expects, in the words of the error line.
EXPECTED = {
    "telegram_bot_token": "a bot token from @BotFather, like 123456789:AA...(35 characters)",
    "telegram_api_base_url": "an http(s) URL, e.g. https://api.telegram.org",
    "bot_mode": "'polling' or 'webhook'",
    "webhook_base_url": "the public https URL of this service, e.g. https://bot.example.com",
    "webhook_secret_token": "1-256 characters of A-Z, a-z, 0-9, _ and -",
    "auto_set_webhook": "a boolean: 1/0, true/false, yes/no",
    "webhook_max_payload_bytes": "a number of bytes from 1024 to 67108864",
    "host": "an interface address to listen on, e.g. 0.0.0.0",
    "port": "an integer from 0 (any free port) to 65535",
    "database_url": "sqlite:///path/to/file.db or postgresql://user:password@host/db",
    "redis_url": "redis://[:password@]host:port/db, rediss://... or unix:///path",
    "kie_api_key": "the KIE.ai API key",
    "kie_api_base_url": "an http(s) URL, e.g. https://api.kie.ai",
    "kie_upload_base_url": "an http(s) URL, e.g. https://kieai.redpandaai.co",
    "kie_webhook_hmac_key": "the HMAC key of KIE's webhook signatures (from KIE's settings)",
    "admin_ids": "comma-separated Telegram user ids, e.g. 12345,67890",
    "support_contact": "how users reach support: @username, an https link or a short text",
    "tenant_id": "1-32 characters of a-z, 0-9, _ and -, starting with a letter or digit",
    "trt_tenants": "the path of an existing YAML file describing the bots",
    "ops_host": "an interface address for the ops feed, e.g. 127.0.0.1",
    "ops_port": "an integer from 0 (any free port) to 65535",
    "ops_token": "a secret of at least 16 characters",
    "log_level": "one of debug, info, warning, error",
    "log_format": "'json' or 'console'",
    "shutdown_grace_seconds": "a number of seconds greater than 0 and at most 300",
    "telegram_rate_scale": "a number from 1 to 100 (above 1 only against an emulator)",
    "inbox_max_backlog": "a number of updates from 100 to 1000000",
    "user_updates_per_second": "a number from 0 (no limit) to 100",
    "user_updates_burst": "an integer from 1 to 1000",
}


class Settings(BaseSettings):
    """Every setting of the service. Field `x` is read from the variable `X`."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org"
    bot_mode: Literal["polling", "webhook"] = "polling"
    webhook_base_url: str | None = None
    webhook_secret_token: SecretStr | None = None
    auto_set_webhook: bool = True
    webhook_max_payload_bytes: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    host: str = "0.0.0.0"  # a service listens on all interfaces by default
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (tests)
    database_url: SecretUrl = SecretUrl("sqlite:///./data/trt.db")
    redis_url: SecretUrl | None = None
    kie_api_key: SecretStr | None = None
    kie_api_base_url: str = "https://api.kie.ai"
    kie_upload_base_url: str = "https://kieai.redpandaai.co"
    kie_webhook_hmac_key: SecretStr | None = None
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    # the environment's bot's support contact (TRT_TENANTS: each bot's `support_contact`;
    # an admin may change it in the panel's settings)
    support_contact: str = Field(default="", max_length=200)
    tenant_id: str = "default"
    trt_tenants: Path | None = None
    ops_host: str = "127.0.0.1"
    ops_port: int = Field(default=8081, ge=0, le=65535)
    ops_token: SecretStr | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["json", "console"] | None = None
    shutdown_grace_seconds: float = Field(default=5.0, gt=0, le=300)
    # Telegram's pacing rates multiplied by this: only for a local emulator whose flood limits
    # are scaled alike (load tests that would otherwise take minutes). Never above 1 for real.
    telegram_rate_scale: float = Field(default=1.0, ge=1, le=100)
    # Updates committed and not yet handled, per bot, past which the intake takes no more
    # (webhook: 503 with Retry-After, Telegram posts them again; polling: not polled).
    inbox_max_backlog: int = Field(default=10_000, ge=100, le=1_000_000)
    # One user's presses, commands and texts past this pace are answered without work (a
    # press still gets its answer) and the flood gets one notice; 0 turns it off.
    user_updates_per_second: float = Field(default=3.0, ge=0, le=100)
    user_updates_burst: int = Field(default=10, ge=1, le=1000)

    @field_validator("telegram_bot_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _TOKEN.match(value.get_secret_value()):
            raise ValueError("malformed")
        return value

    @field_validator("webhook_secret_token")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("malformed")
        return value

    @field_validator("telegram_api_base_url", "kie_api_base_url", "kie_upload_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("not an http(s) URL")
        return value.rstrip("/")

    @field_validator("webhook_base_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        loopback = parts.hostname is not None and is_loopback(parts.hostname)
        if not parts.hostname or not (
            parts.scheme == "https" or (parts.scheme == "http" and loopback)
        ):
            raise ValueError("Telegram delivers webhooks to https URLs only")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: SecretUrl) -> SecretUrl:
        url = value.get_secret_value()
        scheme = urlsplit(url).scheme
        if scheme == "sqlite" and url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
            return value
        if scheme in ("postgresql", "postgres") and urlsplit(url).hostname is not None:
            return value
        raise ValueError("unsupported database URL")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretUrl | None) -> SecretUrl | None:
        if value is not None and urlsplit(value.get_secret_value()).scheme not in (
            "redis",
            "rediss",
            "unix",
        ):
            raise ValueError("unsupported Redis URL")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _admin_ids(cls, value: Any) -> Any:
        if isinstance(value, str):  # "1,2", "1, 2" or the old bot's "1 2"
            return tuple(int(part) for part in re.split(r"[,\s]+", value) if part)
        return value

    @field_validator("ops_token")
    @classmethod
    def _ops_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("too short")
        return value

    @field_validator("tenant_id")
    @classmethod
    def _tenant(cls, value: str) -> str:
        if not _TENANT.match(value):
            raise ValueError("malformed")
        return value

    @field_validator("trt_tenants")
    @classmethod
    def _tenants_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError("no such file")
        return value

    @field_validator("log_level", "log_format", "bot_mode", mode="before")
    @classmethod
    def _lowercase(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    def secrets(self) -> Iterator[str]:
        """Every secret value held, for the log redactor."""
        return (value for _, value in self.named_secrets())

    def named_secrets(self) -> Iterator[tuple[str, str]]:
        """Every secret value held, with the setting it comes from (a URL's password)."""
        for field in (
            "telegram_bot_token",
            "webhook_secret_token",
            "kie_api_key",
            "kie_webhook_hmac_key",
            "ops_token",
        ):
            secret = getattr(self, field)
            if secret is not None:
                yield field, secret.get_secret_value()
        for field, url in (("database_url", self.database_url), ("redis_url", self.redis_url)):
            password = urlsplit(url.get_secret_value()).password if url is not None else None
            if password:
                yield field, password

    def redacted(self) -> dict[str, str]:
        """Every setting by variable name, secrets masked: what `trt config check` prints."""
        rows = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretUrl):
                shown = str(value)
            elif isinstance(value, SecretStr):
                shown = "***" if value.get_secret_value() else ""
            elif isinstance(value, tuple):
                shown = ",".join(str(v) for v in value)
            else:
                shown = "" if value is None else str(value)
            rows[name.upper()] = shown
        return rows


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Problem:
    variable: str
    expected: str

    def __str__(self) -> str:
        return f"{self.variable}: expected {self.expected}"


class ConfigError(Exception):
    """The settings are invalid: one `Problem` per variable, each naming what it expects."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def our_variables() -> frozenset[str]:
    """The names of every variable the settings read."""
    return frozenset(name.upper() for name in Settings.model_fields)


def load_settings(env_file: str | Path | None = ".env", *, bot: bool = True) -> Settings:
    """Read, validate and return the settings; raises `ConfigError` with every problem.

    The old bot's names are understood (`trt_actors.legacy_env`): an alias fills our variable
    when it is not set; one whose value does not fit is a problem naming the old variable.
    With `bot=False` (commands that never talk to Telegram, such as `trt db`), a missing bot
    token is not a problem."""
    old = review(environment(env_file), our_variables())
    try:
        settings = Settings(_env_file=env_file, **old.values)
    except ValidationError as exc:
        raise ConfigError(_old_names(_problems(exc), old.values)) from None
    problems = [Problem(name, expected) for name, expected in old.problems]
    if problems:
        raise ConfigError(problems)
    problems = _cross_checks(settings) if bot else []
    if problems:
        raise ConfigError(problems)
    redactor.register(settings.secrets())
    return settings


def _old_names(problems: list[Problem], aliased: dict[str, Any]) -> list[Problem]:
    """Problems of values read through an old name, said of that old name too."""
    said = []
    for problem in problems:
        variable = problem.variable
        if variable.lower() in aliased:
            olds = " or ".join(old for old, new in ALIASES.items() if new == variable)
            variable = f"{variable} (from {olds})"
        said.append(Problem(variable, problem.expected))
    return said


def _problems(exc: ValidationError) -> list[Problem]:
    problems: dict[str, Problem] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        expected = EXPECTED.get(field, error["msg"])
        problems.setdefault(field, Problem(field.upper(), expected))
    return list(problems.values())


def _cross_checks(settings: Settings) -> list[Problem]:
    problems = []
    if settings.telegram_bot_token is None and settings.trt_tenants is None:
        problems.append(
            Problem("TELEGRAM_BOT_TOKEN", EXPECTED["telegram_bot_token"] + " (or set TRT_TENANTS)")
        )
    if not is_loopback(settings.ops_host) and settings.ops_token is None:
        problems.append(
            Problem(
                "OPS_TOKEN", EXPECTED["ops_token"] + " (required when OPS_HOST is not loopback)"
            )
        )
    if (
        settings.bot_mode == "webhook"
        and settings.webhook_secret_token is None
        and settings.trt_tenants is None  # each bot of the file is checked on its own
    ):
        problems.append(
            Problem(
                "WEBHOOK_SECRET_TOKEN",
                EXPECTED["webhook_secret_token"] + " (required when BOT_MODE=webhook)",
            )
        )
    return problems
