"""Webhook intake over real HTTP: secret, size, rate, readiness, duplicates, commit-before-ACK."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.storage import StorageUnavailable
from trt_actors.testing.kit import BotService, running_bot

SECRET = "webhook-secret-1"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
async def service(telegram_emulator: TelegramEmulator, tmp_path: Path) -> AsyncIterator[BotService]:
    async with running_bot(
        tmp_path, emulator=telegram_emulator, bot_mode="webhook", webhook_secret_token=SECRET
    ) as running:
        yield running


def start_update(update_id: int, user: dict[str, Any]) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_790_000_000,
            "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
            "from": {"id": user["id"], "is_bot": False, "first_name": user["first_name"]},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def post(
    service: BotService, body: bytes | dict[str, Any], secret: str | None = SECRET
) -> httpx.Response:
    headers = {HEADER: secret} if secret is not None else {}
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers["Content-Type"] = "application/json"
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(
            f"http://127.0.0.1:{service.port}/webhook/default", content=content, headers=headers
        )


def known_user(service: BotService, name: str) -> dict[str, Any]:
    """A user who wrote to the bot once (so the bot may write to them). That first message is
    queued in the emulator and never delivered: the tests post their own updates."""
    conversation = service.user(name)
    service.emulator.ctl.send_text(conversation.user, "hello")
    return {"id": conversation.id, "first_name": name}


@pytest.mark.parametrize("secret", [None, "wrong-secret"])
async def test_without_the_right_secret_401(service: BotService, secret: str | None) -> None:
    response = await post(service, start_update(1, {"id": 1, "first_name": "x"}), secret)
    assert response.status_code == 401


async def test_a_2_mib_body_is_refused_413(service: BotService) -> None:
    response = await post(service, b"{" + b" " * (2 * 1024 * 1024) + b"}")
    assert response.status_code == 413


async def test_malformed_json_is_400(service: BotService) -> None:
    assert (await post(service, b"{not json")).status_code == 400
    assert (await post(service, {"no": "update_id"})).status_code == 400


async def test_a_burst_of_wrong_secrets_from_one_address_gets_429(service: BotService) -> None:
    service.tree.doors.per_ip_rate, service.tree.doors.per_ip_burst = 1.0, 5
    statuses = [(await post(service, b"{}", "wrong")).status_code for _ in range(8)]
    assert statuses[:5] == [401] * 5
    assert 429 in statuses[5:]


async def test_telegram_is_never_limited_by_address(service: BotService) -> None:
    """A busy bot's updates come from a few Telegram addresses: with the right secret, no
    request is refused for the address it comes from."""
    service.tree.doors.per_ip_rate, service.tree.doors.per_ip_burst = 1.0, 5
    statuses = [(await post(service, b"{}")).status_code for _ in range(20)]
    assert statuses == [400] * 20  # all admitted (and refused as malformed)


async def test_a_full_backlog_is_503_with_retry_after_and_loses_nothing(
    service: BotService,
) -> None:
    users = [known_user(service, f"Full{i}") for i in range(3)]
    backlog = service.tree.backlogs["default"]
    backlog.limit = backlog.size  # no room left
    refused = await post(service, start_update(501, users[0]))
    assert refused.status_code == 503
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    store = service.tree.root.child("store")
    assert await store.read("default", lambda tx: tx.inbox.pending()) == []  # not taken
    backlog.limit = 10_000  # room again: Telegram's next try is taken and answered
    assert (await post(service, start_update(501, users[0]))).status_code == 200
    assert "Full0" in (await service.emulator.ctl.next_bot_message(users[0]["id"]))["text"]
    assert backlog.refused == 1 and not backlog.shedding


async def test_not_ready_or_draining_is_503_with_retry_after(service: BotService) -> None:
    intake = service.tree.doors.intakes["default"]
    intake.ready = False
    response = await post(service, start_update(5, {"id": 5, "first_name": "x"}))
    assert response.status_code == 503 and response.headers["Retry-After"]
    intake.ready = True
    service.tree.doors.draining = True
    assert (await post(service, start_update(5, {"id": 5, "first_name": "x"}))).status_code == 503


async def test_a_duplicate_update_is_acknowledged_and_handled_once(service: BotService) -> None:
    user = known_user(service, "Dup")
    update = start_update(77, user)
    assert (await post(service, update)).status_code == 200
    assert (await post(service, update)).status_code == 200
    await service.emulator.ctl.next_bot_message(user["id"], timeout=10)
    await trio.sleep(0.5)
    assert len(service.emulator.ctl.bot_messages(user["id"])) == 1


async def test_ok_means_committed(service: BotService) -> None:
    users = [known_user(service, f"U{i}") for i in range(30)]
    store = service.tree.root.child("store")
    acknowledged: list[int] = []

    async def send(i: int) -> None:
        response = await post(service, start_update(1000 + i, users[i]))
        assert response.status_code == 200
        entry = await store.read("default", lambda tx: tx.inbox.get(1000 + i))
        acknowledged.append(entry.update_id)  # present the moment the 200 arrived

    async with trio.open_nursery() as nursery:
        for i in range(30):
            nursery.start_soon(send, i)
    assert sorted(acknowledged) == [1000 + i for i in range(30)]


async def test_a_failed_commit_is_not_acknowledged(
    service: BotService, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = service.tree.root.child("store")

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise StorageUnavailable("disk on fire")

    monkeypatch.setattr(store.inbox, "append", broken)
    response = await post(service, start_update(9, {"id": 9, "first_name": "x"}))
    assert response.status_code == 503


async def test_health_and_readiness(service: BotService) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        base = f"http://127.0.0.1:{service.port}"
        assert (await client.get(f"{base}/healthz")).status_code == 200
        ready = await client.get(f"{base}/readyz")
        assert ready.status_code == 200 and ready.json()["ready"] is True
        assert ready.json()["tenants"] == {"default": True}
        assert ready.json()["components"] == {
            "store": True,
            "coordination": True,
            "http": True,
            "ops": True,
        }
