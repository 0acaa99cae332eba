"""The tenant's generation jobs: the KIE client, the `jobs` supervisor and the job resumer."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

import httpx
import structlog
import trio

from trt_actors.actors import ActorRef, actor_child
from trt_actors.actors.job import JobActor, JobRuntime
from trt_actors.cluster import partition_of
from trt_actors.coordination import Coordination
from trt_actors.kie import KieClient, local_poll_bucket, submit_bucket
from trt_actors.mailboxes import MailboxError
from trt_actors.outgoing_tls import ClientOnFirstUse
from trt_actors.settings import Settings
from trt_actors.storage import Job, Store, Tx
from trt_actors.supervisors import ChildSpec, DynamicSupervisor, Restart

log = structlog.get_logger(__name__)

Jobs = DynamicSupervisor[int, ActorRef[str]]  # one job actor per job id

MAX_JOBS = 5_000
# A stopping job keeps its state in storage and is resumed at the next start; only a KIE
# submission in flight is waited for, up to this long, so its task id is not lost.
JOB_GRACE = 5.0
FILE_DOWNLOAD_TIMEOUT = httpx.Timeout(10.0, read=60.0)
RESUME_PAGE = 100


@asynccontextmanager
async def open_kie(
    settings: Settings, coordination: Coordination
) -> AsyncIterator[KieClient | None]:
    """The KIE client (pacing shared through `coordination`), or None without KIE_API_KEY."""
    if settings.kie_api_key is None:
        yield None
        return
    async with KieClient(
        settings.kie_api_key.get_secret_value(),
        base_url=settings.kie_api_base_url,
        upload_base_url=settings.kie_upload_base_url,
        submit_bucket=submit_bucket(coordination),
        poll_bucket=local_poll_bucket(),
    ) as client:
        yield client


@asynccontextmanager
async def open_file_client() -> AsyncIterator[ClientOnFirstUse]:
    """The HTTP client that downloads users' files from Telegram for jobs (built on the
    first download)."""
    client = ClientOnFirstUse(timeout=FILE_DOWNLOAD_TIMEOUT)
    try:
        yield client
    finally:
        await client.aclose()


def jobs_supervisor(runtime: Callable[[], JobRuntime], tenant: str) -> Jobs:
    """One JobActor per job id; a job that finishes stops for good (transient)."""

    def job(job_id: int) -> ChildSpec:
        spec, _ = actor_child(
            f"job:{job_id}",
            lambda: JobActor(runtime(), job_id),
            restart=Restart.TRANSIENT,
            shutdown=JOB_GRACE,
            tenant=tenant,
            key=str(job_id),
        )
        return spec

    return DynamicSupervisor("jobs", job, max_children=MAX_JOBS)


async def resume_jobs(tenant: str, store: Store, jobs: Jobs, partitions: frozenset[int]) -> int:
    """Start an actor for every job of the users of `partitions` left unfinished (by an
    earlier run, or by an instance that owned them before), and for every delivered one
    whose "send again" was asked for and not done; how many. The partition owner calls it
    for the partitions it takes, before their new updates are handled."""
    resumed = 0
    for pending in (_unfinished, _redeliveries):
        after = 0
        while True:
            page = await store.read(tenant, functools.partial(pending, after=after))
            for job in page:
                if partition_of(job.user_id) in partitions:
                    await jobs.get_or_start(job.id)
                    resumed += 1
            if len(page) < RESUME_PAGE:
                break
            after = page[-1].id
    if resumed:
        log.info("jobs.resumed", tenant=tenant, jobs=resumed)
    return resumed


async def stop_jobs(tenant: str, store: Store, jobs: Jobs, partitions: frozenset[int]) -> int:
    """Stop the job actors of the users of `partitions` (given back: their next owner
    resumes them from storage); how many."""
    running = jobs.keys()
    if not running:
        return 0
    users = await store.read(tenant, lambda tx: tx.jobs.users_of(running))
    mine = [job_id for job_id, user in users.items() if partition_of(user) in partitions]
    async with trio.open_nursery() as stops:
        for job_id in mine:
            stops.start_soon(jobs.stop_child, job_id)
    return len(mine)


def _unfinished(tx: Tx, *, after: int) -> list[Job]:
    return tx.jobs.unfinished(after_id=after, limit=RESUME_PAGE)


def _redeliveries(tx: Tx, *, after: int) -> list[Job]:
    return tx.jobs.redeliveries_pending(after_id=after, limit=RESUME_PAGE)


async def wake_job(jobs: Jobs, job_id: int) -> object:
    """Start the job's actor if it is not running, and make it look now."""
    ref = await jobs.get_or_start(job_id)
    try:
        ref.send_nowait("callback")
    except MailboxError:  # stopping, or its mailbox is full: it reads storage anyway
        return False
    return True


def wake_on_callback(jobs: Mapping[str, Jobs], tenant_id: str, job_id: int) -> bool:
    """A KIE callback arrived for a job: nudge its actor if it runs (it then reads the task's
    state itself). False when no such job runs or its mailbox refuses (it polls anyway)."""
    tenant_jobs = jobs.get(tenant_id)
    ref = tenant_jobs.get(job_id) if tenant_jobs is not None else None
    if ref is None:
        return False
    try:
        ref.send_nowait("callback")
    except MailboxError:
        return False
    return True
