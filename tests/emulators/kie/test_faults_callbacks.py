"""Injected faults, and callbacks POSTed with KIE's HMAC headers (retried on failure)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest
import trio
import trio.testing

from trt_actors.emulators.kie import (
    HANG_SECONDS,
    CallbackPolicy,
    FaultKind,
    KieEmulatorConfig,
    Schedule,
    open_kie_emulator,
)

from .support import call, raw

CREATE = ("POST", "/api/v1/jobs/createTask")
BODY = {"model": "z-image", "input": {"prompt": "a fox"}}

CODE_FAULTS = [
    (FaultKind.AUTH, 401),
    (FaultKind.NO_CREDITS, 402),
    (FaultKind.VALIDATION, 422),
    (FaultKind.RATE_LIMIT, 429),
    (FaultKind.MAINTENANCE, 455),
    (FaultKind.SERVER_ERROR, 500),
    (FaultKind.GENERATION_FAILED, 501),
]


@pytest.mark.parametrize(("kind", "code"), CODE_FAULTS)
async def test_code_faults(
    kind: FaultKind, code: int, autojump_clock: trio.testing.MockClock
) -> None:
    async with open_kie_emulator(serve=False) as emu, raw(emu) as client:
        emu.ctl.inject(kind, "market.submit", times=2)
        for _ in range(2):
            answer = await call(client, *CREATE, json=BODY)
            assert answer["code"] == code
        assert (await call(client, *CREATE, json=BODY))["code"] == 200
        assert len(emu.ctl.tasks()) == 1 and emu.ctl.faults == []


async def test_custom_code_message_and_targets(autojump_clock: trio.testing.MockClock) -> None:
    async with open_kie_emulator(serve=False) as emu, raw(emu) as client:
        emu.ctl.inject(FaultKind.SERVER_ERROR, code=503, message="down", times=None)
        emu.ctl.inject(FaultKind.VALIDATION, "credit", message="specific wins")
        answer = await call(client, "GET", "/api/v1/chat/credit")
        assert (answer["code"], answer["msg"]) == (422, "specific wins")
        answer = await call(client, "GET", "/api/v1/chat/credit")
        assert (answer["code"], answer["msg"]) == (503, "down")
        emu.ctl.clear_faults()
        assert (await call(client, "GET", "/api/v1/chat/credit"))["code"] == 200


async def test_http_error_malformed_body_drop_and_hang(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_kie_emulator(serve=False) as emu, raw(emu) as client:
        emu.ctl.inject(FaultKind.HTTP_ERROR, "credit", status=503)
        assert (await client.get("/api/v1/chat/credit")).status_code == 503
        emu.ctl.inject(FaultKind.MALFORMED_BODY, "credit")
        response = await client.get("/api/v1/chat/credit")
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            response.json()
        emu.ctl.inject(FaultKind.DROP, "credit")
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/api/v1/chat/credit")
        emu.ctl.inject(FaultKind.HANG, "credit")
        start = trio.current_time()
        with pytest.raises(httpx.RemoteProtocolError):
            await client.get("/api/v1/chat/credit")
        assert trio.current_time() - start == pytest.approx(HANG_SECONDS)


async def test_task_faults(autojump_clock: trio.testing.MockClock) -> None:
    config = KieEmulatorConfig(schedule=Schedule(waiting=0.1, generating=0.1))
    async with open_kie_emulator(config, serve=False) as emu, raw(emu) as client:
        emu.ctl.inject(FaultKind.STUCK, "market")
        emu.ctl.inject(FaultKind.FAIL, "veo", code=422, message="prohibited")
        stuck = (await call(client, *CREATE, json=BODY))["data"]["taskId"]
        veo = await call(client, "POST", "/api/v1/veo/generate", json={"prompt": "p"})
        emu.ctl.inject(FaultKind.MALFORMED_RESULT)
        broken = (await call(client, *CREATE, json=BODY))["data"]["taskId"]
        await trio.sleep(60)
        assert emu.ctl.state_of(stuck) == "waiting"
        veo_id = veo["data"]["taskId"]
        status = await call(client, "GET", "/api/v1/veo/record-info", params={"taskId": veo_id})
        data = status["data"]
        assert (data["successFlag"], data["errorCode"], data["errorMessage"]) == (
            3,
            422,
            "prohibited",
        )
        record = await call(client, "GET", "/api/v1/jobs/recordInfo", params={"taskId": broken})
        with pytest.raises(json.JSONDecodeError):
            json.loads(record["data"]["resultJson"])


def expected_signature(key: str, task_id: str, stamp: str) -> str:
    mac = hmac.new(key.encode(), f"{task_id}.{stamp}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


async def test_callbacks_are_signed_and_retried(autojump_clock: trio.testing.MockClock) -> None:
    received: list[httpx.Request] = []

    async def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        if len(received) < 3:
            return httpx.Response(500)
        return httpx.Response(200, json={"code": 200, "msg": "success"})

    config = KieEmulatorConfig(hmac_key="k" * 16, schedule=Schedule(waiting=1, generating=2))
    async with (
        open_kie_emulator(
            config, serve=False, callback_transport=httpx.MockTransport(receiver)
        ) as emu,
        raw(emu) as client,
    ):
        body = {**BODY, "callBackUrl": "https://bot.example/kie/cb?s=1"}
        task_id = (await call(client, *CREATE, json=body))["data"]["taskId"]
        await trio.sleep(2.9)
        assert received == []  # nothing before the task ends
        await trio.sleep(5)
    assert [a.status for a in emu.callback_attempts] == [500, 500, 200]
    last = received[-1]
    stamp = last.headers["x-webhook-timestamp"]
    assert last.headers["x-webhook-signature"] == expected_signature("k" * 16, task_id, stamp)
    payload = json.loads(last.content)
    assert (payload["code"], payload["data"]["taskId"], payload["data"]["state"]) == (
        200,
        task_id,
        "success",
    )
    assert json.loads(payload["data"]["resultJson"])["resultUrls"]


async def test_callback_gives_up_and_reports_failure(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def receiver(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    config = KieEmulatorConfig(
        schedule=Schedule(waiting=0, generating=0),
        callbacks=CallbackPolicy(retry_delays=(1.0,), max_attempts=3),
    )
    async with (
        open_kie_emulator(
            config, serve=False, callback_transport=httpx.MockTransport(receiver)
        ) as emu,
        raw(emu) as client,
    ):
        emu.ctl.inject(FaultKind.FAIL, code=500)
        body = {**BODY, "callBackUrl": "https://bot.example/cb"}
        await call(client, *CREATE, json=body)
        await trio.sleep(10)
    attempts = emu.callback_attempts
    assert len(attempts) == 3 and all(a.status is None and a.error for a in attempts)


async def test_completing_a_task_by_control_sends_its_callback_at_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    received: list[dict[str, object]] = []

    async def receiver(request: httpx.Request) -> httpx.Response:
        received.append(json.loads(request.content))
        return httpx.Response(200)

    config = KieEmulatorConfig(schedule=Schedule(waiting=None))
    async with (
        open_kie_emulator(
            config, serve=False, callback_transport=httpx.MockTransport(receiver)
        ) as emu,
        raw(emu) as client,
    ):
        body = {"prompt": "p", "callBackUrl": "https://bot.example/cb"}
        task_id = (await call(client, "POST", "/api/v1/veo/generate", json=body))["data"]["taskId"]
        start = trio.current_time()
        emu.ctl.complete(task_id, fail_code="400", message="unsafe")
        await trio.sleep(0.01)
        assert trio.current_time() - start < 0.1
    assert received == [
        {"code": 501, "msg": "unsafe", "data": received[0]["data"]},
    ]
