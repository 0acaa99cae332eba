"""What the journey asks the session to read about generations (declared by the jobs
area): the job a press or `/status` names, and the user's recent jobs for History. The
answers are handed to the screens as `Context.requested_job` and `Context.recent_jobs`
(`with_jobs`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from .callbacks import Args, Press
from .context import Context, JobView
from .effects import Lookup

HISTORY_PAGE = 8  # generations per history page
HISTORY_JOBS = HISTORY_PAGE * 10  # History shows the newest ten pages
JOB_CODES = frozenset({"ja", "jp", "jc", "jo", "jd"})
"""Press codes whose first argument is a job id to look up."""


@dataclass(frozen=True, slots=True)
class RecentJobs(Lookup[tuple[JobView, ...]]):
    """The user's newest generations, newest first (a tuple of `JobView`)."""

    limit: int = HISTORY_JOBS


@dataclass(frozen=True, slots=True)
class JobById(Lookup[JobView | None]):
    """One generation by id (a `JobView`, or None); the screens check who may see it."""

    job_id: int


@dataclass(frozen=True, slots=True)
class JobArgs(Args):
    """A press naming a generation (`ja|<job>` … `jd|<job>`, the admin's `aj|<job>`)."""

    job_id: int


def job_named(args: JobArgs) -> Sequence[Lookup[object]]:
    return [JobById(args.job_id)]


def status_job(argument: str) -> Sequence[Lookup[object]]:
    word = (argument or "").split(" ", 1)[0].lstrip("#№")
    return [JobById(int(word))] if word.isdigit() and len(word) < 15 else []


def newest_job(press: Press) -> Sequence[Lookup[object]]:
    """Confirm: the user's newest job, to tell a repeated press how the order went."""
    return [RecentJobs(limit=1)]


def with_jobs(context: Context) -> Context:
    """`context` with the jobs the session found put where the screens read them."""
    recent = context.recent_jobs
    requested = context.requested_job
    for key, value in context.found.items():
        if isinstance(key, RecentJobs) and isinstance(value, tuple):
            recent = value
        elif isinstance(key, JobById) and isinstance(value, JobView):
            requested = value
    if recent is context.recent_jobs and requested is context.requested_job:
        return context
    return replace(context, recent_jobs=recent, requested_job=requested)
