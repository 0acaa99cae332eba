"""`trt doctor`: each misconfiguration it claims to detect is reported in plain words, and a
healthy deployment (both emulators, a migrated database) exits 0."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import trio

from trt_actors import storage
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.emulators.kie import KieEmulator, open_kie_emulator
from trt_actors.emulators.telegram import EmulatorConfig, TelegramEmulator, open_telegram_emulator
from trt_actors.kie import CreditPause
from trt_actors.operator.doctor import (
    FAIL,
    OK,
    WARN,
    Finding,
    check_database,
    check_kie,
    check_redis,
    check_telegram,
    pause_finding,
    settings_findings,
)
from trt_actors.settings import Settings
from trt_actors.telegram.http_bot_api import HttpBotApi
from trt_actors.tenants.config import TenantConfig

TOKEN = EmulatorConfig().token


@asynccontextmanager
async def emulators() -> AsyncIterator[tuple[TelegramEmulator, KieEmulator]]:
    async with open_telegram_emulator(EmulatorConfig()) as telegram, open_kie_emulator() as kie:
        yield telegram, kie


def environment(telegram: TelegramEmulator, kie: KieEmulator, data: Path) -> dict[str, str]:
    assert telegram.base_url is not None
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": telegram.base_url,
        "DATABASE_URL": f"sqlite:///{data / 'trt.db'}",
        "KIE_API_KEY": kie.api_key,
        "KIE_API_BASE_URL": kie.base_url,
        "KIE_UPLOAD_BASE_URL": kie.upload_base_url,
        "ADMIN_IDS": "42",
    }


def settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **{k.lower(): v for k, v in values.items()})


def tenant(telegram: TelegramEmulator, **changes: Any) -> TenantConfig:
    assert telegram.base_url is not None
    values: dict[str, Any] = {
        "tenant_id": "acme",
        "token": TOKEN,
        "api_base_url": telegram.base_url,
        "mode": "polling",
    }
    return TenantConfig(**{**values, **changes})


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


async def doctor(env: dict[str, str], cwd: Path) -> tuple[int, str]:
    trt = str(Path(sys.executable).parent / "trt")
    result = await trio.run_process(
        [trt, "doctor"],
        env={"PATH": os.environ.get("PATH", ""), **env},
        cwd=cwd,
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )
    return result.returncode, result.stdout.decode()


async def test_a_healthy_deployment_exits_0(tmp_path: Path) -> None:
    async with emulators() as (telegram, kie):
        env = environment(telegram, kie, tmp_path)
        await storage.migrate(env["DATABASE_URL"])
        code, out = await doctor(env, tmp_path)
        assert code == 0, out
        assert "OK    telegram default    the token works: @trt_emulated_bot" in out
        assert "OK    database" in out and "schema" in out and "OK    kie" in out
        assert out.rstrip().endswith("trt doctor: all is well (0 warning(s))")
        assert TOKEN not in out and kie.api_key not in out


async def test_a_revoked_token_is_reported_and_the_exit_is_1(tmp_path: Path) -> None:
    async with emulators() as (telegram, kie):
        env = environment(telegram, kie, tmp_path)
        await storage.migrate(env["DATABASE_URL"])
        telegram.revoke_token(TOKEN)
        code, out = await doctor(env, tmp_path)
        assert code == 1
        assert "FAIL  telegram default    Telegram rejected the bot token (401)" in out
        assert "trt doctor: 1 problem(s) to fix" in out


async def test_a_webhook_pointing_elsewhere_is_reported(tmp_path: Path) -> None:
    async with emulators() as (telegram, _):
        assert telegram.base_url is not None
        api = HttpBotApi(TOKEN, telegram.base_url)
        try:
            await api.call("setWebhook", {"url": "https://old.example.com/hook"})
        finally:
            await api.close()
        webhook = tenant(
            telegram,
            mode="webhook",
            webhook_secret="s3cret",
            webhook_base_url="https://bot.example.com",
            auto_set_webhook=False,
        )
        ok, wrong = await check_telegram(webhook)
        assert ok.level == OK
        assert (wrong.level, wrong.subject) == (FAIL, "webhook acme")
        assert wrong.text == (
            "points at https://old.example.com/hook, expected "
            "https://bot.example.com/webhook/acme; call setWebhook with it, or set "
            "AUTO_SET_WEBHOOK=1"
        )
        _, polling = await check_telegram(tenant(telegram))  # a polling bot with a webhook
        assert polling.level == WARN and "although this bot polls" in polling.text


async def test_an_unreachable_database_is_reported_without_its_password(tmp_path: Path) -> None:
    finding = only(
        await check_database(settings(database_url="postgresql://trt:pw9@127.0.0.1:1/x"))
    )
    assert finding.level == FAIL
    assert finding.text.startswith("cannot open postgresql://trt:***@127.0.0.1:1/x")
    assert "pw9" not in finding.text
    fresh = only(await check_database(settings(database_url=f"sqlite:///{tmp_path / 'new.db'}")))
    assert fresh.level == WARN and "`trt db migrate`" in fresh.text


async def test_kie_missing_key_and_rejected_key_are_reported() -> None:
    async with emulators() as (_, kie):
        urls = {"kie_api_base_url": kie.base_url, "kie_upload_base_url": kie.upload_base_url}
        missing = only(await check_kie(settings(**urls)))
        assert (missing.level, missing.text) == (
            FAIL,
            "KIE_API_KEY is not set: no generation can start; set it",
        )
        rejected = only(await check_kie(settings(kie_api_key="not-the-key", **urls)))
        assert rejected.level == FAIL and "KIE rejected the API key (401)" in rejected.text
        kie.ctl.set_credits(12)
        low = only(await check_kie(settings(kie_api_key=kie.api_key, **urls)))
        assert (low.level, low.text) == (WARN, "only 12 credits left: top up at kie.ai")
        kie.ctl.set_credits(0)
        empty = only(await check_kie(settings(kie_api_key=kie.api_key, **urls)))
        assert empty.level == FAIL and empty.text.startswith("out of credits (0 left)")
        assert "pauses generations" in empty.text and "temporarily unavailable" in empty.text


def test_the_services_paused_generations_are_a_failure_of_the_bot() -> None:
    quiet = TenantConfig("acme", TOKEN, "https://api.telegram.org", "polling")
    pause = CreditPause("acme", wall_clock=lambda: 1_800_000_000.0)
    running = pause_finding(quiet, pause)
    assert (running.level, running.subject, running.text) == (OK, "generations acme", "running")
    pause.pause("Insufficient Credits")
    paused = pause_finding(quiet, pause)
    assert paused.level == FAIL
    assert paused.text.startswith("paused since 2027-01-15 08:00 UTC: KIE is out of credits")
    assert "(Insufficient Credits)" in paused.text and "every 60 s" in paused.text


async def test_redis_is_checked_when_configured(redis_url: str) -> None:
    assert only(await check_redis(settings())).level == OK  # not configured: nothing to check
    assert only(await check_redis(settings(redis_url=redis_url))).level == OK
    down = only(await check_redis(settings(redis_url="redis://127.0.0.1:1/0")))
    assert down.level == FAIL and down.text.startswith("redis://127.0.0.1:1/0 does not answer")


async def test_bad_settings_are_findings_too(tmp_path: Path) -> None:
    (tmp_path / "tenants.yaml").write_text("tenants:\n  - id: Acme!\n", encoding="utf-8")
    code, out = await doctor({"TRT_TENANTS": str(tmp_path / "tenants.yaml")}, tmp_path)
    assert code == 1
    assert "FAIL  settings            TRT_TENANTS: tenant 'Acme!', id: expected" in out


def test_settings_warn_of_bots_without_admins_and_unknown_hidden_models() -> None:
    quiet = TenantConfig("acme", TOKEN, "https://api.telegram.org", "polling")
    hiding = replace(
        quiet,
        tenant_id="beta",
        settings=TenantSettings(admins=(1,), main_admin=1, hidden_models=frozenset({"z", "a"})),
    )
    found = settings_findings([quiet, hiding], True, frozenset({"a"}))
    assert [str(f) for f in found] == [
        "OK    settings            2 bot(s) from TRT_TENANTS",
        "WARN  settings acme       no admins: nobody can run this bot from Telegram; add admins "
        "to its entry",
        "WARN  settings beta       hidden_models names models the catalog does not have: z; "
        "`trt catalog list` shows the ids",
    ]
