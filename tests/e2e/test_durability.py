"""Nothing acknowledged is lost: SIGKILL in the middle of load, restart, every user answered."""

from __future__ import annotations

from pathlib import Path

import trio

from trt_actors.emulators.telegram import EmulatorConfig, open_telegram_emulator
from trt_actors.testing.trt_process import run_service, service_env

USERS = 200


async def answered(emu: object, users: list[object], at_least: int, timeout: float) -> int:
    """Wait until `at_least` users have a reply; how many have one."""
    with trio.move_on_after(timeout):
        while True:
            count = sum(1 for u in users if emu.ctl.bot_messages(u))  # type: ignore[attr-defined]
            if count >= at_least:
                return count
            await trio.sleep(0.05)
    return sum(1 for u in users if emu.ctl.bot_messages(u))  # type: ignore[attr-defined]


async def test_sigkill_mid_load_then_restart_answers_every_user(tmp_path: Path) -> None:
    async with open_telegram_emulator(EmulatorConfig()) as emu:
        assert emu.base_url is not None
        env = service_env(emu.base_url, emu.config.token, tmp_path)
        users = [emu.ctl.user(f"U{i}", language_code="en") for i in range(USERS)]
        async with run_service(env, tmp_path) as first:
            for user in users:
                emu.ctl.send_command(user, "start")
            before = await answered(emu, users, 30, timeout=30)
            first.kill()  # SIGKILL: no shutdown of any kind
            await first.wait()
        assert before < USERS, "the kill came too late to prove anything"
        async with run_service(env, tmp_path) as second:
            after = await answered(emu, users, USERS, timeout=60)
            assert after == USERS, f"{USERS - after} users never got a reply"
            second.signal()
            assert await second.wait() == 0
        emu.assert_no_violations()


async def test_sigterm_under_load_exits_0_in_bound_and_loses_nothing(tmp_path: Path) -> None:
    async with open_telegram_emulator(EmulatorConfig()) as emu:
        assert emu.base_url is not None
        env = service_env(emu.base_url, emu.config.token, tmp_path, SHUTDOWN_GRACE_SECONDS="5")
        users = [emu.ctl.user(f"T{i}", language_code="en") for i in range(USERS)]
        async with run_service(env, tmp_path) as first:
            for user in users:
                emu.ctl.send_command(user, "start")
            before = await answered(emu, users, 30, timeout=30)
            began = trio.current_time()
            first.signal()  # SIGTERM in the middle of the load
            code = await first.wait(timeout=10)
            await trio.sleep(0.2)  # let the log reader take the last lines
            assert code == 0, first.log()
            assert trio.current_time() - began < 5 + 1
            assert first.named("service.stopped")
        assert before < USERS, "the signal came too late to prove anything"
        async with run_service(env, tmp_path) as second:
            after = await answered(emu, users, USERS, timeout=60)
            assert after == USERS, f"{USERS - after} users never got a reply"
            second.signal()
            assert await second.wait() == 0
        emu.assert_no_violations()
