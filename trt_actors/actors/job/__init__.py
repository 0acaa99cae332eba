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
- **submitted**: it shows the user a progress message (with Cancel) and the chat action, then
  waits for whichever comes first, KIE's callback (which only wakes it) or its own polling
  with backoff, then reads the task's status. A task still "waiting" after `STUCK_AFTER`
  (by output kind) is replaced by a new one, at most `MAX_RESUBMITS` times (`_resubmit`
  says why that never pays for two tasks silently). A stored Cancel abandons the task.
- **succeeded**: the result is sent with the send method of the model's output kind, by URL,
  with its caption and buttons (Again, Change parameters, Main menu); the hold (or the free
  generation reserved at Confirm) is captured and the job marked delivered in one
  transaction; the progress message gets its last word.
- **failed** (KIE failed, the user cancelled, or the job's deadline per kind passed): the
  hold is released (or the reserved free generation given back), the job marked refunded,
  and the user told in plain words, with Retry. A 402 from KIE (out of credits) fails the
  job as `PAUSED` and pauses the tenant's generations (`CreditPause`); the user is told
  generation is paused and nothing was charged.
- **delivered** with a stored "send again" request (History): the result is sent again,
  its links refreshed through KIE's download-url; nothing is charged.

The whole run is under one hard deadline (a trio scope) by output kind.
"""

from __future__ import annotations

import datetime
import functools
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import structlog
import trio

from trt_actors.catalog import Api, Catalog, KieRequest, MediaKind, Tariff
from trt_actors.domain.context import NO_SETTINGS
from trt_actors.domain.screens.jobs import (
    CANCELLED,
    FILE_TOO_BIG,
    INTERRUPTED,
    KIE_FAILED,
    KIE_REJECTED,
    MODEL_GONE,
    NOT_CONFIGURED,
    PAUSED,
    TIMEOUT,
    UNDELIVERABLE,
)
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.kie import (
    CreditPause,
    KieClient,
    KieError,
    KieOutOfCredits,
    KieProtocolError,
    KieResultError,
    KieValidationError,
    TaskState,
    TaskStatus,
)
from trt_actors.money import consume_free, settle_free
from trt_actors.observability.correlation import correlations, current_correlation
from trt_actors.observability.metrics import metrics
from trt_actors.storage import Job, JobState, Store, Tx
from trt_actors.supervisors import Backoff

from .._actor import Actor
from ..outbound import Outbound
from .messages import PROGRESS_EVERY, TEXT_RESULT, JobMessages, text_result_url
from .opening import kie_params

log = structlog.get_logger(__name__)
T = TypeVar("T")

DEADLINES = {MediaKind.IMAGE: 600.0, MediaKind.VIDEO: 1800.0, MediaKind.AUDIO: 900.0}
DEFAULT_DEADLINE = 900.0
POLL = Backoff(initial=2.0, maximum=30.0, factor=1.5, jitter=0.2)
# A task still in KIE's "waiting" this long (seconds, by output kind) is replaced by a new
# one, at most MAX_RESUBMITS times per job (see JobActor._resubmit).
STUCK_AFTER = {MediaKind.IMAGE: 150.0, MediaKind.VIDEO: 480.0, MediaKind.AUDIO: 240.0}
DEFAULT_STUCK_AFTER = 240.0
MAX_RESUBMITS = 2
DELIVERY_RETRIES = (10.0, 60.0, 180.0)  # waits between attempts to deliver a made result

MediaFetcher = Callable[[str], Awaitable[tuple[bytes, str]]]
"""Fetch a Telegram file by id: its bytes and file name (getFile, then the file URL)."""


class MediaTooBig(Exception):
    """A user's file is larger than a bot may download: said by Telegram, or found while
    downloading (the download stops there). The job fails with `FILE_TOO_BIG`."""

    def __init__(self, file_id: str, limit: int) -> None:
        super().__init__(f"file {file_id} is over {limit} bytes")
        self.file_id = file_id
        self.limit = limit


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
    tariff: Tariff | None = None  # for the texts' money; the catalog's default when None
    wall_clock: Callable[[], float] = time.time  # Unix seconds (tests pass a virtual one)
    terms: TenantSettings = NO_SETTINGS  # free quota, its time zone, admins
    pause: CreditPause | None = None  # the tenant's "KIE is out of credits" state


class JobActor(Actor[str]):
    """Runs job `job_id` to a final state, then stops. Send it "callback" to look now (a KIE
    callback, or the user's Cancel or Send again stored by the session)."""

    def __init__(self, runtime: JobRuntime, job_id: int, rng: random.Random | None = None) -> None:
        self.rt = runtime
        self.job_id = job_id
        self._wake = trio.Event()
        self._rng = rng or random.Random()
        self._messages: JobMessages | None = None
        self._submitting: trio.Event | None = None  # set once a submission begun is recorded

    @property
    def kie(self) -> KieClient:
        if self.rt.kie is None:  # _advance fails such jobs before any KIE call
            raise RuntimeError(NOT_CONFIGURED)
        return self.rt.kie

    @property
    def messages(self) -> JobMessages:
        assert self._messages is not None, "set at the start of _run"
        return self._messages

    async def on_start(self) -> None:
        self.tasks.start_soon(self._run)

    async def on_stop(self) -> None:
        """A graceful stop (a partition given back, a deploy) lets a submission in flight
        finish and its task id be stored, within the child's grace (`JOB_GRACE`): cut
        short, the job could only fail as interrupted, since KIE may hold a task for it.
        Anything else the job was doing stops at once and resumes from storage."""
        if self._submitting is not None:
            await self._submitting.wait()

    async def handle(self, message: str) -> None:
        if message == "callback":
            self._wake.set()

    async def _run(self) -> None:
        current_correlation.set(f"j{self.job_id}")
        job = await self._job()
        language = await self.rt.store.read(self.rt.tenant, lambda tx: _language(tx, job.user_id))
        self._messages = JobMessages(self.rt, job, language)
        if job.state is JobState.DELIVERED and job.redeliver_requested_at is not None:
            await self._redeliver(job)
            self.ref.request_stop()
            return
        model = self.rt.catalog.find(job.model_id)
        deadline = DEADLINES.get(model.output, DEFAULT_DEADLINE) if model else DEFAULT_DEADLINE
        with trio.move_on_at(job.created_at / 1000 - self._wall_offset() + deadline) as scope:
            job = await self._advance(job)
        if scope.cancelled_caught:
            job = await self._fail(await self._job(), TIMEOUT)
        if job.state is JobState.FAILED:
            await self._refund(job)
        self.ref.request_stop()

    def _wall_offset(self) -> float:
        """Wall-clock seconds minus trio's clock: turns a stored Unix time into a deadline."""
        return self.rt.wall_clock() - trio.current_time()

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
            return await self._fail(job, MODEL_GONE)
        if job.cancel_requested_at is not None:
            return await self._fail(job, CANCELLED)
        if job.submission_interrupted:
            log.error("job.submission_unknown", job=job.id)  # KIE may hold an orphan task
            return await self._fail(job, INTERRUPTED)
        try:
            request = await self._request(job)
        except MediaTooBig as exc:
            log.warning("job.media_too_big", job=job.id, limit=exc.limit)
            return await self._fail(job, FILE_TOO_BIG)
        self._submitting = trio.Event()
        try:
            return await self._submit_marked(job, request)
        finally:
            self._submitting.set()

    async def _submit_marked(self, job: Job, request: KieRequest) -> Job:
        """Mark the submission begun, send it, store its task id (see `on_stop`)."""
        if not await self._tx(lambda tx: tx.jobs.begin_submission(job.id)):
            return await self._fail(job, INTERRUPTED)
        try:
            task_id = await self.kie.submit(request)
        except KieError as exc:
            metrics.kie_calls.labels(self.rt.tenant, "submit", type(exc).__name__).inc()
            if isinstance(exc, KieOutOfCredits):
                self._out_of_credits(exc)
                return await self._fail(job, PAUSED)
            return await self._fail(job, kie_reason(exc))
        metrics.kie_calls.labels(self.rt.tenant, "submit", "ok").inc()
        if self.rt.pause is not None:
            self.rt.pause.resume("KIE accepted a task")
        correlations.record(self.rt.tenant, "kie_submit", task=task_id, model=job.model_id)
        return await self._tx(
            lambda tx: tx.jobs.transition(job.id, JobState.SUBMITTED, kie_task_id=task_id)
        )

    def _out_of_credits(self, exc: KieOutOfCredits) -> None:
        """KIE has no credits for this tenant's tasks: pause its generations (new orders
        are refused; the credits watcher alerts the admins and resumes them)."""
        if self.rt.pause is not None:
            self.rt.pause.pause(exc.message)

    async def _request(self, job: Job) -> KieRequest:
        """The KIE request for the job: its media uploaded to KIE, its params from storage."""
        model = self.rt.catalog.find(job.model_id)
        assert model is not None
        params, media_ids = kie_params(model, job.params)
        media_urls = {
            name: [await self._upload(fid) for fid in ids] for name, ids in media_ids.items()
        }
        return model.kie_payload(params, media_urls, self.rt.callback_url(job.id))

    async def _upload(self, file_id: str) -> str:
        content, name = await self.rt.fetch_media(file_id)
        uploaded = await self.kie.upload(content, file_name=name, size=len(content))
        return uploaded.download_url

    # -- submitted → succeeded | failed ---------------------------------------------------------

    async def _wait(self, job: Job) -> Job:
        model = self.rt.catalog.find(job.model_id)
        assert model is not None and job.kie_task_id is not None
        stuck_after = STUCK_AFTER.get(model.output, DEFAULT_STUCK_AFTER)
        waiting_since = trio.current_time()
        polls = 0
        generating = False
        while True:
            job = await self._job()
            if job.cancel_requested_at is not None:
                log.info("job.cancelled", job=job.id, task=job.kie_task_id)
                return await self._fail(job, CANCELLED)
            assert job.kie_task_id is not None
            status = await self._status(model.route.api, job.kie_task_id)
            if isinstance(status, str):
                return await self._fail(job, status)
            if status is not None and status.finished:
                return await self._finished(job, status)
            if status is not None and status.state is not TaskState.WAITING:
                waiting_since = trio.current_time()  # queued or generating: not stuck
                generating = generating or status.state is TaskState.GENERATING
            elif status is not None and trio.current_time() - waiting_since >= stuck_after:
                job = await self._resubmit(job)
                waiting_since = trio.current_time()
            await self.messages.progress(generating=generating, cancellable=True, force=polls == 0)
            shown = self.messages.message_id
            if shown is not None and shown != job.progress_message_id:
                await self._tx(functools.partial(_remember_progress, job_id=job.id, shown=shown))
            polls += 1
            self._wake = trio.Event()
            with trio.move_on_after(min(POLL.delay(polls), PROGRESS_EVERY)):
                await self._wake.wait()

    async def _status(self, api: Api, task_id: str) -> TaskStatus | str | None:
        """The task's status; None when KIE could not say now (retry later); the failure
        reason (str) when it never will."""
        try:
            status = await self.kie.status(api, task_id)
        except KieError as exc:
            metrics.kie_calls.labels(self.rt.tenant, "status", type(exc).__name__).inc()
            return None if worth_asking_again(exc) else kie_reason(exc)
        metrics.kie_calls.labels(self.rt.tenant, "status", "ok").inc()
        return status

    async def _resubmit(self, job: Job) -> Job:
        """Replace a task stuck in KIE's "waiting" by a new one, at most MAX_RESUBMITS times.

        Why this never pays for two tasks silently: only a task KIE still reports as
        "waiting" (never started, so it has consumed nothing) is replaced; the replacement
        is counted in storage *before* the new request leaves, so a crash can neither loop
        nor exceed the bound; every replacement is logged with both task ids
        (`job.resubmitted`, level warning) and counted in metrics; the user's hold is one
        and is captured once, whichever task delivers. A request that fails leaves the job
        waiting for the task it had."""
        stuck = job.kie_task_id
        assert stuck is not None
        if not await self._tx(
            lambda tx: tx.jobs.count_resubmission(job.id, stuck, limit=MAX_RESUBMITS)
        ):
            return job
        try:
            new_task = await self.kie.submit(await self._request(job))
        except KieError as exc:
            metrics.kie_calls.labels(self.rt.tenant, "resubmit", type(exc).__name__).inc()
            if isinstance(exc, KieOutOfCredits):
                self._out_of_credits(exc)
            log.warning("job.resubmit_failed", job=job.id, stuck_task=stuck, error=exc.message)
            return await self._job()
        metrics.kie_calls.labels(self.rt.tenant, "resubmit", "ok").inc()
        log.warning("job.resubmitted", job=job.id, stuck_task=stuck, task=new_task)
        correlations.record(self.rt.tenant, "kie_resubmit", task=new_task, stuck=stuck)
        return await self._tx(lambda tx: tx.jobs.replace_task(job.id, stuck, new_task))

    async def _finished(self, job: Job, status: TaskStatus) -> Job:
        correlations.record(self.rt.tenant, "kie_result", task=status.task_id, state=status.state)
        if status.succeeded and (status.result_urls or status.result_text):
            urls = list(status.result_urls) or [text_result_url(status.result_text or "")]
            return await self._tx(
                lambda tx: tx.jobs.transition(job.id, JobState.SUCCEEDED, result_urls=urls)
            )
        return await self._fail(job, KIE_FAILED + (status.fail_message or ""))

    # -- succeeded → delivered ------------------------------------------------------------------

    async def _deliver(self, job: Job) -> Job:
        """Send the result and capture; Telegram refusing it is tried again after each of
        `DELIVERY_RETRIES` (within the job's deadline); after the last the job fails as
        undeliverable and its hold is released — never held for ever."""
        made = job
        for wait in (*DELIVERY_RETRIES, None):
            if await self.messages.result(made.result_urls):
                delivered = await self._tx(lambda tx: self._capture(tx, made))
                await self.messages.final("delivered")
                return delivered
            if wait is None:
                break
            await trio.sleep(wait)
        return await self._fail(made, UNDELIVERABLE)

    def _capture(self, tx: Tx, job: Job) -> Job:
        if job.hold_id is not None:
            tx.ledger.capture(job.hold_id, key=f"capture:job:{job.id}", actor="jobs")
        elif job.price == 0 and settle_free(tx, job.id, delivered=True) is None:
            # a free job confirmed before free uses were reserved: its use is taken now
            now = datetime.datetime.fromtimestamp(self.rt.wall_clock(), datetime.UTC)
            consume_free(tx, self.rt.terms, job.user_id, job.id, now)
        return tx.jobs.transition(job.id, JobState.DELIVERED)

    async def _redeliver(self, job: Job) -> None:
        """Send a delivered result again, each link refreshed first when KIE can (its links
        expire; download-url renews them); nothing is charged. When it cannot be sent (its
        files are gone: an old generation, or one brought over from the old bot), the user
        is told so instead of hearing nothing."""
        urls = [await self._fresh(url) for url in job.result_urls]
        if not await self.messages.result(urls):
            await self.messages.resend_failed()
        await self._tx(lambda tx: tx.jobs.redelivered(job.id, urls))

    async def _fresh(self, url: str) -> str:
        if self.rt.kie is None or url.startswith(TEXT_RESULT):
            return url
        try:
            return await self.kie.download_url(url)
        except KieError as exc:  # an old link may still work: try it as it is
            log.info("job.link_not_refreshed", job=self.job_id, error=exc.message)
            return url

    # -- failure --------------------------------------------------------------------------------

    async def _fail(self, job: Job, reason: str) -> Job:
        log.warning("job.failed", job=job.id, reason=reason)
        return await self._tx(lambda tx: tx.jobs.transition(job.id, JobState.FAILED, error=reason))

    async def _refund(self, job: Job) -> None:
        def refund(tx: Tx) -> None:
            if job.hold_id is not None:
                tx.ledger.release(job.hold_id, key=f"release:job:{job.id}", actor="jobs")
            elif job.price == 0:  # its reserved free generation is given back, once
                settle_free(tx, job.id, delivered=False)
            tx.jobs.transition(job.id, JobState.REFUNDED)

        await self._tx(refund)
        await self.messages.final("cancelled" if job.error == CANCELLED else "failed")
        await self.messages.failure(job.error)

    # -- storage --------------------------------------------------------------------------------

    async def _job(self) -> Job:
        return await self.rt.store.read(self.rt.tenant, lambda tx: tx.jobs.get(self.job_id))

    async def _tx(self, fn: Callable[[Tx], T]) -> T:
        return await self.rt.store.run(self.rt.tenant, fn)


def _remember_progress(tx: Tx, *, job_id: int, shown: int) -> None:
    tx.jobs.set_progress_message(job_id, shown)


def _language(tx: Tx, user_id: int) -> str | None:
    user = tx.users.find(user_id)
    return user.language if user is not None else None


def worth_asking_again(exc: KieError) -> bool:
    """Whether a failed status read says nothing about the task: KIE could not answer now
    (`retryable`), or its answer could not be read (a proxy's error page in place of KIE's
    JSON). Reading a status repeats nothing, so the job asks again at its next poll, within
    its deadline. A task's result that is malformed (`KieResultError`) stays malformed."""
    unreadable = isinstance(exc, KieProtocolError) and not isinstance(exc, KieResultError)
    return exc.retryable or unreadable


def kie_reason(exc: KieError) -> str:
    """A KIE error as the reason a job stores: the user sees KIE's words for a refusal of
    the request (validation) or a failed generation, plain words for the rest."""
    if isinstance(exc, KieValidationError):
        return KIE_REJECTED + exc.message
    return KIE_FAILED + exc.message
