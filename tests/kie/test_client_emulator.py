"""The client against the emulator over real loopback HTTP: every fault, files, credits."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from fractions import Fraction

import httpx
import pytest
import trio

from trt_actors.emulators.kie import (
    FaultKind,
    KieEmulator,
    KieEmulatorConfig,
    Schedule,
    open_kie_emulator,
)
from trt_actors.kie import (
    KieAuthError,
    KieClient,
    KieError,
    KieGenerationFailed,
    KieOutOfCredits,
    KieProtocolError,
    KieRateLimited,
    KieResultError,
    KieResultGone,
    KieServerError,
    KieTaskNotFound,
    KieTimeout,
    KieTimeouts,
    KieTransportError,
    KieUnavailable,
    KieValidationError,
    TaskState,
    UploadedFile,
)

from .support import emulator_client

PROMPT = {"prompt": "a red fox"}


@pytest.fixture
async def emu() -> AsyncIterator[KieEmulator]:
    config = KieEmulatorConfig(
        credits=Fraction(100), prices={"z-image": Fraction(4, 5)}, schedule=Schedule(0.02, 0.05)
    )
    async with open_kie_emulator(config) as emulator:
        yield emulator


@pytest.fixture
async def kie(emu: KieEmulator) -> AsyncIterator[KieClient]:
    async with emulator_client(emu) as client:
        yield client


async def poll(kie: KieClient, task_id: str) -> TaskState:
    with trio.fail_after(5):
        while not (status := await kie.record_info(task_id)).finished:
            await trio.sleep(0.02)
    return status.state


FINAL: list[tuple[FaultKind, type[KieError]]] = [
    (FaultKind.AUTH, KieAuthError),
    (FaultKind.NO_CREDITS, KieOutOfCredits),
    (FaultKind.VALIDATION, KieValidationError),
    (FaultKind.GENERATION_FAILED, KieGenerationFailed),
    (FaultKind.MALFORMED_BODY, KieProtocolError),
]
TRANSIENT: list[tuple[FaultKind, type[KieError]]] = [
    (FaultKind.RATE_LIMIT, KieRateLimited),
    (FaultKind.MAINTENANCE, KieUnavailable),
    (FaultKind.SERVER_ERROR, KieServerError),
    (FaultKind.HTTP_ERROR, KieServerError),
]


@pytest.mark.parametrize(("kind", "cls"), FINAL)
async def test_final_faults(
    emu: KieEmulator, kie: KieClient, kind: FaultKind, cls: type[KieError]
) -> None:
    emu.ctl.inject(kind, "market.submit", message="prompt is not allowed")
    with pytest.raises(cls) as caught:
        await kie.create_task("z-image", PROMPT)
    if isinstance(caught.value, KieValidationError):
        assert caught.value.message == "prompt is not allowed"
    assert emu.ctl.tasks() == []


@pytest.mark.parametrize(("kind", "cls"), TRANSIENT)
async def test_transient_faults_retried_then_raised_at_deadline(
    emu: KieEmulator, kie: KieClient, kind: FaultKind, cls: type[KieError]
) -> None:
    emu.ctl.inject(kind, "credit", times=2)
    assert await kie.credit_balance(timeout=5) == 100
    emu.ctl.inject(kind, "credit", times=None)
    with pytest.raises((cls, KieTimeout)) as caught:
        await kie.credit_balance(timeout=0.2)
    error = caught.value
    # the last error, or (when pacing used up the time) a timeout that names it
    assert isinstance(error.last_error if isinstance(error, KieTimeout) else error, cls)


async def test_wrong_key(emu: KieEmulator) -> None:
    async with KieClient(
        "wrong-key-000000", base_url=emu.base_url, upload_base_url=emu.upload_base_url
    ) as kie:
        with pytest.raises(KieAuthError):
            await kie.credit_balance()


async def test_hang_is_a_timeout_and_drop_a_transport_error(
    emu: KieEmulator, kie: KieClient
) -> None:
    emu.ctl.inject(FaultKind.HANG, "market.status", times=None)
    with pytest.raises(KieTimeout):
        await kie.record_info("anything", timeout=0.3)
    emu.ctl.clear_faults()
    emu.ctl.inject(FaultKind.DROP, "market.submit")
    with pytest.raises(KieTransportError) as caught:
        await kie.create_task("z-image", PROMPT)
    assert caught.value.request_sent  # an uncertain submit is not repeated
    emu.ctl.inject(FaultKind.DROP, "market.status", times=1)
    with pytest.raises(KieTaskNotFound):  # the retry after the drop reached the emulator
        await kie.record_info("nope")


async def test_read_timeout_per_phase(emu: KieEmulator) -> None:
    timeouts = KieTimeouts(connect=1, read=0.1, write=1, pool=1, attempt=5)
    async with emulator_client(emu, timeouts=timeouts) as kie:
        emu.ctl.inject(FaultKind.HANG, "market.submit")
        with trio.fail_after(2), pytest.raises(KieTransportError):
            await kie.create_task("z-image", PROMPT)


async def test_task_faults(emu: KieEmulator, kie: KieClient) -> None:
    emu.ctl.inject(FaultKind.FAIL, "market", code=422, message="prohibited content")
    failed = await kie.create_task("z-image", PROMPT)
    assert await poll(kie, failed) is TaskState.FAIL
    status = await kie.record_info(failed)
    assert (status.fail_code, status.fail_message) == ("422", "prohibited content")
    emu.ctl.inject(FaultKind.MALFORMED_RESULT, "market")
    broken = await kie.create_task("z-image", PROMPT)
    await emu.ctl.wait_for_state(broken, "success")
    with pytest.raises(KieResultError):
        await kie.record_info(broken)
    emu.ctl.inject(FaultKind.STUCK)
    stuck = await kie.create_task("z-image", PROMPT)
    await trio.sleep(0.2)
    assert (await kie.record_info(stuck)).state is TaskState.WAITING


async def test_credits_are_exact_and_refunded_on_failure(emu: KieEmulator, kie: KieClient) -> None:
    task_id = await kie.create_task("z-image", PROMPT)
    assert await kie.credit_balance() == Fraction(496, 5)  # 100 - 0.8
    assert await poll(kie, task_id) is TaskState.SUCCESS
    status = await kie.record_info(task_id)
    assert status.credits_consumed == Fraction(4, 5)
    emu.ctl.inject(FaultKind.FAIL, "market")
    failed = await kie.create_task("z-image", PROMPT)
    await poll(kie, failed)
    assert await kie.credit_balance() == Fraction(496, 5)
    emu.ctl.set_credits(Fraction(1, 2))
    with pytest.raises(KieOutOfCredits):
        await kie.create_task("z-image", PROMPT)


async def test_download_and_refresh_of_an_expired_link(emu: KieEmulator, kie: KieClient) -> None:
    task_id = await kie.create_task("z-image", PROMPT)
    await poll(kie, task_id)
    url = (await kie.record_info(task_id)).result_urls[0]
    first = await kie.download(url)
    assert first.content.startswith(b"\x89PNG") and first.content_type == "image/png"
    emu.ctl.expire_results(task_id)
    with pytest.raises(KieResultGone):
        await kie.download(url, refresh=False)
    again = await kie.download(url)
    assert again.content == first.content and again.url != url
    with pytest.raises(KieValidationError):
        await kie.download_url("https://elsewhere.example/x.png")


async def test_download_limit(emu: KieEmulator, kie: KieClient) -> None:
    task_id = await kie.create_task("z-image", PROMPT)
    await poll(kie, task_id)
    url = (await kie.record_info(task_id)).result_urls[0]
    with pytest.raises(KieError, match="limit"):
        await kie.download(url, max_bytes=10)


async def chunks(total: int, size: int, seen: list[int]) -> AsyncIterator[bytes]:
    for offset in range(0, total, size):
        seen.append(offset)
        await trio.sleep(0)
        yield bytes((offset // size) % 256 for _ in range(min(size, total - offset)))


async def test_upload_streams_an_async_iterator(emu: KieEmulator, kie: KieClient) -> None:
    seen: list[int] = []
    total = 3 * 1024 * 1024 + 17
    uploaded = await kie.upload(
        chunks(total, 64 * 1024, seen), file_name="clip.mp4", content_type="video/mp4"
    )
    assert isinstance(uploaded, UploadedFile)
    assert uploaded.size == total and uploaded.mime_type == "video/mp4"
    assert uploaded.file_path == "trt/clip.mp4"
    [(path, data)] = emu.ctl.uploads()
    assert path == "trt/clip.mp4" and len(data) == total
    assert data[64 * 1024] == 1 and len(seen) == 49
    fetched = await kie.download(uploaded.download_url)
    assert fetched.content == data


async def test_upload_file_object_and_bytes(emu: KieEmulator, kie: KieClient) -> None:
    payload = bytes(range(256)) * 4000
    source = io.BytesIO(b"skip" + payload)
    source.seek(4)
    emu.ctl.inject(FaultKind.SERVER_ERROR, "upload")  # replayable sources are retried
    first = await kie.upload(source, file_name="a.bin", upload_path="/users/7/")
    second = await kie.upload(b"small", file_name="b.txt", content_type="text/plain")
    uploads = dict(emu.ctl.uploads())
    assert uploads["users/7/a.bin"] == payload and first.size == len(payload)
    assert uploads["trt/b.txt"] == b"small" and second.mime_type == "text/plain"


async def test_one_shot_upload_is_not_repeated_after_it_was_sent(
    emu: KieEmulator, kie: KieClient
) -> None:
    emu.ctl.inject(FaultKind.DROP, "upload")
    with pytest.raises(KieTransportError):
        await kie.upload(chunks(1000, 100, []), file_name="x.bin")
    assert emu.ctl.uploads() == []


async def test_upload_sends_content_length_when_size_is_known() -> None:
    seen: dict[str, str] = {}

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.update(request.headers)
        body = await request.aread()
        assert int(request.headers["content-length"]) == len(body)
        data = {"downloadUrl": "https://f.example/x", "fileName": "x", "fileSize": 5}
        return httpx.Response(200, json={"success": True, "code": 200, "data": data})

    async with KieClient("k" * 10, transport=httpx.MockTransport(handler)) as kie:
        await kie.upload(b"hello", file_name="x")
    assert "transfer-encoding" not in seen
    assert seen["content-type"].startswith("multipart/form-data; boundary=")
