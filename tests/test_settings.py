"""The settings object: defaults, parsing, cross-checks, and secrets kept out of every repr."""

from __future__ import annotations

from pathlib import Path

import pytest

from trt_actors.settings import ConfigError, Settings, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)


def test_defaults_match_the_documented_ones() -> None:
    s = load_settings(env_file=None)
    assert s.bot_mode == "polling" and s.port == 8080 and s.tenant_id == "default"
    assert s.database_url.get_secret_value() == "sqlite:///./data/trt.db"
    assert s.telegram_api_base_url == "https://api.telegram.org"
    assert s.shutdown_grace_seconds == 5.0 and s.auto_set_webhook is True


def test_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", "12345, 67890")
    monkeypatch.setenv("BOT_MODE", "WEBHOOK")
    monkeypatch.setenv("WEBHOOK_SECRET_TOKEN", "s3cret_token-1")
    monkeypatch.setenv("WEBHOOK_BASE_URL", "http://127.0.0.1:9000/")
    monkeypatch.setenv("AUTO_SET_WEBHOOK", "0")
    s = load_settings(env_file=None)
    assert s.admin_ids == (12345, 67890)
    assert s.bot_mode == "webhook" and s.auto_set_webhook is False
    assert s.webhook_base_url == "http://127.0.0.1:9000"  # plain http only for loopback


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("TENANT_ID=partner-1\nLOG_LEVEL=debug\n")
    s = load_settings(env_file=env_file)
    assert s.tenant_id == "partner-1" and s.log_level == "debug"


def test_every_problem_is_reported_with_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "70000")
    monkeypatch.setenv("REDIS_URL", "memcached://x")
    monkeypatch.setenv("TENANT_ID", "Bad Tenant!")
    with pytest.raises(ConfigError) as info:
        load_settings(env_file=None)
    assert {p.variable for p in info.value.problems} == {"PORT", "REDIS_URL", "TENANT_ID"}


def test_secrets_never_appear_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIE_API_KEY", "kie-live-0123456789")
    monkeypatch.setenv("REDIS_URL", "redis://:redispass99@localhost:6379/0")
    s = load_settings(env_file=None)
    shown = repr(s) + str(s) + repr(s.redacted())
    for secret in (TOKEN, "kie-live-0123456789", "redispass99"):
        assert secret not in shown
    assert s.redacted()["REDIS_URL"] == "redis://:***@localhost:6379/0"
