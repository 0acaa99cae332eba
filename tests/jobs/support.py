"""A job actor's world on trio's MockClock: the KIE emulator in-process, a fake Bot API
behind the real outbound actor, and an in-memory store that runs on the trio thread. Time
is virtual throughout (the store's clock and the job's wall clock follow trio's)."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import trio

from trt_actors.actors import actor_child
from trt_actors.actors.job import JobActor, JobRuntime
from trt_actors.actors.job.opening import Opening, open_jobs
from trt_actors.actors.outbound import Outbound, OutboundActor
from trt_actors.catalog import Catalog, Model, load_catalog
from trt_actors.coordination import Coordination, SharedBuckets
from trt_actors.domain.effects import StartGeneration
from trt_actors.domain.quota import quota_day
from trt_actors.emulators.kie import KieEmulator, KieEmulatorConfig, Schedule, open_kie_emulator
from trt_actors.kie import KieClient
from trt_actors.storage import CreditKind, Currency, Job, Store
from trt_actors.supervisors import Restart, Supervisor
from trt_actors.testing.fake_bot_api import FakeBotApi, Script
from trt_actors.testing.inline_store import open_inline_store

TENANT = "default"
USER = 5151
EPOCH = 1_800_000_000.0  # the virtual wall clock at trio time 0
PRICE = 900


def wall() -> float:
    return EPOCH + trio.current_time()


class RecordingBot(FakeBotApi):
    """The fake Bot API, keeping every accepted call's method, params and time."""

    def __init__(self, script: Script | None = None) -> None:
        super().__init__(script, latency=0.01)
        self.calls: list[tuple[float, str, dict[str, Any]]] = []

    async def call(
        self, method: str, params: Mapping[str, Any], *, read_timeout: float | None = None
    ) -> Any:
        result = await super().call(method, params, read_timeout=read_timeout)
        self.calls.append((trio.current_time(), method, dict(params)))
        return result

    def of(self, *methods: str) -> list[dict[str, Any]]:
        return [params for _, method, params in self.calls if method in methods]

    def times(self, method: str) -> list[float]:
        return [at for at, m, _ in self.calls if m == method]


class CallbackWaker(httpx.AsyncBaseTransport):
    """Where the emulator's callbacks go: each one wakes the job, like the http route."""

    def __init__(self) -> None:
        self.wake: Callable[[], None] | None = None
        self.received: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.received.append(trio.current_time())
        if self.wake is not None:
            self.wake()
        return httpx.Response(200, json={"code": 200, "msg": "success"})


@dataclass
class JobWorld:
    kie_emu: KieEmulator
    store: Store
    bot: RecordingBot
    runtime: JobRuntime
    waker: CallbackWaker
    catalog: Catalog
    refs: list[Any] = field(default_factory=list)

    def image_model(self) -> Model:
        return next(m for m in self.catalog.models("text_to_image") if m.route.api.id == "market")

    async def job(self, job_id: int) -> Job:
        return await self.store.read(TENANT, lambda tx: tx.jobs.get(job_id))

    async def account(self) -> Any:
        return await self.store.read(TENANT, lambda tx: tx.ledger.account(USER, Currency.RUB))

    async def paid_job(self, model: Model | None = None, prompt: str = "a cat") -> int:
        chosen = model or self.image_model()
        name = next(i.name for i in chosen.inputs if i.required)

        def create(tx: Any) -> int:
            tx.ledger.credit(
                USER, 10_000, Currency.RUB, kind=CreditKind.ADMIN, key="seed", actor="test"
            )
            hold = tx.ledger.hold(USER, PRICE, Currency.RUB, key=f"hold:{prompt}", actor="test")
            job = tx.jobs.create(
                USER,
                chosen.id,
                {name: prompt},
                price=PRICE,
                currency=Currency.RUB,
                hold_id=hold.hold_id,
            )
            return int(job.id)

        return await self.store.run(TENANT, create)

    async def free_job(self, n: int = 1, model: Model | None = None) -> int:
        """A free generation confirmed now (number `n`), as the session opens it: one of
        today's free uses reserved (the runtime's terms), no money held."""
        [job_id] = (await self.confirm_free(n, model)).started
        return job_id

    async def confirm_free(self, n: int = 1, model: Model | None = None) -> Opening:
        """What opening free confirmation number `n` did (`open_jobs`)."""
        chosen = model or self.image_model()
        name = next(i.name for i in chosen.inputs if i.required)
        effect = StartGeneration(
            user_id=USER,
            chat_id=USER,
            model_id=chosen.id,
            params={name: f"a cat {n}"},
            price_kopecks=PRICE,
            free=True,
            idempotency_key=f"free-{n}",
        )
        now = datetime.datetime.fromtimestamp(wall(), datetime.UTC)
        return await self.store.run(
            TENANT, lambda tx: open_jobs(tx, [effect], self.runtime.terms, now)
        )

    async def free_used_today(self) -> int:
        """Today's free uses reserved or spent (the runtime's terms' day)."""
        now = datetime.datetime.fromtimestamp(wall(), datetime.UTC)
        day = quota_day(now, self.runtime.terms.timezone)
        return int(await self.store.read(TENANT, lambda tx: tx.quota.used(USER, day)))

    def actor(self, job_id: int) -> Any:
        spec, ref = actor_child(
            f"job:{job_id}", lambda: JobActor(self.runtime, job_id), restart=Restart.TRANSIENT
        )
        self.waker.wake = lambda: ref.send_nowait("callback")
        self.refs.append(ref)
        return spec

    async def run_job(self, job_id: int, *, until: float = 3600) -> Job:
        """Run the job's actor until the job is final (or `until` seconds pass)."""
        [job] = await self.run_jobs(job_id, until=until)
        return job

    async def run_cancelled(self, job_id: int, *, after: float = 30) -> Job:
        """Run the job's actor; `after` seconds in, the owner presses Cancel (the request
        stored, the actor woken, as the session does)."""

        async def press_cancel() -> None:
            await trio.sleep(after)
            assert await self.store.run(TENANT, lambda tx: tx.jobs.request_cancel(job_id, USER))
            self.refs[-1].send_nowait("callback")

        async with trio.open_nursery() as nursery:
            nursery.start_soon(press_cancel)
            return await self.run_job(job_id)

    async def run_jobs(self, *job_ids: int, until: float = 3600) -> list[Job]:
        """Run the jobs' actors at once until every job is final (or `until` seconds)."""
        sup = Supervisor("jobs", [self.actor(job_id) for job_id in job_ids])
        with trio.move_on_after(until):
            async with trio.open_nursery() as nursery:
                await nursery.start(sup.run)
                while not all([(await self.job(job_id)).finished for job_id in job_ids]):
                    await trio.sleep(0.5)
                await trio.sleep(1)  # the last messages go out
                sup.request_stop()
        return [await self.job(job_id) for job_id in job_ids]


@asynccontextmanager
async def job_world(
    schedule: Schedule | None = None,
    *,
    callbacks: bool = True,
    language: str = "en",
    files: httpx.AsyncBaseTransport | None = None,
    bot: RecordingBot | None = None,
) -> AsyncIterator[JobWorld]:
    catalog = load_catalog()
    waker = CallbackWaker()
    config = KieEmulatorConfig(schedule=schedule or Schedule(waiting=1.0, generating=10.0))
    bot = bot or RecordingBot()
    async with (
        open_kie_emulator(config, serve=False, callback_transport=waker) as emu,
        open_inline_store(clock=lambda: int(wall() * 1000)) as store,
    ):
        spec, ref = actor_child("outbound", lambda: OutboundActor(bot), capacity=1000)
        poll_bucket = SharedBuckets(Coordination(), "test:poll", rate=1000.0, burst=1000)
        async with (
            KieClient(
                emu.api_key,
                base_url=emu.base_url,
                upload_base_url=emu.upload_base_url,
                transport=emu.transport(),
                download_transport=files,
                poll_bucket=poll_bucket,
            ) as kie,
            trio.open_nursery() as nursery,
        ):
            sup = Supervisor("tenant", [spec])
            await nursery.start(sup.run)

            async def no_media(file_id: str) -> tuple[bytes, str]:
                raise AssertionError("no media in these jobs")

            runtime = JobRuntime(
                TENANT,
                store,
                Outbound(ref),
                kie,
                catalog,
                no_media,
                callback_url=(lambda job_id: f"http://bot.test/kie/{job_id}")
                if callbacks
                else (lambda job_id: None),
                wall_clock=wall,
            )
            await store.run(
                TENANT, lambda tx: tx.users.upsert(USER, first_name="Ann", language=language)
            )
            yield JobWorld(emu, store, bot, runtime, waker, catalog)
            sup.request_stop()
