"""What a running job keeps beyond its state, on both backends: the bounded count of
replaced tasks, the progress message, and the owner's Cancel and Send-again requests."""

from __future__ import annotations

from trt_actors.storage import Currency, Job, JobState, Store, Tx

from .support import TENANT, add_users


async def submitted_job(store: Store, owner: int = 7) -> Job:
    await add_users(store, owner, 8)

    def create(tx: Tx) -> Job:
        job = tx.jobs.create(owner, "flux", {"prompt": "cat"}, price=0, currency=Currency.RUB)
        return tx.jobs.transition(job.id, JobState.SUBMITTED, kie_task_id="t-1")

    return await store.run(TENANT, create)


async def test_a_stuck_task_is_replaced_within_the_bound(store: Store) -> None:
    job = await submitted_job(store)

    async def count(task: str) -> bool:
        return await store.run(TENANT, lambda tx: tx.jobs.count_resubmission(job.id, task, limit=2))

    assert await count("t-1") is True
    assert await count("t-0") is False  # not the task the job waits for: nothing counted
    replaced = await store.run(TENANT, lambda tx: tx.jobs.replace_task(job.id, "t-1", "t-2"))
    assert (replaced.kie_task_id, replaced.resubmits) == ("t-2", 1)
    assert await count("t-2") is True
    assert await count("t-2") is False  # the bound holds even without a replacement stored
    assert (await store.read(TENANT, lambda tx: tx.jobs.get(job.id))).resubmits == 2


async def test_cancel_and_send_again_are_the_owners_and_only_when_they_apply(
    store: Store,
) -> None:
    job = await submitted_job(store)
    assert await store.run(TENANT, lambda tx: tx.jobs.request_cancel(job.id, 8)) is False
    assert await store.run(TENANT, lambda tx: tx.jobs.request_redelivery(job.id, 7)) is False
    assert await store.run(TENANT, lambda tx: tx.jobs.request_cancel(job.id, 7)) is True
    asked = await store.read(TENANT, lambda tx: tx.jobs.get(job.id))
    assert asked.cancel_requested_at is not None

    def deliver(tx: Tx) -> None:
        tx.jobs.transition(job.id, JobState.SUCCEEDED, result_urls=["https://r/1.png"])
        tx.jobs.transition(job.id, JobState.DELIVERED)

    await store.run(TENANT, deliver)
    assert await store.run(TENANT, lambda tx: tx.jobs.request_cancel(job.id, 7)) is False
    assert await store.run(TENANT, lambda tx: tx.jobs.request_redelivery(job.id, 8)) is False
    assert await store.run(TENANT, lambda tx: tx.jobs.request_redelivery(job.id, 7)) is True
    await store.run(TENANT, lambda tx: tx.jobs.set_progress_message(job.id, 42))
    sent = await store.run(TENANT, lambda tx: tx.jobs.redelivered(job.id, ["https://r/2.png"]))
    assert sent.redeliver_requested_at is None and sent.result_urls == ["https://r/2.png"]
    assert sent.progress_message_id == 42


async def test_a_send_again_not_done_is_found_to_resume_at_boot(store: Store) -> None:
    job = await submitted_job(store)

    def deliver(tx: Tx) -> None:
        tx.jobs.transition(job.id, JobState.SUCCEEDED, result_urls=["https://r/1.png"])
        tx.jobs.transition(job.id, JobState.DELIVERED)

    await store.run(TENANT, deliver)
    pending = await store.read(TENANT, lambda tx: tx.jobs.redeliveries_pending())
    assert pending == []  # delivered, nothing asked
    await store.run(TENANT, lambda tx: tx.jobs.request_redelivery(job.id, 7))
    pending = await store.read(TENANT, lambda tx: tx.jobs.redeliveries_pending())
    assert [found.id for found in pending] == [job.id]
    await store.run(TENANT, lambda tx: tx.jobs.redelivered(job.id, ["https://r/2.png"]))
    assert await store.read(TENANT, lambda tx: tx.jobs.redeliveries_pending()) == []
