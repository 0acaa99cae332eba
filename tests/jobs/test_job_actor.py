"""A generation end to end against both emulators: the user's photo reaches KIE through the
upload API, the result comes back to the chat, and the money follows the job."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
import trio

from trt_actors.actors import actor_child
from trt_actors.actors.job import INTERRUPTED, JobActor, JobRuntime
from trt_actors.actors.outbound import Outbound, OutboundActor
from trt_actors.catalog import Catalog, KieRequest, MediaInput, load_catalog
from trt_actors.domain.quota import quota_day
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.emulators.kie import FaultKind, KieEmulatorConfig, Schedule, open_kie_emulator
from trt_actors.emulators.kie._media import png
from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.kie import SUBMIT_TIMEOUT, KieClient
from trt_actors.nodes.jobs import JOB_GRACE
from trt_actors.nodes.media import telegram_media_fetcher
from trt_actors.storage import CreditKind, Currency, JobState, Store, open_store
from trt_actors.supervisors import Restart, Supervisor
from trt_actors.telegram.ptb_bot_api import PtbBotApi

TENANT = "default"


def edit_model(catalog: Catalog) -> Any:
    """A visible image-editing model whose only required inputs are a prompt and images."""
    for model in catalog.models("image_edit"):
        required = [i for i in model.inputs if i.required]
        if {type(i).__name__ for i in required} <= {"TextInput", "MediaInput"}:
            return model
    raise AssertionError("no simple image-edit model in the catalog")


@dataclass
class World:
    tg: Any
    kie_emu: Any
    store: Store
    runtime: JobRuntime
    user: Any


@asynccontextmanager
async def world(tmp_path: Path, schedule: Schedule | None = None) -> AsyncIterator[World]:
    catalog = load_catalog()
    config = KieEmulatorConfig(schedule=schedule or Schedule())
    async with (
        open_telegram_emulator(EmulatorConfig(rate_limits=RateLimits.relaxed())) as tg,
        open_kie_emulator(config) as kie_emu,
        open_store(f"sqlite:///{tmp_path}/trt.db") as store,
        httpx.AsyncClient(timeout=10) as files,
    ):
        assert tg.base_url is not None
        api = PtbBotApi(tg.config.token, tg.base_url)
        spec, ref = actor_child("outbound", lambda: OutboundActor(api))
        async with (
            KieClient(
                kie_emu.api_key, base_url=kie_emu.base_url, upload_base_url=kie_emu.upload_base_url
            ) as kie,
            trio.open_nursery() as nursery,
        ):
            sup = Supervisor("tenant", [spec])
            await nursery.start(sup.run)
            outbound = Outbound(ref)
            runtime = JobRuntime(
                TENANT,
                store,
                outbound,
                kie,
                catalog,
                telegram_media_fetcher(outbound, tg.base_url, tg.config.token, lambda: files),
                callback_url=lambda job_id: None,
            )
            user = tg.ctl.user("Ann", language_code="en")
            tg.ctl.send_text(user, "hi")  # the chat exists once the user wrote
            await store.run(
                TENANT, lambda tx: tx.users.upsert(user.id, first_name="Ann", language="en")
            )
            yield World(tg, kie_emu, store, runtime, user)
            sup.request_stop()
        await api.close()


async def run_job(w: World, job_id: int) -> Any:
    spec, _ = actor_child(
        f"job:{job_id}", lambda: JobActor(w.runtime, job_id), restart=Restart.TRANSIENT
    )
    sup = Supervisor("jobs", [spec])
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            await nursery.start(sup.run)
            while True:
                job = await w.store.read(TENANT, lambda tx: tx.jobs.get(job_id))
                if job.finished:
                    break
                await trio.sleep(0.1)
            sup.request_stop()
    return job


async def paid_job(w: World, model_id: str, params: dict[str, Any], price: int) -> int:
    def create(tx: Any) -> int:
        tx.ledger.credit(
            w.user.id, 10_000, Currency.RUB, kind=CreditKind.ADMIN, key="seed", actor="test"
        )
        hold = tx.ledger.hold(w.user.id, price, Currency.RUB, key=f"hold:{model_id}", actor="test")
        return int(
            tx.jobs.create(
                w.user.id,
                model_id,
                params,
                price=price,
                currency=Currency.RUB,
                hold_id=hold.hold_id,
            ).id
        )

    return await w.store.run(TENANT, create)


async def test_a_photo_goes_to_kie_by_upload_and_the_result_comes_back(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        sent = w.tg.ctl.send_photo(w.user, png("user photo", 32, 32), mime_type="image/png")
        file_id = sent["photo"][-1]["file_id"]
        model = edit_model(w.runtime.catalog)
        media = next(i for i in model.inputs if isinstance(i, MediaInput))
        prompt = next(i for i in model.inputs if not isinstance(i, MediaInput) and i.required)
        job_id = await paid_job(
            w, model.id, {prompt.name: "make it blue", media.name: [file_id]}, 1200
        )
        job = await run_job(w, job_id)
        assert job.state is JobState.DELIVERED
        [(upload_path, uploaded)] = w.kie_emu.ctl.uploads()
        assert uploaded == png("user photo", 32, 32)  # the user's bytes, streamed to KIE
        [task] = w.kie_emu.ctl.tasks()
        assert upload_path.rsplit("/", 1)[-1] in str(task.body)  # the task got its URL
        [photo] = [m for m in w.tg.ctl.bot_messages(w.user) if "photo" in m]
        assert photo["caption"].startswith(model.name) and "make it blue" in photo["caption"]
        account = await w.store.read(TENANT, lambda tx: tx.ledger.account(w.user.id, Currency.RUB))
        assert (account.balance, account.held) == (10_000 - 1200, 0)  # captured


async def test_a_failed_generation_releases_the_hold_and_tells_the_user(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        model = next(
            m for m in w.runtime.catalog.models("text_to_image") if m.route.api.id == "market"
        )
        prompt = next(i for i in model.inputs if i.required)
        w.kie_emu.ctl.inject(FaultKind.FAIL, message="content policy")
        job_id = await paid_job(w, model.id, {prompt.name: "a cat"}, 900)
        job = await run_job(w, job_id)
        assert job.state is JobState.REFUNDED
        notice = w.tg.ctl.bot_messages(w.user)[-1]["text"]  # in the user's language (en)
        assert "failed" in notice and "content policy" in notice and "nothing was charged" in notice
        account = await w.store.read(TENANT, lambda tx: tx.ledger.account(w.user.id, Currency.RUB))
        assert (account.balance, account.held) == (10_000, 0)


async def test_an_interrupted_submission_is_never_sent_twice(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        model = next(
            m for m in w.runtime.catalog.models("text_to_image") if m.route.api.id == "market"
        )
        prompt = next(i for i in model.inputs if i.required)
        job_id = await paid_job(w, model.id, {prompt.name: "a cat"}, 900)
        await w.store.run(TENANT, lambda tx: tx.jobs.begin_submission(job_id))  # then "crash"
        job = await run_job(w, job_id)  # the restarted job finds the mark
        assert job.state is JobState.REFUNDED and job.error == INTERRUPTED
        assert w.kie_emu.ctl.tasks() == []  # no second (or first) task was created
        account = await w.store.read(TENANT, lambda tx: tx.ledger.account(w.user.id, Currency.RUB))
        assert account.held == 0


class SlowSubmissions(KieClient):
    """KIE answering a createTask after `delay` seconds; `begun` is set when one is sent."""

    def __init__(self, api_key: str, *, base_url: str, upload_base_url: str, delay: float) -> None:
        super().__init__(api_key, base_url=base_url, upload_base_url=upload_base_url)
        self.delay = delay
        self.begun = trio.Event()

    async def submit(self, request: KieRequest, *, timeout: float = SUBMIT_TIMEOUT) -> str:
        self.begun.set()
        await trio.sleep(self.delay)
        return await super().submit(request, timeout=timeout)


async def test_a_job_stopped_gracefully_mid_submission_keeps_its_task(tmp_path: Path) -> None:
    """A partition given back or a deploy stops job actors: a submission in flight is let
    finish and its task id stored, so the next owner resumes the job instead of failing it
    as interrupted (which a kill still does: KIE may hold a task for it)."""
    async with world(tmp_path) as w:
        model = next(
            m for m in w.runtime.catalog.models("text_to_image") if m.route.api.id == "market"
        )
        prompt = next(i for i in model.inputs if i.required)
        job_id = await paid_job(w, model.id, {prompt.name: "a cat"}, 900)
        emu = w.kie_emu
        async with SlowSubmissions(
            emu.api_key, base_url=emu.base_url, upload_base_url=emu.upload_base_url, delay=0.5
        ) as slow:
            runtime = replace(w.runtime, kie=slow)
            spec, _ = actor_child(
                f"job:{job_id}",
                lambda: JobActor(runtime, job_id),
                restart=Restart.TRANSIENT,
                shutdown=JOB_GRACE,
            )
            with trio.fail_after(20):
                async with trio.open_nursery() as nursery:
                    sup = Supervisor("jobs", [spec])
                    await nursery.start(sup.run)
                    await slow.begun.wait()
                    sup.request_stop()  # graceful: the supervisor asks, then waits the grace
        job = await w.store.read(TENANT, lambda tx: tx.jobs.get(job_id))
        assert job.state is JobState.SUBMITTED and job.kie_task_id is not None
        job = await run_job(w, job_id)  # the next owner resumes it
        assert job.state is JobState.DELIVERED
        assert len(w.kie_emu.ctl.tasks()) == 1


async def test_a_job_interrupted_while_waiting_is_resumed_and_delivered_once(
    tmp_path: Path,
) -> None:
    async with world(tmp_path, Schedule(waiting=0.5, generating=1.0)) as w:
        model = next(
            m for m in w.runtime.catalog.models("text_to_image") if m.route.api.id == "market"
        )
        prompt = next(i for i in model.inputs if i.required)
        job_id = await paid_job(w, model.id, {prompt.name: "a cat"}, 900)
        spec, _ = actor_child(
            f"job:{job_id}", lambda: JobActor(w.runtime, job_id), restart=Restart.TRANSIENT
        )
        with trio.fail_after(20):
            async with trio.open_nursery() as nursery:  # the first run: stopped mid-wait
                sup = Supervisor("jobs", [spec])
                await nursery.start(sup.run)
                while (await w.store.read(TENANT, lambda tx: tx.jobs.get(job_id))).state is (
                    JobState.CREATED
                ):
                    await trio.sleep(0.05)
                nursery.cancel_scope.cancel()  # as a crash or a deploy would
        job = await w.store.read(TENANT, lambda tx: tx.jobs.get(job_id))
        assert job.state is JobState.SUBMITTED
        job = await run_job(w, job_id)  # the next start resumes it from storage
        assert job.state is JobState.DELIVERED
        assert len(w.kie_emu.ctl.tasks()) == 1  # resumed by polling, not submitted again
        photos = [m for m in w.tg.ctl.bot_messages(w.user) if "photo" in m]
        assert len(photos) == 1


async def test_free_jobs_use_the_tenant_day_quota_and_admins_use_none(tmp_path: Path) -> None:
    async with world(tmp_path) as w:
        model = next(
            m for m in w.runtime.catalog.models("text_to_image") if m.route.api.id == "market"
        )
        prompt = next(i for i in model.inputs if i.required)
        zone = "Pacific/Kiritimati"  # UTC+14: its day is not UTC's for 14 hours of each day
        w.runtime = replace(w.runtime, terms=TenantSettings(free_per_day=5, timezone=zone))

        async def free_job() -> None:
            def create(tx: Any) -> int:
                job = tx.jobs.create(
                    w.user.id, model.id, {prompt.name: "a cat"}, price=0, currency=Currency.RUB
                )
                return int(job.id)

            job = await run_job(w, await w.store.run(TENANT, create))
            assert job.state is JobState.DELIVERED

        def used(tx: Any) -> int:
            return int(
                tx.quota.used(w.user.id, quota_day(datetime.datetime.now(datetime.UTC), zone))
            )

        await free_job()
        await free_job()
        assert await w.store.read(TENANT, used) == 2
        w.runtime = replace(w.runtime, terms=TenantSettings(admins=(w.user.id,), timezone=zone))
        await free_job()  # an admin's generation: recorded, free, no quota used
        assert await w.store.read(TENANT, used) == 2
        jobs = await w.store.read(TENANT, lambda tx: tx.jobs.for_user(w.user.id))
        assert len(jobs) == 3
