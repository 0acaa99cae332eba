"""`TRT_TENANTS`: a YAML list of bots, validated at start with errors naming tenant and field."""

from __future__ import annotations

import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from trt_actors.settings import ConfigError, Settings
from trt_actors.tenants.config import configured_tenants, load_tenants

TOKEN_A = "111111111:AAacmeTokenForTestsOnly_0123456789ab"
TOKEN_B = "222222222:AAbetaTokenForTestsOnly_0123456789ab"

VALID = f"""
tenants:
  - id: acme
    token: "{TOKEN_A}"
    admins: [101, 102]
    settings:
      markup: 1.5
      rub_per_usd: "95.5"
      stars_rate_kopecks: 120
      free_per_day: 3
      timezone: Asia/Almaty
      referral_bonus_free: 2
      welcome_bonus_kopecks: 5000
      support_contact: "@acme_help"
      bank_requisites: "Acme LLC, account 4070..."
      hidden_models: [z-image]
  - id: beta
    token_env: BETA_TOKEN
    main_admin: 201
    mode: webhook
    webhook_secret: beta_secret-1
    webhook_base_url: https://beta.example.com/
"""


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def settings_for(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "tenants.yaml"
    path.write_text(text, encoding="utf-8")
    return Settings(_env_file=None, trt_tenants=path)


def problems_of(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_tenants(settings_for(tmp_path, text), {"BETA_TOKEN": TOKEN_B} if env is None else env)
    return [str(problem) for problem in info.value.problems]


def test_a_valid_file_gives_every_bot_with_its_terms(tmp_path: Path) -> None:
    acme, beta = load_tenants(settings_for(tmp_path, VALID), {"BETA_TOKEN": TOKEN_B})
    assert (acme.tenant_id, acme.token, acme.mode) == ("acme", TOKEN_A, "polling")
    terms = acme.settings
    assert terms.admins == (101, 102) and terms.main_admin == 101
    assert terms.markup == Fraction(3, 2) and terms.rub_per_usd == Fraction(191, 2)
    assert (terms.stars_rate_kopecks, terms.free_per_day, terms.timezone) == (
        120,
        3,
        "Asia/Almaty",
    )
    assert (terms.referral_bonus_free, terms.welcome_bonus_kopecks) == (2, 5000)
    assert terms.support_contact == "@acme_help" and terms.bank_requisites is not None
    assert terms.hidden_models == frozenset({"z-image"})
    assert beta.token == TOKEN_B  # read from the variable named by token_env
    assert (beta.mode, beta.webhook_secret) == ("webhook", "beta_secret-1")
    assert beta.webhook_base_url == "https://beta.example.com"
    assert beta.settings.main_admin == 201 and beta.settings.is_admin(201)
    assert beta.settings.free_per_day == 5  # not configured: the default


def test_without_the_file_one_bot_comes_from_the_environment() -> None:
    settings = Settings(
        _env_file=None, telegram_bot_token=TOKEN_A, admin_ids="7,8", support_contact="@acme_help"
    )
    [tenant] = configured_tenants(settings)
    assert (tenant.tenant_id, tenant.token) == ("default", TOKEN_A)
    assert tenant.settings.admins == (7, 8) and tenant.settings.main_admin == 7
    assert tenant.settings.support_contact == "@acme_help"  # SUPPORT_CONTACT


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("    admins: [101, 102]", "tenant 'acme', admins: expected a list of Telegram user ids"),
        ("      markup: 1.5", "tenant 'acme', settings.markup: expected a number of at least 1"),
        ('      rub_per_usd: "95.5"', "tenant 'acme', settings.rub_per_usd: expected a positive"),
        ("      free_per_day: 3", "tenant 'acme', settings.free_per_day: expected free generat"),
        ("      timezone: Asia/Almaty", "tenant 'acme', settings.timezone: expected an IANA time"),
        ("      stars_rate_kopecks: 120", "tenant 'acme', settings.stars_rate_kopecks: expected"),
        (
            "      hidden_models: [z-image]",
            "tenant 'acme', settings.hidden_models: expected a list",
        ),
        ("    mode: webhook", "tenant 'beta', mode: expected 'polling' or 'webhook'"),
        ("    webhook_base_url: https://beta.example.com/", "tenant 'beta', webhook_base_url:"),
    ],
)
def test_each_bad_value_is_named_by_tenant_and_field(
    tmp_path: Path, change: str, named: str
) -> None:
    bad = {
        "    admins: [101, 102]": "    admins: [101, bob]",
        "      markup: 1.5": "      markup: 0.5",
        '      rub_per_usd: "95.5"': "      rub_per_usd: -3",
        "      free_per_day: 3": "      free_per_day: many",
        "      timezone: Asia/Almaty": "      timezone: Mars/Olympus",
        "      stars_rate_kopecks: 120": "      stars_rate_kopecks: 0",
        "      hidden_models: [z-image]": "      hidden_models: [{x: 1}]",
        "    mode: webhook": "    mode: push",
        "    webhook_base_url: https://beta.example.com/": "    webhook_base_url: http://beta.com",
    }[change]
    assert change in VALID
    problems = problems_of(tmp_path, VALID.replace(change, bad))
    assert len(problems) == 1, problems
    assert problems[0].startswith("TRT_TENANTS: " + named.split(":", maxsplit=1)[0]), problems
    assert named in problems[0]


def test_token_mistakes_are_named(tmp_path: Path) -> None:
    assert problems_of(tmp_path, VALID, env={}) == [
        "TRT_TENANTS: tenant 'beta', token_env: expected the variable BETA_TOKEN to be set"
    ]
    malformed = VALID.replace(TOKEN_A, "12345:short")
    [problem] = problems_of(tmp_path, malformed)
    assert problem.startswith("TRT_TENANTS: tenant 'acme', token: expected a bot token")
    assert "12345:short" not in problem  # a secret is never echoed
    missing = VALID.replace(f'    token: "{TOKEN_A}"\n', "")
    assert problems_of(tmp_path, missing) == [
        "TRT_TENANTS: tenant 'acme', token: expected a bot token from @BotFather, like "
        "123456789:AA...(35 characters), given as token or token_env"
    ]


def test_webhook_mode_needs_a_secret(tmp_path: Path) -> None:
    text = VALID.replace("    webhook_secret: beta_secret-1\n", "")
    [problem] = problems_of(tmp_path, text)
    assert problem.startswith("TRT_TENANTS: tenant 'beta', webhook_secret: expected")


def test_duplicate_ids_and_tokens_are_refused(tmp_path: Path) -> None:
    same_id = VALID.replace("  - id: beta", "  - id: acme")
    assert problems_of(tmp_path, same_id) == [
        "TRT_TENANTS: tenant 'acme', id: expected an id no other tenant has"
    ]
    same_token = problems_of(tmp_path, VALID, env={"BETA_TOKEN": TOKEN_A})
    assert same_token == [
        "TRT_TENANTS: tenant 'beta', token: expected a token of its own "
        "(tenant 'acme' has the same)"
    ]


def test_unknown_keys_and_shapes_are_refused(tmp_path: Path) -> None:
    [typo] = problems_of(tmp_path, VALID.replace("    admins:", "    admin:"))
    assert typo.startswith("TRT_TENANTS: tenant 'acme', admin: expected one of the known keys")
    [setting] = problems_of(tmp_path, VALID.replace("      markup:", "      mark_up:"))
    assert setting.startswith("TRT_TENANTS: tenant 'acme', settings.mark_up: expected")
    assert problems_of(tmp_path, "tenants: []\n") == [
        "TRT_TENANTS: expected a YAML file with a non-empty list under 'tenants:'"
    ]
    assert problems_of(tmp_path, "tenants: [\n") == [
        "TRT_TENANTS: expected a readable YAML file (ParserError)"
    ]
    [unnamed] = problems_of(tmp_path, f'tenants:\n  - token: "{TOKEN_A}"\n')
    assert unnamed.startswith("TRT_TENANTS: tenant #1, id: expected 1-32 characters")


def run_config_check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "tenants.yaml"
    path.write_text(text, encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", ""), "TRT_TENANTS": str(path), "BETA_TOKEN": TOKEN_B}
    return subprocess.run(
        [str(Path(sys.executable).parent / "trt"), "config", "check"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_command_line_reports_them_with_exit_2(tmp_path: Path) -> None:
    bad = run_config_check(tmp_path, VALID.replace("      markup: 1.5", "      markup: 0.5"))
    assert bad.returncode == 2
    assert "trt: configuration error: TRT_TENANTS: tenant 'acme', settings.markup" in bad.stderr
    good = run_config_check(tmp_path, VALID)
    assert good.returncode == 0, good.stderr
    assert "tenant acme: mode=polling  token=***" in good.stdout and "tenant beta:" in good.stdout
    for secret in (TOKEN_A, TOKEN_B, "beta_secret-1"):
        assert secret not in good.stdout + good.stderr


def test_a_bot_never_shows_its_secrets(tmp_path: Path) -> None:
    _, beta = load_tenants(settings_for(tmp_path, VALID), {"BETA_TOKEN": TOKEN_B})
    shown = repr(beta) + str(beta.redacted())
    assert TOKEN_B not in shown and "beta_secret-1" not in shown
    assert beta.redacted()["token"] == "***"
