"""A result reaches the chat the way its size allows: by URL when Telegram can fetch it
(photos ≤ 5 MB, others ≤ 20 MB), uploaded up to 50 MB (photos over 10 MB as documents),
else as a link that says how long it works. The size comes from a HEAD request."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import trio
import trio.testing

from trt_actors.catalog import MediaKind, Model
from trt_actors.domain.callbacks import encode
from trt_actors.storage import JobState
from trt_actors.telegram.errors import BadRequest
from trt_actors.telegram.http_bot_api import TelegramFile

from .support import TENANT, JobWorld, RecordingBot, job_world

MB = 1_000_000


class SizedFiles(httpx.AsyncBaseTransport):
    """A result host: ``http://files.test/<bytes>/<name>`` is a file of that many bytes."""

    def __init__(self) -> None:
        self.heads = 0
        self.gets = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        size = int(request.url.path.split("/")[1])
        headers = {"content-length": str(size), "content-type": "application/octet-stream"}
        if request.method == "HEAD":
            self.heads += 1
            return httpx.Response(200, headers=headers, stream=httpx.ByteStream(b""))
        self.gets += 1
        body = b"\0" * size if size <= 50 * MB else b""
        return httpx.Response(200, headers=headers, stream=httpx.ByteStream(body))


def model_of(w: JobWorld, output: MediaKind) -> Model:
    return next(
        m
        for m in w.catalog.models()
        if m.output is output and m.route.api.id == "market" and m.orderable
        if all(type(i).__name__ != "MediaInput" for i in m.inputs if i.required)
    )


async def succeeded_job(w: JobWorld, model: Model, urls: list[str]) -> int:
    job_id = await w.paid_job(model)

    def finish(tx: Any) -> None:
        tx.jobs.transition(job_id, JobState.SUBMITTED, kie_task_id=f"task-{job_id}")
        tx.jobs.transition(job_id, JobState.SUCCEEDED, result_urls=urls)

    await w.store.run(TENANT, finish)
    return job_id


@pytest.mark.parametrize(
    ("output", "size", "method", "way"),
    [
        (MediaKind.IMAGE, 3 * MB, "sendPhoto", "url"),
        (MediaKind.IMAGE, 8 * MB, "sendPhoto", "upload"),
        (MediaKind.IMAGE, 12 * MB, "sendDocument", "upload"),
        (MediaKind.VIDEO, 15 * MB, "sendVideo", "url"),
        (MediaKind.VIDEO, 30 * MB, "sendVideo", "upload"),
        (MediaKind.AUDIO, 60 * MB, "sendMessage", "link"),
    ],
)
async def test_the_way_follows_the_size(
    autojump_clock: trio.testing.MockClock, output: MediaKind, size: int, method: str, way: str
) -> None:
    files = SizedFiles()
    async with job_world(files=files) as w:
        url = f"http://files.test/{size}/result.bin"
        job_id = await succeeded_job(w, model_of(w, output), [url])
        job = await w.run_job(job_id)
        assert job.state is JobState.DELIVERED and job.result_urls == [url]  # kept on the job
        [sent] = w.bot.of(method)
        assert files.heads == 1
        field = {"sendPhoto": "photo", "sendVideo": "video", "sendDocument": "document"}
        if way == "url":
            assert sent[field[method]] == url and files.gets == 0
        elif way == "upload":
            upload = sent[field[method]]
            assert isinstance(upload, TelegramFile) and len(upload.data) == size
            assert upload.name == "result.bin"
        else:
            assert url in sent["text"] and "24" in sent["text"] and "60 MB" in sent["text"]
            assert encode("ja", job_id) in str(sent["reply_markup"])
        if way != "link":
            assert sent["caption"].startswith(model_of(w, output).name)


async def test_a_url_telegram_cannot_fetch_is_uploaded_instead(
    autojump_clock: trio.testing.MockClock,
) -> None:
    def refuse_urls(method: str, params: Any) -> Exception | None:
        if method == "sendPhoto" and isinstance(params.get("photo"), str):
            return BadRequest("Bad Request: failed to get HTTP URL content")
        return None

    files = SizedFiles()
    async with job_world(files=files, bot=RecordingBot(refuse_urls)) as w:
        url = f"http://files.test/{2 * MB}/result.png"
        job_id = await succeeded_job(w, model_of(w, MediaKind.IMAGE), [url])
        job = await w.run_job(job_id)
        assert job.state is JobState.DELIVERED
        [photo] = w.bot.of("sendPhoto")
        assert isinstance(photo["photo"], TelegramFile) and files.gets == 1
