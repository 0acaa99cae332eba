"""Every endpoint of the emulator, in-process on MockClock: shapes, states, credits, files."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from fractions import Fraction

import httpx
import pytest
import trio
import trio.testing

from trt_actors.catalog import load_catalog
from trt_actors.emulators.kie import (
    APIS,
    KieEmulator,
    KieEmulatorConfig,
    Schedule,
    guess_output,
    open_kie_emulator,
)

from .support import call, raw

SCHEDULE = Schedule(waiting=1.0, generating=2.0)


@pytest.fixture
async def emu() -> AsyncIterator[KieEmulator]:
    """An in-process emulator: tests that use it take `autojump_clock` themselves."""
    config = KieEmulatorConfig(
        credits=Fraction(50),
        prices={"z-image": Fraction(4, 5), "veo3_fast": Fraction(12)},
        schedule=SCHEDULE,
    )
    async with open_kie_emulator(config, serve=False) as emulator:
        yield emulator


async def create(client: httpx.AsyncClient, model: str = "z-image", **extra: object) -> str:
    body = {"model": model, "input": {"prompt": "a fox"}, **extra}
    answer = await call(client, "POST", "/api/v1/jobs/createTask", json=body)
    assert answer["code"] == 200 and answer["msg"] == "success"
    return str(answer["data"]["taskId"])


async def test_market_task_progresses_on_schedule(
    emu: KieEmulator, autojump_clock: trio.testing.MockClock
) -> None:
    async with raw(emu) as client:
        task_id = await create(client)
        start = trio.current_time()
        seen = []
        for offset in (0.5, 1.5, 3.5):
            await trio.sleep_until(start + offset)
            answer = await call(
                client, "GET", "/api/v1/jobs/recordInfo", params={"taskId": task_id}
            )
            seen.append(answer["data"]["state"])
        data = answer["data"]
    assert seen == ["waiting", "generating", "success"]
    assert json.loads(data["param"]) == {"model": "z-image", "input": {"prompt": "a fox"}}
    [url] = json.loads(data["resultJson"])["resultUrls"]
    assert url.startswith(emu.base_url + "/files/") and data["creditsConsumed"] == 0.8
    assert data["completeTime"] >= data["createTime"]


async def test_unknown_and_missing_task_ids(
    emu: KieEmulator, autojump_clock: trio.testing.MockClock
) -> None:
    async with raw(emu) as client:
        answer = await call(client, "GET", "/api/v1/jobs/recordInfo", params={"taskId": "nope"})
        assert (answer["code"], answer["msg"]) == (422, "recordInfo is null")
        answer = await call(client, "GET", "/api/v1/jobs/recordInfo")
        assert answer["code"] == 400
        answer = await call(client, "GET", "/api/v1/veo/record-info", params={"taskId": "nope"})
        assert answer["code"] == 404


async def test_wrong_key_and_bad_bodies(
    emu: KieEmulator, autojump_clock: trio.testing.MockClock
) -> None:
    async with raw(emu, key="wrong") as client:
        answer = await call(client, "GET", "/api/v1/chat/credit")
        assert answer["code"] == 401
    async with raw(emu) as client:
        answer = await call(client, "POST", "/api/v1/jobs/createTask", content=b"{")
        assert answer["code"] == 400
        answer = await call(client, "POST", "/api/v1/jobs/createTask", json={"input": {}})
        assert (answer["code"], answer["msg"]) == (422, "model is required")
        answer = await call(client, "POST", "/api/v1/runway/generate", json={"prompt": "x"})
        assert answer["code"] == 422 and "aspectRatio" in answer["msg"]
        answer = await call(client, "POST", "/api/v1/generate", json={"prompt": "x"})
        assert answer["code"] == 422 and "callBackUrl" in answer["msg"]


async def test_credits_decrease_by_price_and_failures_are_refunded(
    emu: KieEmulator, autojump_clock: trio.testing.MockClock
) -> None:
    async with raw(emu) as client:
        await create(client)
        answer = await call(client, "GET", "/api/v1/chat/credit")
        assert Fraction(str(answer["data"])) == Fraction(50) - Fraction(4, 5)
        emu.ctl.set_credits(10)
        answer = await call(
            client, "POST", "/api/v1/veo/generate", json={"prompt": "x", "model": "veo3_fast"}
        )
        assert answer["code"] == 402
        task_id = await create(client)
        emu.ctl.complete(task_id, fail_code="500", message="Internal server error")
        assert emu.ctl.credits == 10
        answer = await call(client, "GET", "/api/v1/jobs/recordInfo", params={"taskId": task_id})
        data = answer["data"]
    assert (data["state"], data["failCode"], data["failMsg"]) == (
        "fail",
        "500",
        "Internal server error",
    )
    assert data["resultJson"] == "" and data["creditsConsumed"] == 0


async def test_account_limit_answers_429(
    emu: KieEmulator, autojump_clock: trio.testing.MockClock
) -> None:
    async with raw(emu) as client:
        for _ in range(20):
            await create(client)
        response = await client.post(
            "/api/v1/jobs/createTask", json={"model": "z-image", "input": {}}
        )
        assert response.status_code == 429 and response.json()["code"] == 429
        assert int(response.headers["retry-after"]) >= 1
        await trio.sleep(10)
        await create(client)
    assert len(emu.ctl.tasks()) == 21


DEDICATED = {
    "veo": ({"prompt": "p", "model": "veo3_fast"}, "successFlag", 1),
    "runway": ({"prompt": "p", "aspectRatio": "16:9"}, "state", "success"),
    "suno": (
        {"prompt": "p", "model": "V5", "callBackUrl": "http://cb.invalid/x"},
        "status",
        "SUCCESS",
    ),
    "midjourney": ({"prompt": "p", "taskType": "mj_txt2img"}, "successFlag", 1),
    "gpt4o_image": ({"prompt": "p", "size": "1:1", "nVariants": 2}, "status", "SUCCESS"),
    "flux_kontext": ({"prompt": "p", "model": "flux-kontext-pro"}, "successFlag", 1),
}


@pytest.mark.parametrize("api", sorted(DEDICATED))
async def test_dedicated_api(
    emu: KieEmulator, api: str, autojump_clock: trio.testing.MockClock
) -> None:
    body, field, done = DEDICATED[api]
    spec = APIS[api]
    async with raw(emu) as client:
        answer = await call(client, "POST", spec.submit_path, json=body)
        task_id = answer["data"]["taskId"]
        running = await call(client, "GET", spec.status_path, params={"taskId": task_id})
        assert running["data"][field] != done
        emu.ctl.advance(task_id)
        emu.ctl.advance(task_id)
        answer = await call(client, "GET", spec.status_path, params={"taskId": task_id})
    data = answer["data"]
    assert data[field] == done and data["taskId"] == task_id
    text = json.dumps(data)
    assert emu.base_url + "/files/" in text


def test_paths_agree_with_the_catalog() -> None:
    catalog = load_catalog()
    for kind in catalog.kinds():
        for model in catalog.models(kind.id, visible_only=False):
            api = model.route.api
            spec = APIS[api.id]
            assert (api.submit.path, api.status.path) == (spec.submit_path, spec.status_path)
            assert api.task_id_param == "taskId"


def test_output_guess() -> None:
    assert guess_output("z-image") == "image"
    assert guess_output("kling-2.6/text-to-video") == "video"
    assert guess_output("elevenlabs/text-to-speech-multilingual-v2") == "audio"
    assert guess_output("elevenlabs/speech-to-text") == "text"


async def test_text_results(autojump_clock: trio.testing.MockClock) -> None:
    config = KieEmulatorConfig(outputs={"stt/model": "text"}, schedule=Schedule(0, 0))
    async with open_kie_emulator(config, serve=False) as emu, raw(emu) as client:
        task_id = await create(client, "stt/model")
        answer = await call(client, "GET", "/api/v1/jobs/recordInfo", params={"taskId": task_id})
    result = json.loads(answer["data"]["resultJson"])
    assert result == {"resultObject": {"text": "Transcript: a fox"}}


async def test_download_url_and_expired_links(
    emu: KieEmulator, autojump_clock: trio.testing.MockClock
) -> None:
    async with raw(emu) as client:
        task_id = await create(client)
        emu.ctl.complete(task_id)
        answer = await call(client, "GET", "/api/v1/jobs/recordInfo", params={"taskId": task_id})
        [url] = json.loads(answer["data"]["resultJson"])["resultUrls"]
        assert (await client.get(url)).headers["content-type"] == "image/png"
        emu.ctl.expire_results(task_id)
        assert (await client.get(url)).status_code == 404
        answer = await call(client, "POST", "/api/v1/common/download-url", json={"url": url})
        fresh = answer["data"]
        assert fresh != url and (await client.get(fresh)).content.startswith(b"\x89PNG")
        answer = await call(
            client, "POST", "/api/v1/common/download-url", json={"url": "https://x.example/a"}
        )
        assert answer["code"] == 422


async def test_uploads(emu: KieEmulator, autojump_clock: trio.testing.MockClock) -> None:
    async with raw(emu) as client:
        files = {"file": ("cat.jpg", b"\xff\xd8jpeg", "image/jpeg")}
        response = await client.post(
            emu.upload_base_url + "/api/file-stream-upload",
            data={"uploadPath": "images/user", "fileName": "c.jpg"},
            files=files,
        )
        body = response.json()
        assert (body["success"], body["code"]) == (True, 200)
        data = body["data"]
        assert (data["fileName"], data["filePath"], data["fileSize"]) == (
            "c.jpg",
            "images/user/c.jpg",
            6,
        )
        assert (await client.get(data["downloadUrl"])).content == b"\xff\xd8jpeg"
        encoded = "data:text/plain;base64," + base64.b64encode(b"hi").decode()
        answer = await call(
            client,
            "POST",
            emu.upload_base_url + "/api/file-base64-upload",
            json={"base64Data": encoded, "uploadPath": "t", "fileName": "h.txt"},
        )
        assert answer["data"]["mimeType"] == "text/plain"
        answer = await call(
            client, "POST", emu.upload_base_url + "/api/file-stream-upload", files=files
        )
        assert (answer["code"], answer["msg"]) == (400, "uploadPath is required")
    assert dict(emu.ctl.uploads()) == {"images/user/c.jpg": b"\xff\xd8jpeg", "t/h.txt": b"hi"}


async def test_control_advance_complete_and_schedule(
    emu: KieEmulator, autojump_clock: trio.testing.MockClock
) -> None:
    async with raw(emu) as client:
        task_id = await create(client)
        assert emu.ctl.state_of(task_id) == "waiting"
        assert emu.ctl.advance(task_id) == "generating"
        assert emu.ctl.advance(task_id) == "success"
        with pytest.raises(ValueError):
            emu.ctl.complete(task_id)
        emu.ctl.set_schedule(waiting=None)
        stuck = await create(client)
        await trio.sleep(3600)
        assert emu.ctl.state_of(stuck) == "waiting"
        emu.ctl.set_schedule(SCHEDULE)
        later = await create(client)
        await emu.ctl.wait_for_state(later, "success", timeout=10)
    assert [t.task_id for t in emu.ctl.tasks("market")] == [task_id, stuck, later]


async def test_http_control(emu: KieEmulator, autojump_clock: trio.testing.MockClock) -> None:
    async with raw(emu) as client:
        task_id = await create(client)
        rows = (await client.get("/_control/tasks")).json()["tasks"]
        assert rows == [
            {"task_id": task_id, "api": "market", "model": "z-image", "state": "waiting"}
        ]
        answer = await client.post(f"/_control/tasks/{task_id}/advance")
        assert answer.json() == {"state": "generating"}
        answer = await client.post(
            f"/_control/tasks/{task_id}/complete", json={"fail_code": "501", "message": "no"}
        )
        assert answer.json() == {"state": "fail"}
        assert (await client.post("/_control/tasks/nope/advance")).status_code == 404
        fault = {"kind": "maintenance", "target": "credit", "times": 1}
        assert (await client.post("/_control/faults", json=fault)).status_code == 200
        assert (await call(client, "GET", "/api/v1/chat/credit"))["code"] == 455
        assert (await client.post("/_control/faults", json={"kind": "nope"})).status_code == 400
        assert (await client.delete("/_control/faults")).status_code == 200
        answer = await client.post("/_control/schedule", json={"waiting": None})
        assert answer.json()["waiting"] is None
        answer = await client.post("/_control/credits", json={"credits": "12.5"})
        assert answer.json() == {"credits": "25/2"}
