"""End to end: catalog model → `Model.kie_payload` → client → emulator → poll → download.

One market model and one dedicated-API model over real loopback HTTP (with a signed
callback to a `trt_actors.web` route), then every dedicated API of the catalog in-process
on MockClock.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from fractions import Fraction

import httpx
import pytest
import trio
import trio.testing

from trt_actors.catalog import Catalog, KieRequest, Media, Model, load_catalog
from trt_actors.emulators.kie import KieEmulatorConfig, Schedule, open_kie_emulator
from trt_actors.kie import (
    KieClient,
    TaskStatus,
    VerifiedCallback,
    callback_status,
    new_callback_secret,
    verify_callback,
)
from trt_actors.web import HTTPServer, Request, Response, Router

from .support import emulator_client

HMAC_KEY = "dashboard-hmac-key"
SIGNATURES = {"image": b"\x89PNG\r\n\x1a\n", "video": b"GIF89a", "audio": b"RIFF"}
IMAGE_URL = "https://files.example/photo.png"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def request_for(model: Model, callback_url: str | None) -> KieRequest:
    params: dict[str, object] = {"prompt": "a lighthouse at dawn"}
    urls: dict[str, list[str]] = {}
    for spec in model.inputs:
        if spec.name == "images" and model.route.api.id == "veo":
            params["images"], urls["images"] = [Media()], [IMAGE_URL]
    return model.kie_payload(params, urls, callback_url)  # type: ignore[arg-type]


async def poll(kie: KieClient, model: Model, task_id: str) -> TaskStatus:
    with trio.fail_after(10):
        while True:
            status = await kie.status(model.route.api, task_id)
            if status.finished:
                return status
            await trio.sleep(0.02)


class CallbackInbox:
    """What a later HTTP route will do: verify, then trust `status`, not the body."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.received: list[VerifiedCallback] = []
        self.arrived = trio.Event()

    def url(self, base: str, job: str) -> str:
        self.secrets[job] = new_callback_secret()
        return f"{base}/kie/callback/{job}?s={self.secrets[job]}"

    async def handle(self, request: Request) -> Response:
        verified = verify_callback(
            body=request.body,
            headers=request.headers,
            given_secret=request.query.get("s"),
            expected_secret=self.secrets[request.params["job"]],
            hmac_key=HMAC_KEY,
            now=time.time(),
        )
        self.received.append(verified)
        self.arrived.set()
        return Response.json({"code": 200, "msg": "success"})


@pytest.fixture
async def inbox_url() -> AsyncIterator[tuple[CallbackInbox, str]]:
    inbox = CallbackInbox()
    router = Router()
    router.add("POST", "/kie/callback/{job}", inbox.handle)
    async with trio.open_nursery() as nursery:
        port = await nursery.start(HTTPServer(router).serve, "127.0.0.1", 0)
        yield inbox, f"http://127.0.0.1:{port}"
        nursery.cancel_scope.cancel()


@pytest.mark.parametrize("model_id", ["z-image", "flux-kontext-pro"])
async def test_over_http_with_signed_callback(
    catalog: Catalog, inbox_url: tuple[CallbackInbox, str], model_id: str
) -> None:
    inbox, base = inbox_url
    model = catalog.model(model_id)
    credits = Fraction(4, 5) if model_id == "z-image" else Fraction(5)
    config = KieEmulatorConfig(
        hmac_key=HMAC_KEY,
        prices={model.route.kie_model or model.route.api.id: credits},
        schedule=Schedule(waiting=0.02, generating=0.05),
    )
    async with open_kie_emulator(config) as emu, emulator_client(emu) as kie:
        before = await kie.credit_balance()
        task_id = await kie.submit(request_for(model, inbox.url(base, "job-1")))
        status = await poll(kie, model, task_id)
        assert status.succeeded and status.api == model.route.api.id
        with trio.fail_after(5):
            await inbox.arrived.wait()
        [callback] = inbox.received
        assert callback.task_id == task_id
        if model.route.api.id == "market":
            told = callback_status("market", callback.payload)
            assert told is not None and told.result_urls == status.result_urls
        result = await kie.download(status.result_urls[0])
        assert result.content.startswith(SIGNATURES["image"])
        assert result.content_type == "image/png"
        assert await kie.credit_balance() == before - credits


def dedicated_models(catalog: Catalog) -> list[Model]:
    seen: dict[str, Model] = {}
    for kind in catalog.kinds():
        for model in catalog.models(kind.id, visible_only=False):
            if model.route.api.dedicated and model.orderable:
                seen.setdefault(model.route.api.id, model)
    return list(seen.values())


async def test_every_dedicated_api_in_process(
    catalog: Catalog, autojump_clock: trio.testing.MockClock
) -> None:
    received: list[httpx.Request] = []

    async def callbacks(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(200, json={"code": 200, "msg": "success"})

    models = dedicated_models(catalog)
    assert {m.route.api.id for m in models} >= {"veo", "runway", "suno", "gpt4o_image"}
    async with (
        open_kie_emulator(serve=False, callback_transport=httpx.MockTransport(callbacks)) as emu,
        emulator_client(emu, in_process=True) as kie,
    ):
        for model in models:
            callback = "https://bot.example/kie/callback/x?s=secret"
            task_id = await kie.submit(request_for(model, callback))
            status = await poll(kie, model, task_id)
            assert status.succeeded, model.id
            result = await kie.download(status.result_urls[0])
            assert result.content.startswith(SIGNATURES[model.output.value]), model.id
        await trio.sleep(1)
    assert len(received) == len(models)
