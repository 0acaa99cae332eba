"""A free generation's reserved use follows its job, like a money hold (trio's MockClock,
the KIE emulator in-process): reserved at Confirm, kept when the result is delivered, given
back when the job fails or the user cancels it — and money is never touched."""

from __future__ import annotations

import trio
import trio.testing

from trt_actors.domain.screens.jobs import CANCELLED, FREE_GONE
from trt_actors.emulators.kie import FaultKind, Schedule
from trt_actors.storage import JobState

from .support import TENANT, JobWorld, job_world


async def hold_status(w: JobWorld, job_id: int) -> str | None:
    hold = await w.store.read(TENANT, lambda tx: tx.free_holds.of_job(job_id))
    return hold.status if hold is not None else None


async def no_money_moved(w: JobWorld) -> None:
    account = await w.account()
    assert (account.balance, account.held) == (0, 0)


async def test_a_delivered_free_generation_keeps_its_use(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world() as w:
        job_id = await w.free_job()
        assert await w.free_used_today() == 1  # reserved at Confirm, before any delivery
        job = await w.run_job(job_id)
        assert job.state is JobState.DELIVERED and job.price == 0
        [photo] = w.bot.of("sendPhoto")
        assert "free" in photo["caption"]
        assert await w.free_used_today() == 1  # captured: still used, and only once
        assert await hold_status(w, job_id) == "captured"
        await no_money_moved(w)


async def test_a_failed_free_generation_gives_its_use_back(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world() as w:
        w.kie_emu.ctl.inject(FaultKind.FAIL, message="content policy")
        job_id = await w.free_job()
        job = await w.run_job(job_id)
        assert job.state is JobState.REFUNDED
        assert await w.free_used_today() == 0
        assert await hold_status(w, job_id) == "released"
        notice = w.bot.of("sendMessage")[-1]["text"]
        assert notice.startswith("❌") and "nothing was charged" in notice
        await no_money_moved(w)


async def test_a_cancelled_free_generation_gives_its_use_back(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world(Schedule(waiting=5.0, generating=300.0)) as w:
        job_id = await w.free_job()
        job = await w.run_cancelled(job_id)
        assert job.state is JobState.REFUNDED and job.error == CANCELLED
        assert await w.free_used_today() == 0
        assert await hold_status(w, job_id) == "released"
        await no_money_moved(w)


async def test_five_free_jobs_in_flight_use_the_day_and_the_sixth_finds_none(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """The bug this fixes: the quota was counted at delivery, so orders confirmed while
    others were still generating all passed as free."""
    async with job_world(Schedule(waiting=5.0, generating=60.0)) as w:
        jobs = [await w.free_job(n) for n in range(5)]  # none delivered yet
        assert await w.free_used_today() == 5
        sixth = await w.confirm_free(5)
        assert sixth.started == [] and [r.why for r in sixth.refused] == [FREE_GONE]
        finished = await w.run_jobs(*jobs)
        assert {job.state for job in finished} == {JobState.DELIVERED}
        assert await w.free_used_today() == 5
        await no_money_moved(w)
