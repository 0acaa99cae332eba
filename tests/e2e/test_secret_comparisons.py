"""Secrets from the outside are compared in constant time: the webhook's secret token, the ops
feed's token, a KIE callback's URL secret and its HMAC signature all go through
`hmac.compare_digest`, watched by a spy in a running service. Were one of them compared with
`==` (whose time leaks how much of a guess is right), the spy would not see its secret."""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from trio_websocket import ConnectionRejected, open_websocket_url

from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.kie import SIGNATURE_HEADER, TIMESTAMP_HEADER, callback_signature
from trt_actors.routes.kie_callback import callback_secret
from trt_actors.testing.kit import BotService, running_bot

WEBHOOK_SECRET = "webhook-secret-compared-in-constant-time"
OPS_TOKEN = "ops-token-compared-in-constant-time"
HMAC_KEY = "kie-hmac-key-compared-in-constant-time"

Comparisons = list[tuple[bytes, bytes]]


def as_bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


@pytest.fixture
def comparisons(monkeypatch: pytest.MonkeyPatch) -> Comparisons:
    """Every `hmac.compare_digest` call of the process, as (given, expected) bytes."""
    seen: Comparisons = []
    real = hmac.compare_digest

    def spy(given: str | bytes, expected: str | bytes) -> bool:
        seen.append((as_bytes(given), as_bytes(expected)))
        return real(as_bytes(given), as_bytes(expected))

    monkeypatch.setattr(hmac, "compare_digest", spy)
    return seen


@pytest.fixture
async def service(telegram_emulator: TelegramEmulator, tmp_path: Path) -> AsyncIterator[BotService]:
    async with running_bot(
        tmp_path,
        emulator=telegram_emulator,
        bot_mode="webhook",
        webhook_secret_token=WEBHOOK_SECRET,
        ops_token=OPS_TOKEN,
        kie_webhook_hmac_key=HMAC_KEY,
    ) as running:
        yield running


async def test_the_webhook_secret_is_compared_in_constant_time(
    service: BotService, comparisons: Comparisons
) -> None:
    url = f"http://127.0.0.1:{service.port}/webhook/default"
    async with httpx.AsyncClient(timeout=10) as client:
        header = "X-Telegram-Bot-Api-Secret-Token"
        wrong = await client.post(url, json={"update_id": 1}, headers={header: "webhook-secret-x"})
        assert wrong.status_code == 401
        assert (b"webhook-secret-x", WEBHOOK_SECRET.encode()) in comparisons
        right = await client.post(url, json={"update_id": 7}, headers={header: WEBHOOK_SECRET})
        assert right.status_code == 200
    assert (WEBHOOK_SECRET.encode(), WEBHOOK_SECRET.encode()) in comparisons


async def test_the_ops_token_is_compared_in_constant_time(
    service: BotService, comparisons: Comparisons
) -> None:
    feed = f"ws://127.0.0.1:{service.ops_port}/feed"
    async with open_websocket_url(f"{feed}?token={OPS_TOKEN}") as ws:
        assert json.loads(await ws.get_message())["type"] == "tree"
    assert (OPS_TOKEN.encode(), OPS_TOKEN.encode()) in comparisons
    with pytest.raises(ConnectionRejected):
        async with open_websocket_url(f"{feed}?token=ops-token-guessed") as ws:
            await ws.get_message()
    assert (b"ops-token-guessed", OPS_TOKEN.encode()) in comparisons


async def test_a_kie_callbacks_secret_and_signature_are_compared_in_constant_time(
    service: BotService, comparisons: Comparisons
) -> None:
    tenant = service.tree.tenants[0]
    secret = callback_secret(tenant.token, tenant.tenant_id, 42)
    url = f"http://127.0.0.1:{service.port}/kie/callback/{tenant.tenant_id}/42"
    body = {"code": 200, "data": {"taskId": "t-1", "state": "success"}}
    stamp = str(int(time.time()))
    signature = callback_signature(HMAC_KEY, "t-1", stamp)
    forged = "A" * len(signature)
    async with httpx.AsyncClient(timeout=10) as client:
        guessed = await client.post(f"{url}?s=guessed-secret", json=body)
        assert guessed.status_code == 401
        assert (b"guessed-secret", secret.encode()) in comparisons
        unsigned = await client.post(
            f"{url}?s={secret}",
            json=body,
            headers={TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: forged},
        )
        assert unsigned.status_code == 401
        assert (forged.encode(), signature.encode()) in comparisons
        genuine = await client.post(
            f"{url}?s={secret}",
            json=body,
            headers={TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: signature},
        )
        assert genuine.status_code == 200
    assert (signature.encode(), signature.encode()) in comparisons
