"""The job actor: one generation, from submission to the result in the user's chat.

Its state machine lives in storage (`jobs`), so a restart resumes it where it was:

    created ──(submission begun: marked first)──► submitted(task id) ──► succeeded ──► delivered
       │                                              │                     │
       └──────────────────────────────────────────────┴─────────────────────┴──► failed ──► refunded

- **created**: the user's media (Telegram file ids) are fetched with getFile and streamed to
  KIE's upload API; then the job is marked "submission begun" in storage *before* the request
  to KIE leaves, and gets its task id after. A job found marked but without a task id (the
  process died in between) is never submitted again — KIE may hold a task for it, and a second
  one would be paid for silently — it fails and its hold is released; the user may retry.
- **submitted**: it waits for whichever comes first, KIE's callback (which only wakes it) or
  its own polling with backoff, then reads the task's status.
- **succeeded**: the result is sent with the send method of the model's output kind, by URL;
  the hold is captured and the job marked delivered in one transaction.
- **failed** (KIE failed, or the job's deadline per kind passed): the hold is released, the job
  marked refunded, and the user told in plain words.

The whole run is under one hard deadline (a trio scope) by output kind.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

import structlog
import trio

from trt_actors.catalog import Catalog, MediaInput, MediaKind, NumberInput
from trt_actors.catalog._inputs import Media, ParamValue
from trt_actors.domain.context import NO_SETTINGS
from trt_actors.domain.effects import StartGeneration
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.kie import KieClient, KieError, TaskStatus
from trt_actors.money import consume_free
from trt_actors.observability.correlation import correlations, current_correlation
from trt_actors.observability.metrics import metrics
from trt_actors.storage import Currency, Job, JobState, Store, Tx
from trt_actors.supervisors import Backoff
from trt_actors.telegram.errors import TelegramError

from ._actor import Actor
from .outbound import Outbound

log = structlog.get_logger(__name__)
T = TypeVar("T")

DEADLINES = {MediaKind.IMAGE: 600.0, MediaKind.VIDEO: 1800.0, MediaKind.AUDIO: 900.0}
DEFAULT_DEADLINE = 900.0
POLL = Backoff(initial=2.0, maximum=30.0, factor=1.5, jitter=0.2)
SEND_METHODS = {
    MediaKind.IMAGE: ("sendPhoto", "photo"),
    MediaKind.VIDEO: ("sendVideo", "video"),
    MediaKind.AUDIO: ("sendAudio", "audio"),
}
INTERRUPTED = "the submission to KIE was interrupted; nothing was charged"
NOT_CONFIGURED = "generations are not configured on this bot yet (no KIE key)"

MediaFetcher = Callable[[str], Awaitable[tuple[bytes, str]]]
"""Fetch a Telegram file by id: its bytes and file name (getFile, then the file URL)."""


@dataclass(frozen=True, slots=True)
class JobRuntime:
    """What every job actor of one tenant shares."""

    tenant: str
    store: Store
    outbound: Outbound
    kie: KieClient | None  # None: no KIE_API_KEY, so jobs fail with a clear reason
    catalog: Catalog
    fetch_media: MediaFetcher
    callback_url: Callable[[int], str | None]  # the job's KIE callback URL, if public
    terms: TenantSettings = NO_SETTINGS  # free quota, its time zone, admins


class JobActor(Actor[str]):
    """Runs job `job_id` to a final state, then stops. Send it "callback" to look now."""

    def __init__(self, runtime: JobRuntime, job_id: int, rng: random.Random | None = None) -> None:
        self.rt = runtime
        self.job_id = job_id
        self._wake = trio.Event()
        self._rng = rng or random.Random()

    @property
    def kie(self) -> KieClient:
        if self.rt.kie is None:  # _advance fails such jobs before any KIE call
            raise RuntimeError(NOT_CONFIGURED)
        return self.rt.kie

    async def on_start(self) -> None:
        self.tasks.start_soon(self._run)

    async def handle(self, message: str) -> None:
        if message == "callback":
            self._wake.set()

    async def _run(self) -> None:
        current_correlation.set(f"j{self.job_id}")
        job = await self._job()
        model = self.rt.catalog.find(job.model_id)
        deadline = DEADLINES.get(model.output, DEFAULT_DEADLINE) if model else DEFAULT_DEADLINE
        with trio.move_on_at(job.created_at / 1000 - _wall_offset() + deadline) as scope:
            job = await self._advance(job)
        if scope.cancelled_caught:
            job = await self._fail(await self._job(), "the generation took too long")
        if job.state is JobState.FAILED:
            await self._refund(job)
        self.ref.request_stop()

    async def _advance(self, job: Job) -> Job:
        if self.rt.kie is None and job.state in (JobState.CREATED, JobState.SUBMITTED):
            return await self._fail(job, NOT_CONFIGURED)
        if job.state is JobState.CREATED:
            job = await self._submit(job)
        if job.state is JobState.SUBMITTED:
            job = await self._wait(job)
        if job.state is JobState.SUCCEEDED:
            job = await self._deliver(job)
        return job

    # -- created → submitted --------------------------------------------------------------------

    async def _submit(self, job: Job) -> Job:
        model = self.rt.catalog.find(job.model_id)
        if model is None:
            return await self._fail(job, f"the model {job.model_id} is no longer offered")
        if job.submission_interrupted:
            log.error("job.submission_unknown", job=job.id)  # KIE may hold an orphan task
            return await self._fail(job, INTERRUPTED)
        params, media_ids = kie_params(model, job.params)
        media_urls = {
            name: [await self._upload(fid) for fid in ids] for name, ids in media_ids.items()
        }
        request = model.kie_payload(params, media_urls, self.rt.callback_url(job.id))
        if not await self._tx(lambda tx: tx.jobs.begin_submission(job.id)):
            return await self._fail(job, INTERRUPTED)
        try:
            task_id = await self.kie.submit(request)
        except KieError as exc:
            metrics.kie_calls.labels(self.rt.tenant, "submit", type(exc).__name__).inc()
            return await self._fail(job, exc.message)
        metrics.kie_calls.labels(self.rt.tenant, "submit", "ok").inc()
        correlations.record(self.rt.tenant, "kie_submit", task=task_id, model=job.model_id)
        return await self._tx(
            lambda tx: tx.jobs.transition(job.id, JobState.SUBMITTED, kie_task_id=task_id)
        )

    async def _upload(self, file_id: str) -> str:
        content, name = await self.rt.fetch_media(file_id)
        uploaded = await self.kie.upload(content, file_name=name, size=len(content))
        return uploaded.download_url

    # -- submitted → succeeded | failed ---------------------------------------------------------

    async def _wait(self, job: Job) -> Job:
        model = self.rt.catalog.find(job.model_id)
        assert model is not None and job.kie_task_id is not None
        polls = 0
        while True:
            try:
                status = await self.kie.status(model.route.api, job.kie_task_id)
                metrics.kie_calls.labels(self.rt.tenant, "status", "ok").inc()
            except KieError as exc:
                metrics.kie_calls.labels(self.rt.tenant, "status", type(exc).__name__).inc()
                if not exc.retryable:
                    return await self._fail(job, exc.message)
                status = None
            if status is not None and status.finished:
                return await self._finished(job, status)
            polls += 1
            self._wake = trio.Event()
            with trio.move_on_after(POLL.delay(polls)):
                await self._wake.wait()

    async def _finished(self, job: Job, status: TaskStatus) -> Job:
        correlations.record(self.rt.tenant, "kie_result", task=status.task_id, state=status.state)
        if status.succeeded and status.result_urls:
            urls = list(status.result_urls)
            return await self._tx(
                lambda tx: tx.jobs.transition(job.id, JobState.SUCCEEDED, result_urls=urls)
            )
        reason = status.fail_message or "the model could not make this; try other settings"
        return await self._fail(job, reason)

    # -- succeeded → delivered ------------------------------------------------------------------

    async def _deliver(self, job: Job) -> Job:
        model = self.rt.catalog.find(job.model_id)
        method, field = SEND_METHODS.get(
            model.output if model else MediaKind.FILE, ("sendDocument", "document")
        )
        name = model.name if model else job.model_id
        for url in job.result_urls:
            params = {"chat_id": job.user_id, field: url, "caption": name[:1024]}
            try:
                await self.rt.outbound.call(method, params)
            except TelegramError as exc:  # blocked, or Telegram refused the URL: keep it
                log.warning("job.delivery_failed", job=job.id, error=str(exc))
                return job
        return await self._tx(lambda tx: self._capture(tx, job))

    def _capture(self, tx: Tx, job: Job) -> Job:
        if job.hold_id is not None:
            tx.ledger.capture(job.hold_id, key=f"capture:job:{job.id}", actor="jobs")
        elif job.price == 0:  # a free generation uses one free use (quota, else bonus), once
            now = datetime.datetime.now(datetime.UTC)
            consume_free(tx, self.rt.terms, job.user_id, job.id, now)
        return tx.jobs.transition(job.id, JobState.DELIVERED)

    # -- failure --------------------------------------------------------------------------------

    async def _fail(self, job: Job, reason: str) -> Job:
        log.warning("job.failed", job=job.id, reason=reason)
        return await self._tx(lambda tx: tx.jobs.transition(job.id, JobState.FAILED, error=reason))

    async def _refund(self, job: Job) -> None:
        def refund(tx: Tx) -> None:
            if job.hold_id is not None:
                tx.ledger.release(job.hold_id, key=f"release:job:{job.id}", actor="jobs")
            tx.jobs.transition(job.id, JobState.REFUNDED)

        await self._tx(refund)
        text = f"The generation failed: {job.error or 'unknown error'}. Nothing was charged."
        try:
            await self.rt.outbound.call("sendMessage", {"chat_id": job.user_id, "text": text})
        except TelegramError as exc:
            log.warning("job.failure_notice_failed", job=job.id, error=str(exc))

    # -- storage --------------------------------------------------------------------------------

    async def _job(self) -> Job:
        return await self.rt.store.read(self.rt.tenant, lambda tx: tx.jobs.get(self.job_id))

    async def _tx(self, fn: Callable[[Tx], T]) -> T:
        return await self.rt.store.run(self.rt.tenant, fn)


def kie_params(
    model: Any, params: Mapping[str, Any]
) -> tuple[dict[str, ParamValue], dict[str, Sequence[str]]]:
    """A job's stored params as the catalog takes them, and the media file ids per input."""
    values: dict[str, ParamValue] = {}
    media: dict[str, Sequence[str]] = {}
    for spec in model.inputs:
        if spec.name not in params:
            continue
        value = params[spec.name]
        if isinstance(spec, MediaInput):
            media[spec.name] = list(value)
            values[spec.name] = tuple(Media() for _ in value)
        elif isinstance(spec, NumberInput) and isinstance(value, str):
            values[spec.name] = Fraction(value)
        else:
            values[spec.name] = value
    return values, media


def _wall_offset() -> float:
    """Wall-clock seconds minus trio's clock: turns a stored Unix time into a trio deadline."""
    return time.time() - trio.current_time()


def open_jobs(tx: Tx, effects: Sequence[StartGeneration]) -> list[int]:
    """Inside the session's transaction: for each confirmed generation, hold its price (the
    confirmation's idempotency key is the hold's key) and store the job. A free generation
    holds nothing (price 0); its free use is counted when it is delivered. Returns the new
    jobs' ids, to be started once the transaction committed."""
    job_ids = []
    for effect in effects:
        hold_id = None
        price = 0 if effect.free else effect.price_kopecks
        if price > 0:
            hold = tx.ledger.hold(
                effect.user_id,
                price,
                Currency.RUB,
                key=effect.idempotency_key,
                actor=f"user:{effect.user_id}",
                reference=effect.model_id,
            )
            hold_id = hold.hold_id
        job = tx.jobs.create(
            effect.user_id,
            effect.model_id,
            dict(effect.params),
            price=price,
            currency=Currency.RUB,
            hold_id=hold_id,
        )
        job_ids.append(job.id)
    return job_ids
