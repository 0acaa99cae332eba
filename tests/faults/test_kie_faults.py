"""KIE misbehaving while a paid generation runs: the job actor against the KIE emulator
in-process, on trio's MockClock (tests/jobs/support.py).

Each test checks what the user sees (the result, or a failure notice that says nothing was
charged, with Try again), where the money went, and what the operator sees: the log event and
`trt_kie_calls_total`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import pytest
import trio
import trio.testing
from structlog.testing import capture_logs

from trt_actors.domain.callbacks import encode
from trt_actors.emulators.kie import FaultKind, Schedule
from trt_actors.kie import callback_signature
from trt_actors.observability.metrics import metrics
from trt_actors.routes.kie_callback import add_kie_callback_route, callback_url
from trt_actors.storage import JobState
from trt_actors.telegram.errors import BadRequest
from trt_actors.web import HTTPServer, Router

from ..jobs.support import PRICE, TENANT, JobWorld, RecordingBot, job_world
from .support import named

KEY = "tenant-secret-key"


def kie_calls(call: str, result: str) -> float:
    """`trt_kie_calls_total` for the test tenant, one call and result."""
    labels = {"tenant": TENANT, "call": call, "result": result}
    return metrics.registry.get_sample_value("trt_kie_calls_total", labels) or 0.0


def buttons(params: Mapping[str, Any]) -> list[str]:
    markup = params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


async def told_nothing_was_charged(w: JobWorld, job_id: int, *details: str) -> None:
    """The user's last message says the generation failed, why, that nothing was charged,
    and offers Try again; the hold is released and the balance untouched."""
    notice = w.bot.of("sendMessage")[-1]
    assert notice["text"].startswith("❌") and "nothing was charged" in notice["text"]
    for detail in details:
        assert detail in notice["text"]
    assert encode("ja", job_id) in buttons(notice)  # Try again
    assert not w.bot.of("sendPhoto")
    account = await w.account()
    assert (account.balance, account.held) == (10_000, 0)


async def delivered_and_charged_once(w: JobWorld) -> None:
    [photo] = w.bot.of("sendPhoto")
    assert photo["caption"].endswith("9 ₽")
    account = await w.account()
    assert (account.balance, account.held) == (10_000 - PRICE, 0)


FINAL_SUBMIT_FAULTS: list[tuple[FaultKind, dict[str, Any], str, str, str]] = [
    # (fault, options, the client's error, what the user reads, the operator's event)
    (
        FaultKind.VALIDATION,
        {"message": "prompt is too long"},
        "KieValidationError",
        "the model refused these settings (prompt is too long)",
        "kie.call_failed",
    ),
    (FaultKind.AUTH, {}, "KieAuthError", "the model could not make it", "kie.operator_alert"),
    (
        FaultKind.HTTP_ERROR,
        {"status": 403, "message": "Forbidden"},
        "KieAuthError",
        "the model could not make it",
        "kie.operator_alert",
    ),
    (
        FaultKind.GENERATION_FAILED,
        {},
        "KieGenerationFailed",
        "the model could not make it (Generation Failed)",
        "kie.call_failed",
    ),
    (
        FaultKind.SERVER_ERROR,
        {"code": 505, "message": "This feature is disabled"},
        "KieFeatureDisabled",
        "the model could not make it",
        "kie.operator_alert",
    ),
]


# 402 (KIE out of credits) pauses generations instead: tests/jobs/test_out_of_credits.py
@pytest.mark.parametrize(
    ("kind", "options", "error", "reason", "event"),
    FINAL_SUBMIT_FAULTS,
    ids=["422-validation", "401-key", "403-http", "501-failed", "505-disabled"],
)
async def test_a_submit_kie_refuses_for_good_releases_the_hold_and_tells_the_user(
    autojump_clock: trio.testing.MockClock,
    *,
    kind: FaultKind,
    options: dict[str, Any],
    error: str,
    reason: str,
    event: str,
) -> None:
    counted = kie_calls("submit", error)
    with capture_logs() as logs:
        async with job_world() as w:
            w.kie_emu.ctl.inject(kind, "market.submit", **options)
            job_id = await w.paid_job()
            job = await w.run_job(job_id)
            assert job.state is JobState.REFUNDED
            assert w.kie_emu.ctl.tasks() == []  # no task, so nothing spent at KIE either
            await told_nothing_was_charged(w, job_id, reason)
            assert trio.current_time() < 5  # at once, not at the job's deadline
    assert kie_calls("submit", error) == counted + 1
    [refused] = named(logs, event)
    assert refused["error"] == error and refused["attempts"] == 1  # never retried
    assert refused["log_level"] == ("error" if event == "kie.operator_alert" else "info")
    assert [entry["job"] for entry in named(logs, "job.failed")] == [job_id]


PASSING_FAULTS: list[tuple[FaultKind, str, dict[str, Any], str, str, tuple[str, str]]] = [
    # (fault, endpoint, options, the operator's event, its error, the kie_calls that grows)
    (FaultKind.RATE_LIMIT, "market.submit", {}, "kie.retry", "KieRateLimited", ("submit", "ok")),
    (
        FaultKind.SERVER_ERROR,
        "market.submit",
        {"times": 2},
        "kie.retry",
        "KieServerError",
        ("submit", "ok"),
    ),
    (
        FaultKind.MAINTENANCE,
        "market.status",
        {"times": 3},
        "kie.retry",
        "KieUnavailable",
        ("status", "ok"),
    ),
    (FaultKind.DROP, "market.status", {}, "kie.retry", "KieTransportError", ("status", "ok")),
    (FaultKind.HANG, "market.status", {}, "kie.call_timeout", "", ("status", "KieTimeout")),
    (
        FaultKind.MALFORMED_BODY,
        "market.status",
        {},
        "kie.call_failed",
        "KieProtocolError",
        ("status", "KieProtocolError"),
    ),
]


@pytest.mark.parametrize(
    ("kind", "endpoint", "options", "event", "error", "counted_as"),
    PASSING_FAULTS,
    ids=["429-submit", "5xx-submit", "455-status", "reset-status", "hang-status", "html-status"],
)
async def test_a_passing_kie_fault_is_waited_out_and_the_result_delivered(
    autojump_clock: trio.testing.MockClock,
    *,
    kind: FaultKind,
    endpoint: str,
    options: dict[str, Any],
    event: str,
    error: str,
    counted_as: tuple[str, str],
) -> None:
    """A fault that passes costs the user time, never the result or money twice: the client
    retries within the call's deadline (`kie.retry`), or the job asks again at its next poll
    (the status read counted with its error)."""
    counted = kie_calls(*counted_as)
    with capture_logs() as logs:
        async with job_world() as w:
            w.kie_emu.ctl.inject(kind, endpoint, **options)
            job_id = await w.paid_job()
            job = await w.run_job(job_id)
            assert job.state is JobState.DELIVERED
            assert len(w.kie_emu.ctl.tasks()) == 1  # one task, paid once
            await delivered_and_charged_once(w)
    seen = named(logs, event)
    assert seen and all(entry.get("error", "") == error for entry in seen)
    assert kie_calls(*counted_as) >= counted + 1


@pytest.mark.parametrize("kind", [FaultKind.HANG, FaultKind.DROP], ids=["timeout", "reset"])
async def test_a_submit_that_got_no_answer_is_never_sent_again(
    autojump_clock: trio.testing.MockClock, kind: FaultKind
) -> None:
    """No answer to a submit (KIE silent until the attempt's deadline, or the connection
    reset once the request left): KIE may have made the task, and it has no idempotency key,
    so the job does not send it again — it fails, the hold is released, the user is told."""
    counted = kie_calls("submit", "KieTransportError")
    with capture_logs() as logs:
        async with job_world() as w:
            w.kie_emu.ctl.inject(kind, "market.submit")
            job_id = await w.paid_job()
            job = await w.run_job(job_id)
            assert job.state is JobState.REFUNDED
            assert len(w.kie_emu.ctl.calls("market.submit")) == 1
            await told_nothing_was_charged(w, job_id, "the model could not make it")
            assert trio.current_time() < 60  # the attempt's deadline (45 s), not the job's
    assert kie_calls("submit", "KieTransportError") == counted + 1
    [failed] = named(logs, "kie.call_failed")
    assert failed["error"] == "KieTransportError" and failed["attempts"] == 1


async def test_kie_5xx_past_the_submit_deadline_fails_the_job_without_charge(
    autojump_clock: trio.testing.MockClock,
) -> None:
    counted = kie_calls("submit", "KieServerError")
    with capture_logs() as logs:
        async with job_world() as w:
            w.kie_emu.ctl.inject(FaultKind.SERVER_ERROR, "market.submit", times=None)
            job_id = await w.paid_job()
            job = await w.run_job(job_id)
            assert job.state is JobState.REFUNDED and w.kie_emu.ctl.tasks() == []
            await told_nothing_was_charged(w, job_id, "the model could not make it")
            assert trio.current_time() <= 61  # the submit's own deadline: 60 s
    assert kie_calls("submit", "KieServerError") == counted + 1
    assert len(named(logs, "kie.retry")) >= 3  # backing off in between
    [failed] = named(logs, "kie.call_failed")
    assert failed["error"] == "KieServerError"


async def test_kie_status_that_never_answers_ends_at_the_jobs_deadline(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with capture_logs() as logs:
        async with job_world() as w:
            w.kie_emu.ctl.inject(FaultKind.HANG, "market.status", times=None)
            job_id = await w.paid_job()
            job = await w.run_job(job_id)
            assert job.state is JobState.REFUNDED and job.error == "timeout"
            assert 600 <= trio.current_time() < 700  # the image deadline: 10 minutes
            await told_nothing_was_charged(w, job_id, "it took too long")
            assert w.bot.of("editMessageText")[-1]["text"].startswith("❌")  # progress: failed
    assert len(named(logs, "kie.call_timeout")) >= 3
    assert named(logs, "job.failed")[-1]["reason"] == "timeout"


@pytest.mark.parametrize(
    ("kind", "options", "error", "reason"),
    [
        (FaultKind.MALFORMED_RESULT, {}, "KieResultError", "resultJson is not valid JSON"),
        (
            FaultKind.SERVER_ERROR,
            {"code": 404, "message": "recordInfo is null"},
            "KieTaskNotFound",
            "recordInfo is null",
        ),
    ],
    ids=["unparsable-result", "task-not-found"],
)
async def test_a_status_that_can_never_deliver_fails_the_job_without_charge(
    autojump_clock: trio.testing.MockClock,
    kind: FaultKind,
    options: dict[str, Any],
    error: str,
    reason: str,
) -> None:
    counted = kie_calls("status", error)
    with capture_logs() as logs:
        async with job_world() as w:
            target = None if kind is FaultKind.MALFORMED_RESULT else "market.status"
            w.kie_emu.ctl.inject(kind, target, **options)
            job_id = await w.paid_job()
            job = await w.run_job(job_id)
            assert job.state is JobState.REFUNDED and reason in (job.error or "")
            await told_nothing_was_charged(w, job_id, "the model could not make it")
    assert kie_calls("status", error) == counted + 1
    assert reason in named(logs, "job.failed")[-1]["reason"]


class ResultHost(httpx.AsyncBaseTransport):
    """Where result files live: every file answers `status`; with `size` (bytes, streamed),
    a file that big whose HEAD declares no length."""

    def __init__(self, status: int = 200, size: int = 0) -> None:
        self.status = status
        self.size = size
        self.requests: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request.method)
        if self.status != 200:
            return httpx.Response(self.status, text="Not Found")
        if request.method == "HEAD":
            return httpx.Response(200, headers={"content-type": "image/png"})
        return httpx.Response(
            200, headers={"content-type": "image/png"}, stream=Megabytes(self.size)
        )


class Megabytes(httpx.AsyncByteStream):
    """`size` bytes, a megabyte at a time, never held whole."""

    CHUNK = b"\0" * 1_000_000

    def __init__(self, size: int) -> None:
        self.size = size

    async def __aiter__(self) -> AsyncIterator[bytes]:
        left = self.size
        while left > 0:
            yield self.CHUNK[: min(left, len(self.CHUNK))]
            left -= len(self.CHUNK)
            await trio.lowlevel.checkpoint()


def refuse_urls(method: str, params: Mapping[str, Any]) -> Exception | None:
    """Telegram, when it cannot fetch a file by URL itself (gone, or over its 5 MB)."""
    if method in ("sendPhoto", "sendDocument") and isinstance(params.get("photo"), str):
        return BadRequest("Bad Request: wrong file identifier/HTTP URL specified")
    return None


async def test_a_result_link_that_answers_404_releases_the_hold_and_tells_the_user(
    autojump_clock: trio.testing.MockClock,
) -> None:
    host = ResultHost(status=404)
    with capture_logs() as logs:
        async with job_world(files=host, bot=RecordingBot(refuse_urls)) as w:
            job_id = await w.paid_job()
            job = await w.run_job(job_id)
            assert job.state is JobState.REFUNDED and job.error == "undeliverable"
            await told_nothing_was_charged(w, job_id, "Telegram would not take the result")
            assert "GET" in host.requests  # the bot tried to fetch it itself
    delivery = named(logs, "job.delivery_failed")
    assert len(delivery) == 4  # tried again after 10 s, 60 s and 180 s
    assert all(entry["log_level"] == "warning" for entry in delivery)
    assert named(logs, "job.failed")[-1]["reason"] == "undeliverable"


async def test_a_result_too_big_for_telegram_comes_as_a_link(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """The result host declares no size and Telegram cannot fetch the file itself: the bot
    downloads it to upload, stops at the 50 MB limit, and sends the link instead."""
    host = ResultHost(size=60_000_000)
    async with job_world(files=host, bot=RecordingBot(refuse_urls)) as w:
        job_id = await w.paid_job()
        job = await w.run_job(job_id)
        assert job.state is JobState.DELIVERED
        [link] = [m for m in w.bot.of("sendMessage") if "too big" in m["text"]]
        assert job.result_urls[0] in link["text"] and "24 h" in link["text"]
        assert encode("ja", job_id) in buttons(link)  # Again, as under a file
        assert not w.bot.of("sendPhoto", "sendDocument") and "GET" in host.requests
        account = await w.account()
        assert (account.balance, account.held) == (10_000 - PRICE, 0)  # it was delivered


async def test_a_forged_callback_is_refused_and_wakes_nothing() -> None:
    """Someone posts to the callback URL: without the job's secret, or (KIE's HMAC key set)
    without KIE's signature, it is refused 401 and logged; the job is not even woken."""
    woken: list[tuple[str, int]] = []

    def wake(tenant: str, job: int) -> bool:
        woken.append((tenant, job))
        return True

    router = Router()
    add_kie_callback_route(
        router, key_of=lambda tenant: KEY, wake_job=wake, hmac_key="kie-hmac-key-0123456789"
    )
    body = {"code": 200, "data": {"taskId": "t-1", "state": "success"}}
    with capture_logs() as logs:
        async with trio.open_nursery() as nursery:
            port = await nursery.start(HTTPServer(router).serve, "127.0.0.1", 0)
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(timeout=5) as client:
                guessed = f"{base}/kie/callback/default/7?s=guessed"
                assert (await client.post(guessed, json=body)).status_code == 401
                unsigned = callback_url(base, KEY, "default", 7)  # a leaked URL, no signature
                assert (await client.post(unsigned, json=body)).status_code == 401
                signed = {
                    "X-Webhook-Timestamp": str(int(time.time())),
                    "X-Webhook-Signature": callback_signature(
                        "kie-hmac-key-0123456789", "t-1", int(time.time())
                    ),
                }
                real = await client.post(unsigned, json=body, headers=signed)
                assert real.status_code == 200  # KIE's own callback still gets through
            nursery.cancel_scope.cancel()
    assert woken == [("default", 7)]
    rejected = named(logs, "kie.callback_rejected")
    assert [entry["log_level"] for entry in rejected] == ["warning", "warning"]
    assert "secret" in rejected[0]["reason"] and "HMAC" in rejected[1]["reason"]


async def test_a_callback_only_wakes_the_job_which_asks_kie_itself(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """Callbacks that claim the task is done while KIE still generates (repeated, or forged
    with a leaked secret) deliver nothing: the job reads the status from KIE."""
    async with job_world(Schedule(waiting=1.0, generating=100.0)) as w:
        job_id = await w.paid_job()

        async def knock() -> None:
            await trio.sleep(5)
            for _ in range(3):
                w.refs[-1].send_nowait("callback")
                await trio.sleep(1)
            job = await w.job(job_id)
            assert job.state is JobState.SUBMITTED and not w.bot.of("sendPhoto")

        async with trio.open_nursery() as nursery:
            nursery.start_soon(knock)
            job = await w.run_job(job_id)
        assert job.state is JobState.DELIVERED
        [sent_at] = w.bot.times("sendPhoto")
        assert sent_at >= 101  # when KIE said so, once
        await delivered_and_charged_once(w)


async def test_without_a_kie_key_a_paid_job_fails_at_once_without_charge(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with capture_logs() as logs:
        async with job_world() as w:
            w.runtime = dataclasses.replace(w.runtime, kie=None)  # no KIE_API_KEY
            job_id = await w.paid_job()
            job = await w.run_job(job_id)
            assert job.state is JobState.REFUNDED and job.error == "not_configured"
            await told_nothing_was_charged(w, job_id, "generations are not set up on this bot")
            assert trio.current_time() < 5 and w.kie_emu.ctl.calls("market.submit") == []
    assert named(logs, "job.failed")[-1]["reason"] == "not_configured"
