"""End to end: `trt run` as a process against the Telegram emulator, in both modes: /start
from a new user gets the first tutorial page with the way to the menu."""

from __future__ import annotations

from pathlib import Path

from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.testing.trt_process import free_port, run_service, service_env

SECRET = "e2e-webhook-secret"


async def test_start_gets_the_main_menu_in_polling_mode(tmp_path: Path) -> None:
    async with open_telegram_emulator(EmulatorConfig(rate_limits=RateLimits())) as emu:
        env = service_env(emu.base_url, emu.config.token, tmp_path)
        async with run_service(env, tmp_path) as service:
            user = emu.ctl.user("Ann", language_code="en")
            emu.ctl.send_command(user, "start")
            reply = await emu.ctl.next_bot_message(user, timeout=15)
            assert "Hi, Ann" in reply["text"]  # a new user: the tutorial's first page
            rows = reply["reply_markup"]["inline_keyboard"]
            assert "v1|ts" in [button["callback_data"] for row in rows for button in row]
            service.signal()
            assert await service.wait() == 0
        emu.assert_no_violations()
        assert emu.drop_records == []


async def test_start_gets_the_main_menu_in_webhook_mode(tmp_path: Path) -> None:
    async with open_telegram_emulator(EmulatorConfig(rate_limits=RateLimits())) as emu:
        port = free_port()
        env = service_env(
            emu.base_url,
            emu.config.token,
            tmp_path,
            BOT_MODE="webhook",
            WEBHOOK_SECRET_TOKEN=SECRET,
            WEBHOOK_BASE_URL=f"http://127.0.0.1:{port}",
            PORT=str(port),
        )
        async with run_service(env, tmp_path) as service:
            await service.wait_for("webhook_setter.ok")
            user = emu.ctl.user("Boris", language_code="ru")
            emu.ctl.send_command(user, "start")
            reply = await emu.ctl.next_bot_message(user, timeout=15)
            assert "Привет, Boris" in reply["text"]
            assert reply["reply_markup"]["inline_keyboard"]
            service.signal()
            assert await service.wait() == 0
        emu.assert_no_violations()
        assert emu.drop_records == []
        attempts = emu.webhook_attempts()
        assert attempts and all(a.ok for a in attempts)  # delivered with the right secret
