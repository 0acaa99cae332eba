"""What the session reads about jobs before handling an update, until the session's
generic lookups step exists: the job a press or `/status` names, and the user's recent
jobs for History. Pure helpers; the session runs them inside its read transaction."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from trt_actors.domain.callbacks import decode
from trt_actors.domain.context import JobView
from trt_actors.domain.job_presses import JOB_CODES
from trt_actors.domain.screens.jobs import HISTORY_PAGE
from trt_actors.domain.updates import Incoming, Kind
from trt_actors.storage import Job

HISTORY_JOBS = HISTORY_PAGE * 10  # History shows the newest ten pages


@dataclass(frozen=True, slots=True)
class Wanted:
    """The job an update names (by id) and how many recent jobs it lists (0: none)."""

    job_id: int | None = None
    recent: int = 0


@dataclass(frozen=True, slots=True)
class JobLookups:
    recent: tuple[JobView, ...] = ()
    requested: JobView | None = None


def lookups_for(incoming: Incoming) -> Wanted:
    """What `incoming` needs: a job's buttons and `/status <id>` name a job; History
    (the `h` screen, `/history`) lists the recent ones."""
    if incoming.kind is Kind.CALLBACK:
        press = decode(incoming.callback_data or "")
        if press is None:
            return Wanted()
        if press.code in JOB_CODES:
            return Wanted(job_id=press.number(0))
        return Wanted(recent=HISTORY_JOBS if press.code == "h" else 0)
    if incoming.kind is Kind.COMMAND:
        if incoming.command == "history":
            return Wanted(recent=HISTORY_JOBS)
        if incoming.command == "status":
            word = (incoming.argument or "").split(" ", 1)[0].lstrip("#№")
            return Wanted(job_id=int(word) if word.isdigit() and len(word) < 15 else None)
    return Wanted()


def job_view(job: Job) -> JobView:
    """A stored job as the journey sees it."""
    return JobView(
        job_id=str(job.id),
        model_id=job.model_id,
        state=job.state.value,
        created_at=datetime.datetime.fromtimestamp(job.created_at / 1000, datetime.UTC),
        price_kopecks=job.price,
        free=job.price == 0,
        owner_id=job.user_id,
        params=dict(job.params),
        result_urls=tuple(job.result_urls),
        error=job.error,
    )
