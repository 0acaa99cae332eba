"""A job's submission to KIE is begun once; an interrupted one is recognisable after a crash."""

from __future__ import annotations

from trt_actors.storage import Currency, JobState, Store

from .support import TENANT, add_users


async def test_submission_is_begun_once_and_an_interrupted_one_shows(store: Store) -> None:
    await add_users(store, 7)
    job = await store.run(
        TENANT,
        lambda tx: tx.jobs.create(7, "flux", {"prompt": "cat"}, price=0, currency=Currency.RUB),
    )
    assert not job.submission_interrupted
    assert await store.run(TENANT, lambda tx: tx.jobs.begin_submission(job.id)) is True
    assert await store.run(TENANT, lambda tx: tx.jobs.begin_submission(job.id)) is False
    interrupted = await store.read(TENANT, lambda tx: tx.jobs.get(job.id))
    assert interrupted.submission_interrupted  # what a restart finds if the process died here
    submitted = await store.run(
        TENANT, lambda tx: tx.jobs.transition(job.id, JobState.SUBMITTED, kie_task_id="t-1")
    )
    assert not submitted.submission_interrupted
