"""The storage side of the journey's job lookups: History's list and a job by id."""

from __future__ import annotations

import datetime

from trt_actors.domain.context import JobView
from trt_actors.domain.job_lookups import JobById, RecentJobs
from trt_actors.storage import Job, NotFound, Tx

from .performers import AreaPerformers, Site

PERFORMERS = AreaPerformers("jobs")


def job_view(job: Job) -> JobView:
    """A stored job as the journey sees it."""
    return JobView(
        job_id=str(job.id),
        model_id=job.model_id,
        state=job.state,
        created_at=datetime.datetime.fromtimestamp(job.created_at / 1000, datetime.UTC),
        price_kopecks=job.price,
        free=job.price == 0,
        owner_id=job.user_id,
        params=dict(job.params),
        result_urls=tuple(job.result_urls),
        error=job.error,
    )


@PERFORMERS.reads(RecentJobs)
def _recent(tx: Tx, lookup: RecentJobs, site: Site) -> tuple[JobView, ...]:
    return tuple(job_view(job) for job in tx.jobs.for_user(site.user_id, limit=lookup.limit))


@PERFORMERS.reads(JobById)
def _by_id(tx: Tx, lookup: JobById, site: Site) -> JobView | None:
    try:
        return job_view(tx.jobs.get(lookup.job_id))
    except NotFound:
        return None
