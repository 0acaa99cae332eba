"""`trt` as a real process: help, version, config check, and `trt run` under signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
TRT = [sys.executable, "-m", "trt_actors"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """A clean environment: only what the test sets, a fresh database, JSON logs."""
    return {
        "PATH": os.environ["PATH"],
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9",  # nothing listens: Telegram is down
        "DATABASE_URL": f"sqlite:///{tmp_path}/trt.db",
        "LOG_FORMAT": "json",
        "PORT": "0",
        "OPS_PORT": "0",
        "SHUTDOWN_GRACE_SECONDS": "5",
    }


def trt(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TRT, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def python(probe: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`probe` run by this interpreter in a process of its own."""
    return subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_and_version(env: dict[str, str], tmp_path: Path) -> None:
    shown = trt(["--help"], env, tmp_path)
    assert shown.returncode == 0
    for command in ("run", "config", "version", "doctor", "import", "sandbox", "catalog", "top"):
        assert command in shown.stdout
    assert trt(["version"], env, tmp_path).stdout.startswith("trt-actors ")
    assert "--once" in trt(["top", "--help"], env, tmp_path).stdout
    wrong = trt(["serve"], env, tmp_path)
    assert wrong.returncode == 2 and "invalid choice: 'serve'" in wrong.stderr


def test_run_loads_no_other_commands_code(env: dict[str, str], tmp_path: Path) -> None:
    """`trt run` starts without the importer, the sandbox's emulators or the doctor's checks
    (a third of its start-up went to importing them)."""
    probe = (
        "import sys; from trt_actors.cli import build_parser; "
        "args = build_parser(only='run').parse_args(['run']); "
        "print(args.func.__module__); "
        "print(*sorted({m.split('.')[1] for m in sys.modules if m.startswith('trt_actors.')}))"
    )
    done = python(probe, env, tmp_path)
    assert done.returncode == 0, done.stderr
    handler, loaded = done.stdout.splitlines()
    assert handler == "trt_actors.cli.run_cmd"
    assert {"app", "catalog", "storage"} <= set(loaded.split())
    assert not {"importer", "sandbox", "emulators"} & set(loaded.split())


def test_a_command_runs_with_the_collector_on_and_its_imports_frozen(
    env: dict[str, str], tmp_path: Path
) -> None:
    """The modules are imported with the garbage collector off (it walked them again and
    again while they were made) and what they made is frozen; once they are in, the collector
    is on again, so the cycles the process makes later are still freed."""
    probe = (
        "import gc, weakref; from trt_actors.cli import main\n"
        "assert gc.get_freeze_count() == 0\n"
        "assert main(['config', 'check']) == 0\n"
        "class Node: pass\n"
        "a, b = Node(), Node(); a.b, b.a = b, a\n"
        "gone = weakref.ref(a); del a, b; gc.collect()\n"
        "print(gc.isenabled(), gone() is None, gc.get_freeze_count() > 50_000)\n"
    )
    done = python(probe, env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1].split() == ["True", "True", "True"]


def test_config_check_prints_settings_with_secrets_masked(
    env: dict[str, str], tmp_path: Path
) -> None:
    env["DATABASE_URL"] = "postgresql://app:s3cret-pass@db.internal/trt"
    done = trt(["config", "check"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "postgresql://app:***@db.internal/trt" in done.stdout
    assert TOKEN not in done.stdout and "s3cret-pass" not in done.stdout
    assert "configuration ok" in done.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PORT", "eighty"),
        ("BOT_MODE", "carrier-pigeon"),
        ("DATABASE_URL", "mysql://localhost/trt"),
        ("SHUTDOWN_GRACE_SECONDS", "-1"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
        ("WEBHOOK_BASE_URL", "http://bot.example.com"),
    ],
)
def test_a_bad_setting_exits_2_naming_the_variable(
    variable: str, value: str, env: dict[str, str], tmp_path: Path
) -> None:
    env[variable] = value
    for command in (["config", "check"], ["run"]):
        done = trt(command, env, tmp_path)
        assert done.returncode == 2
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert variable in lines[0] and "expected" in lines[0]
        assert value not in lines[0] or variable != "TELEGRAM_BOT_TOKEN"


def test_a_missing_token_and_webhook_secret_are_named(env: dict[str, str], tmp_path: Path) -> None:
    del env["TELEGRAM_BOT_TOKEN"]
    env["BOT_MODE"] = "webhook"
    done = trt(["config", "check"], env, tmp_path)
    assert done.returncode == 2
    assert "TELEGRAM_BOT_TOKEN" in done.stderr and "WEBHOOK_SECRET_TOKEN" in done.stderr


@pytest.fixture
def service(env: dict[str, str], tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [*TRT, "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def wait_for_event(process: subprocess.Popen[str], event: str, timeout: float = 30) -> list[str]:
    """Read the log until a line with `event` appears; the lines read."""
    assert process.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if f'"event": "{event}"' in line:
            return lines
    raise AssertionError(f"no {event} event; log so far:\n{''.join(lines)}")


def test_sigterm_stops_the_service_with_exit_0(service: subprocess.Popen[str]) -> None:
    wait_for_event(service, "service.started")
    began = time.monotonic()
    service.send_signal(signal.SIGTERM)
    assert service.wait(10) == 0
    assert time.monotonic() - began < 5 + 1  # within SHUTDOWN_GRACE_SECONDS
    assert service.stderr is not None
    assert '"event": "service.stopped"' in service.stderr.read()


def test_sigint_twice_exits_at_once(service: subprocess.Popen[str]) -> None:
    wait_for_event(service, "service.started")
    began = time.monotonic()
    service.send_signal(signal.SIGINT)
    service.send_signal(signal.SIGINT)
    code = service.wait(10)
    assert time.monotonic() - began < 2
    assert code in (0, 128 + signal.SIGINT)  # 0 if the first signal already finished the job


def test_the_token_never_appears_in_the_log(service: subprocess.Popen[str]) -> None:
    lines = wait_for_event(service, "service.started")
    service.send_signal(signal.SIGTERM)
    service.wait(10)
    assert service.stderr is not None
    log = "".join(lines) + service.stderr.read()
    assert TOKEN not in log and TOKEN.split(":")[1] not in log


def test_db_commands_need_no_bot_token(env: dict[str, str], tmp_path: Path) -> None:
    del env["TELEGRAM_BOT_TOKEN"]
    migrated = trt(["db", "migrate"], env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    status = trt(["db", "status"], env, tmp_path)
    assert status.returncode == 0 and "up to date" in status.stdout
    assert status.stdout.count("\n") == 1  # the answer alone on stdout: logs go to stderr
