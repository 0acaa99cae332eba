"""Several `trt run` processes on one database: with one shared Redis they all serve; without
it, a second one waits as a standby and takes over when the first stops or dies."""

from __future__ import annotations

import signal
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
import trio

from trt_actors.emulators.telegram import EmulatorConfig, TelegramEmulator, open_telegram_emulator
from trt_actors.nodes.instance import STALE_AFTER
from trt_actors.testing.postgres import create_database
from trt_actors.testing.trt_process import Service, free_port, run_service, service_env

pytestmark = pytest.mark.subprocess


@asynccontextmanager
async def emulator() -> AsyncIterator[TelegramEmulator]:
    async with open_telegram_emulator(EmulatorConfig()) as emu:
        yield emu


def env_for(emu: TelegramEmulator, tmp_path: Path, database: str, **extra: str) -> dict[str, str]:
    assert emu.base_url is not None
    return service_env(
        emu.base_url,
        emu.config.token,
        tmp_path,
        DATABASE_URL=database,
        PORT=str(free_port()),
        **extra,
    )


async def answers(service: Service, emu: TelegramEmulator, name: str) -> bool:
    """A user's /start, polled by `service`, is answered."""
    user = emu.ctl.user(name, language_code="en")
    emu.ctl.send_command(user, "start")
    reply = await emu.ctl.next_bot_message(user, timeout=20)
    return name in reply["text"]


async def serves(service: Service) -> bool:
    async with httpx.AsyncClient(timeout=2) as client:
        try:
            return (await client.get(f"{service.base_url}/readyz")).status_code == 200
        except httpx.HTTPError:
            return False


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_without_redis_a_second_instance_waits_and_takes_over_at_a_stop(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        database = f"sqlite:///{tmp_path}/shared.db"
    else:
        server = request.getfixturevalue("postgres_server")
        database = create_database(server, f"inst_{uuid.uuid4().hex[:8]}")
    async with emulator() as emu:
        async with run_service(env_for(emu, tmp_path, database), tmp_path) as first:
            env = env_for(emu, tmp_path, database)
            async with run_service(env, tmp_path, wait_for="instance.standby") as second:
                [standby] = second.named("instance.standby")
                assert "REDIS_URL" in standby["reason"]
                assert f"pid {first.process.pid}" in standby["others"][0]
                await trio.sleep(3)
                assert not second.named("service.started") and not await serves(second)
                assert await answers(first, emu, "Ann")
                first.signal(signal.SIGTERM)
                assert await first.wait() == 0
                with trio.fail_after(10):
                    await second.wait_for("service.started")
                assert await serves(second)
                assert await answers(second, emu, "Boris")
        assert emu.violations == []


async def test_a_standby_takes_over_from_an_instance_killed_with_sigkill(
    tmp_path: Path,
) -> None:
    database = f"sqlite:///{tmp_path}/shared.db"
    async with (
        emulator() as emu,
        run_service(env_for(emu, tmp_path, database), tmp_path) as first,
        run_service(
            env_for(emu, tmp_path, database), tmp_path, wait_for="instance.standby"
        ) as second,
    ):
        first.kill()
        await first.wait()
        # a process of this machine that is gone does not count: no need to wait until its
        # row is stale
        with trio.fail_after(STALE_AFTER / 2):
            await second.wait_for("service.started")
        assert await answers(second, emu, "Carla")


async def test_with_one_redis_every_instance_serves(
    postgres_server: str, redis_url: str, tmp_path: Path
) -> None:
    database = create_database(postgres_server, f"inst_{uuid.uuid4().hex[:8]}")
    async with emulator() as emu:
        envs = [
            env_for(
                emu,
                tmp_path,
                database,
                REDIS_URL=redis_url,
                BOT_MODE="webhook",
                WEBHOOK_SECRET_TOKEN="s3cret",
            )
            for _ in range(2)
        ]
        async with (
            run_service(envs[0], tmp_path) as first,
            run_service(envs[1], tmp_path) as second,
        ):
            assert await serves(first) and await serves(second)
            assert not first.named("instance.standby") and not second.named("instance.standby")
