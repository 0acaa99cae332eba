"""KIE out of credits (402) on trio's MockClock, against the KIE emulator in-process: the
job's hold (money or free use) is released and the user told plainly that generation is
paused and nothing was charged; the tenant's generations pause; the credits watcher alerts
every admin once (again only after the quiet period) and resumes generations by itself when
KIE's balance is topped up."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import trio
import trio.testing
from structlog.testing import capture_logs

from trt_actors.actors.kie_credits import CreditsWatcher
from trt_actors.coordination import Coordination
from trt_actors.domain.callbacks import encode
from trt_actors.domain.screens.jobs import PAUSED
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.texts import text
from trt_actors.emulators.kie import FaultKind
from trt_actors.kie import ALERT_QUIET, CHECK_EVERY, CreditPause
from trt_actors.storage import JobState
from trt_actors.tenants.session_terms import FixedTerms

from ..faults.support import named
from .support import TENANT, JobWorld, job_world, wall

ADMINS = (7001, 7002)
TERMS = TenantSettings(admins=ADMINS, free_per_day=5)


@dataclasses.dataclass
class Paused:
    w: JobWorld
    pause: CreditPause
    watcher: CreditsWatcher

    def alerts(self, admin: int) -> list[dict[str, Any]]:
        alert = text("en", "adm_credits_alert", since="", reason="", every=1).split("(")[0]
        return [m for m in self.w.bot.of("sendMessage") if m["chat_id"] == admin
                and m["text"].startswith(alert)]  # fmt: skip


@asynccontextmanager
async def paused_world() -> AsyncIterator[Paused]:
    """A job world whose jobs share the tenant's pause, with its credits watcher running;
    the admins read English."""
    async with job_world() as w:
        pause = CreditPause(TENANT, wall_clock=wall)
        w.runtime = dataclasses.replace(w.runtime, pause=pause, terms=TERMS)
        for admin in ADMINS:
            await w.store.run(
                TENANT, lambda tx, a=admin: tx.users.upsert(a, first_name="Boss", language="en")
            )
        watcher = CreditsWatcher(
            pause,
            w.runtime.kie,
            w.runtime.outbound,
            w.store,
            FixedTerms(TERMS, w.catalog.default_tariff()),
            Coordination(),
            w.catalog,
        )
        async with trio.open_nursery() as nursery:
            await nursery.start(watcher.run)
            yield Paused(w, pause, watcher)
            nursery.cancel_scope.cancel()


async def test_a_job_kie_refuses_for_lack_of_credits_releases_the_hold_and_says_so(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with capture_logs() as logs:
        async with paused_world() as p:
            p.w.kie_emu.ctl.set_credits(0)
            job_id = await p.w.paid_job()
            job = await p.w.run_job(job_id)
            assert job.state is JobState.REFUNDED and job.error == PAUSED
            assert trio.current_time() < 5  # at once: 402 is never retried
            account = await p.w.account()
            assert (account.balance, account.held) == (10_000, 0)  # balance unchanged
            notice = p.w.bot.of("sendMessage")
            told = [m for m in notice if m["chat_id"] == job.user_id][-1]
            model = p.w.catalog.model(job.model_id).name
            assert told["text"] == text("en", "job_paused", model=model)
            assert "Nothing was charged" in told["text"]
            assert encode("ja", job_id) in str(told["reply_markup"])  # Try again (later)
            assert p.pause.paused
            assert p.w.kie_emu.ctl.tasks() == []  # nothing spent at KIE either

            free_job = await p.w.free_job()  # a free one: its use comes back
            assert await p.w.free_used_today() == 1
            assert (await p.w.run_job(free_job)).error == PAUSED
            assert await p.w.free_used_today() == 0
    [paused] = named(logs, "kie.generation_paused")  # the second 402 changes nothing
    assert paused["tenant"] == TENANT and "Insufficient Credits" in paused["reason"]


async def test_three_jobs_out_of_credits_alert_each_admin_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with paused_world() as p:
        p.w.kie_emu.ctl.set_credits(0)
        jobs = [await p.w.paid_job(prompt=f"cat {n}") for n in range(3)]
        finished = await p.w.run_jobs(*jobs)
        assert [job.error for job in finished] == [PAUSED] * 3
        await trio.sleep(5 * CHECK_EVERY)  # the watcher keeps checking: still out of credits
        assert p.pause.paused
        for admin in ADMINS:
            [alert] = p.alerts(admin)
            assert "kie.ai" in alert["text"] and encode("ad") in str(alert["reply_markup"])
        assert p.watcher.alerts_sent == len(ADMINS)


async def test_a_402_while_kie_reports_plenty_of_credits_resumes_at_the_first_check(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """KIE's error code without an empty balance (injected): paused and alerted all the
    same, and resumed by the first check, which finds the balance high."""
    async with paused_world() as p:
        p.w.kie_emu.ctl.inject(FaultKind.NO_CREDITS, "market.submit")
        assert (await p.w.run_job(await p.w.paid_job())).error == PAUSED
        assert p.pause.paused
        await trio.sleep(CHECK_EVERY + 1)
        assert not p.pause.paused
        assert [len(p.alerts(admin)) for admin in ADMINS] == [1, 1]


async def test_credits_back_the_periodic_check_resumes_and_a_new_pause_waits_out_the_quiet(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with capture_logs() as logs:
        async with paused_world() as p:
            p.w.kie_emu.ctl.set_credits(0)
            await p.w.run_job(await p.w.paid_job(prompt="first"))
            assert p.pause.paused
            paused_at = trio.current_time()
            await trio.sleep(3 * CHECK_EVERY)
            assert p.pause.paused  # no credits: checked, still paused
            p.w.kie_emu.ctl.set_credits(500)  # the operator topped up
            await trio.sleep(CHECK_EVERY + 1)
            assert not p.pause.paused  # resumed by the periodic check, nobody else
            assert trio.current_time() - paused_at < 5 * CHECK_EVERY

            job = await p.w.run_job(await p.w.paid_job(prompt="after"))
            assert job.state is JobState.DELIVERED

            p.w.kie_emu.ctl.set_credits(0)  # out again within the hour: paused, no alert
            await p.w.run_job(await p.w.paid_job(prompt="again"))
            assert p.pause.paused
            await trio.sleep(1)
            assert [len(p.alerts(admin)) for admin in ADMINS] == [1, 1]

            p.w.kie_emu.ctl.set_credits(500)
            await trio.sleep(CHECK_EVERY + 1)
            assert not p.pause.paused
            await trio.sleep(ALERT_QUIET)  # a quiet hour later, out of credits once more
            p.w.kie_emu.ctl.set_credits(0)
            await p.w.run_job(await p.w.paid_job(prompt="much later"))
            await trio.sleep(1)
            assert [len(p.alerts(admin)) for admin in ADMINS] == [2, 2]
    assert len(named(logs, "kie.generation_paused")) == 3
    resumed = named(logs, "kie.generation_resumed")
    assert len(resumed) == 2 and "500 credits" in resumed[0]["why"]
