"""A job's life on trio's MockClock: callback or poll (one delivery either way), a task stuck
in "waiting" replaced within its bound, the hard deadline, a restart mid-job, Cancel, the
progress message at a calm pace, and re-delivery from History."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import trio
import trio.testing

from trt_actors.actors.job import DEADLINES, MAX_RESUBMITS, STUCK_AFTER
from trt_actors.actors.job.messages import PROGRESS_EVERY
from trt_actors.catalog import MediaKind
from trt_actors.cluster import PARTITIONS
from trt_actors.domain.callbacks import encode
from trt_actors.domain.screens.jobs import CANCELLED, TIMEOUT
from trt_actors.domain.texts import text
from trt_actors.emulators.kie import FaultKind, Schedule
from trt_actors.nodes.jobs import jobs_supervisor, resume_jobs
from trt_actors.storage import JobState
from trt_actors.telegram.errors import BotBlocked

from .support import PRICE, TENANT, USER, JobWorld, RecordingBot, job_world


def buttons(params: dict[str, object]) -> list[str]:
    markup = params.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


async def delivered_once(w: JobWorld, job_id: int) -> None:
    [photo] = w.bot.of("sendPhoto")
    assert photo["chat_id"] == USER and photo["photo"].startswith("http")
    assert "\n" in photo["caption"] and photo["caption"].endswith("9 ₽")
    assert buttons(photo)[:2] == [encode("ja", job_id), encode("jp", job_id)]
    account = await w.account()
    assert (account.balance, account.held) == (10_000 - PRICE, 0)  # captured once


async def test_the_callback_wakes_the_job_before_its_next_poll(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world(Schedule(waiting=1.0, generating=10.0)) as w:
        job_id = await w.paid_job()
        job = await w.run_job(job_id)
        assert job.state is JobState.DELIVERED
        [done_at] = w.waker.received
        [sent_at] = w.bot.times("sendPhoto")
        assert sent_at - done_at < 0.5  # the callback, not the next poll (seconds away)
        await delivered_once(w, job_id)


async def test_without_a_callback_polling_finds_the_result(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world(Schedule(waiting=1.0, generating=10.0), callbacks=False) as w:
        job_id = await w.paid_job()
        job = await w.run_job(job_id)
        assert job.state is JobState.DELIVERED and w.waker.received == []
        [sent_at] = w.bot.times("sendPhoto")
        assert sent_at > 11.0  # found by a poll after the task ended
        polls = w.kie_emu.ctl.calls("market.status")
        assert 3 <= len(polls) <= 10  # with backoff, not a busy loop
        await delivered_once(w, job_id)


async def test_a_callback_and_a_poll_together_deliver_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world(Schedule(waiting=1.0, generating=1.0)) as w:
        job_id = await w.paid_job()
        wake = w.waker

        def twice() -> None:  # a repeated callback racing the poll at about the same time
            for ref in w.refs:
                ref.send_nowait("callback")
                ref.send_nowait("callback")

        wake.wake = twice
        job = await w.run_job(job_id)
        assert job.state is JobState.DELIVERED
        assert len(w.kie_emu.ctl.tasks()) == 1
        await delivered_once(w, job_id)


async def test_a_task_stuck_waiting_is_replaced_and_the_result_delivered(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world(Schedule(waiting=1.0, generating=5.0)) as w:
        w.kie_emu.ctl.inject(FaultKind.STUCK)  # the first task never leaves "waiting"
        job_id = await w.paid_job()
        job = await w.run_job(job_id)
        assert job.state is JobState.DELIVERED and job.resubmits == 1
        first, second = w.kie_emu.ctl.tasks()
        assert job.kie_task_id == second.task_id != first.task_id
        assert second.created - first.created >= STUCK_AFTER[MediaKind.IMAGE]
        await delivered_once(w, job_id)


async def test_resubmission_is_bounded_then_the_deadline_releases_the_hold(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world(Schedule(waiting=None)) as w:  # every task stuck
        job_id = await w.paid_job()
        job = await w.run_job(job_id)
        assert job.state is JobState.REFUNDED and job.error == TIMEOUT
        assert job.resubmits == MAX_RESUBMITS
        assert len(w.kie_emu.ctl.tasks()) == 1 + MAX_RESUBMITS
        assert trio.current_time() >= DEADLINES[MediaKind.IMAGE]
        account = await w.account()
        assert (account.balance, account.held) == (10_000, 0)
        notice = w.bot.of("sendMessage")[-1]
        assert text("en", "job_reason_timeout") in notice["text"]
        assert encode("ja", job_id) in buttons(notice)  # Try again
        final = w.bot.of("editMessageText")[-1]["text"]
        assert final.startswith("❌") and not w.bot.of("sendPhoto")


async def test_a_job_restarted_mid_wait_resumes_and_delivers_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world(Schedule(waiting=5.0, generating=60.0), callbacks=False) as w:
        job_id = await w.paid_job()
        await w.run_job(job_id, until=20)  # stopped mid-wait, as a deploy would
        job = await w.job(job_id)
        assert job.state is JobState.SUBMITTED and job.progress_message_id is not None
        job = await w.run_job(job_id)
        assert job.state is JobState.DELIVERED
        assert len(w.kie_emu.ctl.tasks()) == 1  # resumed by polling, not submitted again
        progress = [m for m in w.bot.of("sendMessage") if "Z" in m["text"] or "⏳" in m["text"]]
        assert len(progress) == 1  # the resumed job edits the same progress message
        await delivered_once(w, job_id)


async def test_the_progress_message_is_edited_at_a_calm_pace_with_cancel(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world(Schedule(waiting=20.0, generating=100.0), callbacks=False) as w:
        job_id = await w.paid_job()
        job = await w.run_job(job_id)
        assert job.state is JobState.DELIVERED
        [first] = [m for m in w.bot.of("sendMessage")]
        assert first["text"].startswith("⏳") and buttons(first) == [encode("jc", job_id)]
        edits = w.bot.times("editMessageText")
        assert len(edits) >= 4
        gaps = [b - a for a, b in itertools.pairwise(edits[:-1])]
        assert min(gaps) >= PROGRESS_EVERY - 0.1  # calm: never faster than every 15 s
        assert len(edits) < len(w.kie_emu.ctl.calls("market.status"))  # not every poll
        texts = [m["text"] for m in w.bot.of("editMessageText")]
        assert any(t.startswith("🎨") for t in texts)  # generating, once KIE says so
        assert texts[-1].startswith("✅")  # the final word
        actions = [m["action"] for m in w.bot.of("sendChatAction")]
        assert actions and set(actions) == {"upload_photo"}


async def test_cancel_abandons_the_task_and_releases_the_hold(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world(Schedule(waiting=5.0, generating=300.0)) as w:
        job_id = await w.paid_job()
        job = await w.run_cancelled(job_id)
        assert job.state is JobState.REFUNDED and job.error == CANCELLED
        assert trio.current_time() < 60  # at once, not at the next poll or the deadline
        account = await w.account()
        assert (account.balance, account.held) == (10_000, 0)
        assert w.bot.of("editMessageText")[-1]["text"].startswith("✖️")
        assert w.bot.of("sendMessage")[-1]["text"].startswith("✖️")
        assert not w.bot.of("sendPhoto")
        assert not await w.store.run(TENANT, lambda tx: tx.jobs.request_cancel(job_id, USER))


async def test_a_delivered_result_is_sent_again_with_a_fresh_link(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world(Schedule(waiting=1.0, generating=2.0)) as w:
        job_id = await w.paid_job()
        job = await w.run_job(job_id)
        [task] = w.kie_emu.ctl.tasks()
        w.kie_emu.ctl.expire_results(task.task_id)
        assert await w.store.run(TENANT, lambda tx: tx.jobs.request_redelivery(job_id, USER))
        await w.run_job(job_id, until=30)
        first, again = w.bot.of("sendPhoto")
        assert again["photo"] != first["photo"]  # refreshed through download-url
        assert len(w.kie_emu.ctl.calls("download_url")) == 1
        job = await w.job(job_id)
        assert job.redeliver_requested_at is None and job.result_urls == [again["photo"]]
        account = await w.account()
        assert account.balance == 10_000 - PRICE  # charged once


async def test_a_send_again_asked_before_a_restart_is_done_at_boot(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world(Schedule(waiting=1.0, generating=2.0)) as w:
        job_id = await w.paid_job()
        await w.run_job(job_id)
        # asked, then the process ended before any actor acted on it
        assert await w.store.run(TENANT, lambda tx: tx.jobs.request_redelivery(job_id, USER))
        jobs = jobs_supervisor(lambda: w.runtime, TENANT)
        async with trio.open_nursery() as nursery:
            await nursery.start(jobs.run)
            # the partition owner resumes the jobs of the partitions it takes: here, all
            assert await resume_jobs(TENANT, w.store, jobs, frozenset(range(PARTITIONS))) == 1
            with trio.fail_after(60):
                while len(w.bot.of("sendPhoto")) < 2:
                    await trio.sleep(0.5)
            jobs.request_stop()
        assert (await w.job(job_id)).redeliver_requested_at is None


async def test_a_result_telegram_keeps_refusing_fails_and_releases_the_hold(
    autojump_clock: trio.testing.MockClock,
) -> None:
    def refuse_media(method: str, params: Mapping[str, Any]) -> Exception | None:
        return BotBlocked("Forbidden: bot was blocked by the user") if "photo" in params else None

    async with job_world(
        Schedule(waiting=1.0, generating=2.0), bot=RecordingBot(refuse_media)
    ) as w:
        job_id = await w.paid_job()
        job = await w.run_job(job_id)
        assert job.state is JobState.REFUNDED and job.error == "undeliverable"
        account = await w.account()
        assert (account.balance, account.held) == (10_000, 0)  # not held for ever
        assert len(w.kie_emu.ctl.tasks()) == 1  # one paid task, tried four times to deliver


async def test_messages_follow_the_users_language(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with job_world(Schedule(waiting=1.0, generating=2.0), language="ru") as w:
        job_id = await w.paid_job()
        await w.run_job(job_id)
        [photo] = w.bot.of("sendPhoto")
        assert text("ru", "job_caption_price", price="9 ₽") in photo["caption"]
        final = w.bot.of("editMessageText")[-1]["text"]
        assert "готово" in final
