"""The service's settings in the sandbox: everything on loopback, nothing from `.env`.

Every setting that could reach outside the sandbox (Telegram, KIE, PostgreSQL, Redis,
webhooks) is given explicitly, so a shell with production variables still runs a sandbox
that talks only to its emulators. Log level and shutdown grace may still come from the
environment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import SecretStr

from trt_actors.settings import SecretUrl, Settings

from ._kie import KieEndpoints

LOOPBACK = "127.0.0.1"


def sandbox_settings(
    *,
    emulator_url: str,
    token: str,
    data_dir: Path,
    admin_ids: tuple[int, ...],
    kie: KieEndpoints,
) -> Settings:
    """Settings for the tree: polling the emulator, KIE's emulator, SQLite in `data_dir`,
    free loopback ports."""
    values: dict[str, Any] = {
        "telegram_bot_token": SecretStr(token),
        "telegram_api_base_url": emulator_url,
        "bot_mode": "polling",
        "webhook_base_url": None,
        "webhook_secret_token": None,
        "database_url": SecretUrl(f"sqlite:///{data_dir / 'trt.db'}"),
        "redis_url": None,
        "host": LOOPBACK,
        "port": 0,
        "ops_host": LOOPBACK,
        "ops_port": 0,
        "ops_token": None,
        "admin_ids": admin_ids,
        "tenant_id": "default",
        "trt_tenants": None,
        "kie_api_base_url": kie.api_base_url,
        "kie_upload_base_url": kie.upload_base_url,
        "kie_api_key": SecretStr(kie.api_key),
    }
    return Settings(_env_file=None, **values)
