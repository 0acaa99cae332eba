"""The service as a deployment with several instances would run it: PostgreSQL and Redis.

Two `trt run` processes in webhook mode share one PostgreSQL database and one Redis: exactly
one of them (the leader) sets the webhook, and updates sent to either are answered.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from trt_actors.emulators.telegram import EmulatorConfig, open_telegram_emulator
from trt_actors.testing.postgres import create_database
from trt_actors.testing.trt_process import free_port, run_service, service_env

SECRET = "pg-redis-secret"


async def test_two_instances_on_postgres_and_redis(
    postgres_server: str, redis_url: str, tmp_path: Path
) -> None:
    database = create_database(postgres_server, f"e2e_{uuid.uuid4().hex[:8]}")
    async with open_telegram_emulator(EmulatorConfig()) as emu:
        assert emu.base_url is not None
        ports = [free_port(), free_port()]
        envs = [
            service_env(
                emu.base_url,
                emu.config.token,
                tmp_path,
                DATABASE_URL=database,
                REDIS_URL=redis_url,
                BOT_MODE="webhook",
                WEBHOOK_SECRET_TOKEN=SECRET,
                WEBHOOK_BASE_URL=f"http://127.0.0.1:{port}",
                PORT=str(port),
            )
            for port in ports
        ]
        async with (
            run_service(envs[0], tmp_path) as first,
            run_service(envs[1], tmp_path) as second,
        ):
            await first.wait_for("webhook_setter.ok")
            assert not second.named("webhook_setter.ok")  # the other instance is not the leader
            ann = emu.ctl.user("Ann", language_code="en")
            emu.ctl.send_command(ann, "start")  # delivered by the emulator to the leader's URL
            reply = await emu.ctl.next_bot_message(ann, timeout=15)
            assert "Ann" in reply["text"]
            boris = emu.ctl.user("Boris", language_code="en")
            emu.ctl.send_text(boris, "hi")  # opens the chat; answered with a hint
            await emu.ctl.next_bot_message(boris, timeout=15)
            update = {
                "update_id": 999_000_001,
                "message": {
                    "message_id": 1,
                    "date": 1_790_000_000,
                    "text": "/start",
                    "chat": {"id": boris.id, "type": "private", "first_name": "Boris"},
                    "from": {
                        "id": boris.id,
                        "is_bot": False,
                        "first_name": "Boris",
                        "language_code": "en",
                    },
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
            async with httpx.AsyncClient(timeout=10) as client:  # as if a balancer sent it there
                response = await client.post(
                    f"{second.base_url}/webhook/default",
                    json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                )
            assert response.status_code == 200
            assert "Boris" in (await emu.ctl.next_bot_message(boris, timeout=15))["text"]
            for service in (first, second):
                service.signal()
                assert await service.wait() == 0
        emu.assert_no_violations()
