"""Jobs: the stored state machine of one generation, so a job survives restarts.

::

    created -> submitted(kie_task_id) -> succeeded -> delivered
       |            |                        |
       +------------+------------------------+--> failed -> refunded

`delivered` and `refunded` are final; every other state is "unfinished" and is resumed at
boot. A transition is one conditional UPDATE: it happens once even when two callers race
(a KIE callback and a poll), and repeating the transition a job is already in is a no-op.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from trt_actors.model import JobState

from ._errors import InvalidState, NotFound
from ._money import Currency
from ._repo import Repo
from ._sql import Row, dump_json, load_json

__all__ = ["Job", "JobState", "Jobs"]

_COLUMNS = (
    "id, user_id, model_id, params, state, kie_task_id, price, currency, hold_id, result_urls,"
    " error, deadline_at, created_at, updated_at, submitted_at, finished_at, submit_started_at,"
    " resubmits, progress_message_id, cancel_requested_at, redeliver_requested_at, imported_at"
)


_ALLOWED: dict[JobState, frozenset[JobState]] = {
    JobState.SUBMITTED: frozenset({JobState.CREATED}),
    JobState.SUCCEEDED: frozenset({JobState.SUBMITTED}),
    JobState.FAILED: frozenset({JobState.CREATED, JobState.SUBMITTED, JobState.SUCCEEDED}),
    JobState.DELIVERED: frozenset({JobState.SUCCEEDED}),
    JobState.REFUNDED: frozenset({JobState.FAILED}),
}
FINAL_STATES = frozenset({JobState.DELIVERED, JobState.REFUNDED})


@dataclasses.dataclass(frozen=True, slots=True)
class Job:
    """One generation. `price` is in minor units of `currency`; 0 for a free generation."""

    id: int
    user_id: int
    model_id: str
    params: dict[str, Any]
    state: JobState
    kie_task_id: str | None
    price: int
    currency: Currency
    hold_id: int | None
    result_urls: list[str]
    error: str | None
    deadline_at: int | None
    created_at: int
    updated_at: int
    submitted_at: int | None
    finished_at: int | None
    submit_started_at: int | None = None  # set just before the request to KIE leaves
    resubmits: int = 0  # tasks stuck in "waiting" replaced by a new one (counted first)
    progress_message_id: int | None = None  # the chat message showing its progress
    cancel_requested_at: int | None = None  # the user pressed Cancel
    redeliver_requested_at: int | None = None  # the user asked for the result again
    imported_at: int | None = None  # brought over from another system: a past item, never run

    @property
    def submission_interrupted(self) -> bool:
        """Submission began but no task id was recorded: KIE may hold an orphan task."""
        return self.state is JobState.CREATED and self.submit_started_at is not None

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES


def _job(row: Row) -> Job:
    return Job(
        id=row["id"],
        user_id=row["user_id"],
        model_id=row["model_id"],
        params=load_json(row["params"]),
        state=JobState(row["state"]),
        kie_task_id=row["kie_task_id"],
        price=row["price"],
        currency=Currency(row["currency"]),
        hold_id=row["hold_id"],
        result_urls=load_json(row["result_urls"]),
        error=row["error"],
        deadline_at=row["deadline_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        submitted_at=row["submitted_at"],
        finished_at=row["finished_at"],
        submit_started_at=row["submit_started_at"],
        resubmits=row["resubmits"],
        progress_message_id=row["progress_message_id"],
        cancel_requested_at=row["cancel_requested_at"],
        redeliver_requested_at=row["redeliver_requested_at"],
        imported_at=row["imported_at"],
    )


class Jobs(Repo):
    """Create, advance and find jobs of the bound tenant."""

    def create(
        self,
        user_id: int,
        model_id: str,
        params: Mapping[str, Any],
        *,
        price: int,
        currency: Currency,
        hold_id: int | None = None,
        deadline_at: int | None = None,
    ) -> Job:
        """Store a new job in state ``created``."""
        if type(price) is not int or price < 0:
            raise ValueError(f"price must be a non-negative int, got {price!r}")
        row = self._db.one(
            f"""INSERT INTO jobs (tenant_id, user_id, model_id, params, state, price, currency,
                                  hold_id, result_urls, deadline_at, created_at, updated_at)
                VALUES (:t, :u, :model, :params, 'created', :price, :c, :hold, '[]',
                        :deadline, :now, :now)
                RETURNING {_COLUMNS}""",
            self._params(
                u=user_id,
                model=model_id,
                params=dump_json(dict(params)),
                price=price,
                c=Currency(currency).value,
                hold=hold_id,
                deadline=deadline_at,
            ),
        )
        assert row is not None
        return _job(row)

    def transition(
        self,
        job_id: int,
        to: JobState,
        *,
        kie_task_id: str | None = None,
        result_urls: Sequence[str] | None = None,
        error: str | None = None,
    ) -> Job:
        """Move the job to `to`; return it. A job already in `to` is returned unchanged.

        ``submitted`` needs `kie_task_id`; ``succeeded`` stores `result_urls`; ``failed``
        stores `error`. Raises `InvalidState` for a transition the machine does not allow,
        `NotFound` for an unknown job.
        """
        to = JobState(to)
        if to is JobState.SUBMITTED and not kie_task_id:
            raise ValueError("a submitted job needs its kie_task_id")
        sources = sorted(s.value for s in _ALLOWED.get(to, frozenset()))
        placeholders = ", ".join(f":s{i}" for i in range(len(sources)))
        row = self._db.one(
            f"""UPDATE jobs SET state = :to, updated_at = :now,
                    kie_task_id = COALESCE(:task, kie_task_id),
                    result_urls = COALESCE(:urls, result_urls),
                    error = COALESCE(:error, error),
                    submitted_at = CASE WHEN :to = 'submitted' THEN :now ELSE submitted_at END,
                    finished_at = CASE WHEN :to IN ('delivered', 'refunded') THEN :now
                                       ELSE finished_at END
                WHERE tenant_id = :t AND id = :id AND state IN ({placeholders})
                RETURNING {_COLUMNS}""",
            self._params(
                id=job_id,
                to=to.value,
                task=kie_task_id,
                error=error,
                urls=None if result_urls is None else dump_json(list(result_urls)),
                **{f"s{i}": s for i, s in enumerate(sources)},
            ),
        )
        if row is not None:
            return _job(row)
        job = self.get(job_id)
        if job.state is to:
            return job
        raise InvalidState(f"job {job_id} is {job.state}, cannot become {to}")

    def count_by_state(self) -> dict[str, int]:
        """How many jobs are in each state (for metrics)."""
        rows = self._db.execute(
            "SELECT state, count(*) AS n FROM jobs WHERE tenant_id = :t GROUP BY state",
            self._params(),
        )
        return {str(r["state"]): int(r["n"]) for r in rows}

    def begin_submission(self, job_id: int) -> bool:
        """Mark the job as being submitted, once: True if this caller may send the request
        to KIE now; False if a submission was already begun (never send a second one)."""
        return bool(
            self._db.run(
                """UPDATE jobs SET submit_started_at = :now, updated_at = :now
                   WHERE tenant_id = :t AND id = :id AND state = 'created'
                     AND submit_started_at IS NULL""",
                self._params(id=job_id),
            )
        )

    def count_resubmission(self, job_id: int, stuck_task_id: str, *, limit: int) -> bool:
        """Count one replacement of the stuck task `stuck_task_id`, before the new request
        leaves: True if this caller may send it (the job still has that task and fewer than
        `limit` replacements); False otherwise (never send the request then)."""
        return bool(
            self._db.run(
                """UPDATE jobs SET resubmits = resubmits + 1, updated_at = :now
                   WHERE tenant_id = :t AND id = :id AND state = 'submitted'
                     AND kie_task_id = :task AND resubmits < :lim""",
                self._params(id=job_id, task=stuck_task_id, lim=limit),
            )
        )

    def replace_task(self, job_id: int, stuck_task_id: str, new_task_id: str) -> Job:
        """The job now waits for `new_task_id` (its waiting time counts from now)."""
        self._db.run(
            """UPDATE jobs SET kie_task_id = :new, submitted_at = :now, updated_at = :now
               WHERE tenant_id = :t AND id = :id AND state = 'submitted' AND kie_task_id = :old""",
            self._params(id=job_id, old=stuck_task_id, new=new_task_id),
        )
        return self.get(job_id)

    def set_progress_message(self, job_id: int, message_id: int) -> None:
        """Remember the chat message that shows the job's progress."""
        self._db.run(
            """UPDATE jobs SET progress_message_id = :m, updated_at = :now
               WHERE tenant_id = :t AND id = :id""",
            self._params(id=job_id, m=message_id),
        )

    def request_cancel(self, job_id: int, user_id: int) -> bool:
        """The owner asks to cancel: True if the job is still cancellable (not yet
        succeeded), False for another user's job or one too far along."""
        return bool(
            self._db.run(
                """UPDATE jobs SET cancel_requested_at = COALESCE(cancel_requested_at, :now),
                          updated_at = :now
                   WHERE tenant_id = :t AND id = :id AND user_id = :u
                     AND state IN ('created', 'submitted')""",
                self._params(id=job_id, u=user_id),
            )
        )

    def request_redelivery(self, job_id: int, user_id: int) -> bool:
        """The owner asks for a delivered result again: True if there is one to send."""
        return bool(
            self._db.run(
                """UPDATE jobs SET redeliver_requested_at = :now, updated_at = :now
                   WHERE tenant_id = :t AND id = :id AND user_id = :u AND state = 'delivered'""",
                self._params(id=job_id, u=user_id),
            )
        )

    def redelivered(self, job_id: int, result_urls: Sequence[str]) -> Job:
        """The result was sent again (with refreshed links): clear the request."""
        self._db.run(
            """UPDATE jobs SET redeliver_requested_at = NULL, result_urls = :urls,
                      updated_at = :now
               WHERE tenant_id = :t AND id = :id""",
            self._params(id=job_id, urls=dump_json(list(result_urls))),
        )
        return self.get(job_id)

    def get(self, job_id: int) -> Job:
        """The job; raises `NotFound`."""
        row = self._db.one(
            f"SELECT {_COLUMNS} FROM jobs WHERE tenant_id = :t AND id = :id",
            self._params(id=job_id),
        )
        if row is None:
            raise NotFound("job", job_id)
        return _job(row)

    def by_task(self, kie_task_id: str) -> Job | None:
        """The job submitted as KIE task `kie_task_id`, or None."""
        row = self._db.one(
            f"SELECT {_COLUMNS} FROM jobs WHERE tenant_id = :t AND kie_task_id = :task",
            self._params(task=kie_task_id),
        )
        return None if row is None else _job(row)

    def unfinished(self, *, after_id: int = 0, limit: int = 100) -> list[Job]:
        """Jobs not yet delivered or refunded, by id (to resume at boot), paged."""
        rows = self._db.execute(
            f"""SELECT {_COLUMNS} FROM jobs
                WHERE tenant_id = :t AND state NOT IN ('delivered', 'refunded') AND id > :after
                ORDER BY id LIMIT :lim""",
            self._params(after=after_id, lim=limit),
        )
        return [_job(row) for row in rows]

    def redeliveries_pending(self, *, after_id: int = 0, limit: int = 100) -> list[Job]:
        """Delivered jobs whose owner asked for the result again and did not get it yet (a
        run ended in between), by id, paged: resumed at boot like unfinished ones."""
        rows = self._db.execute(
            f"""SELECT {_COLUMNS} FROM jobs
                WHERE tenant_id = :t AND state = 'delivered'
                  AND redeliver_requested_at IS NOT NULL AND id > :after
                ORDER BY id LIMIT :lim""",
            self._params(after=after_id, lim=limit),
        )
        return [_job(row) for row in rows]

    def users_of(self, job_ids: Sequence[int]) -> dict[int, int]:
        """The user of each of `job_ids` that exists."""
        if not job_ids:
            return {}
        marks = ", ".join(f":j{i}" for i in range(len(job_ids)))
        rows = self._db.execute(
            f"SELECT id, user_id FROM jobs WHERE tenant_id = :t AND id IN ({marks})",
            self._params(**{f"j{i}": job_id for i, job_id in enumerate(job_ids)}),
        )
        return {int(row["id"]): int(row["user_id"]) for row in rows}

    def for_user(self, user_id: int, *, limit: int = 20) -> list[Job]:
        """The user's jobs, newest first."""
        rows = self._db.execute(
            f"""SELECT {_COLUMNS} FROM jobs WHERE tenant_id = :t AND user_id = :u
                ORDER BY id DESC LIMIT :lim""",
            self._params(u=user_id, lim=limit),
        )
        return [_job(row) for row in rows]
