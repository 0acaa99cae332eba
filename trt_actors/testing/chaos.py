"""Chaos with invariants: the real service under mixed load, killed with SIGKILL again and
again, then checked from its database and the emulators.

`run_chaos(plan, workdir, ...)` starts the Telegram and KIE emulators in this process, a
round-robin balancer, and `plan.instances` `trt run` processes in webhook mode behind it (one
on SQLite, or several on one PostgreSQL and one Redis). Walkers play users: each takes a new
emulated user through one journey after another — /start and a free generation, a Stars
top-up and a paid generation, a bank transfer that the admin approves, an admin broadcast —
waiting for each screen as a user would (a minute at most per step). Meanwhile the monkey
kills one instance every `plan.kill_every` seconds (the next one in turn), starts it again at
once, and right after each kill a new user writes /start: the seconds until that user is
answered are the recovery time. After `plan.cycles` kills the walkers finish their journeys,
the service settles, and the invariants are read:

- every update Telegram got a 200 for is in the inbox, handled (not pending, not set aside);
- the ledger sums to every balance and no hold is left open (`ledger.reconcile`);
- every job ended (delivered or refunded); a paid job delivered was captured, a paid job
  refunded was not; a delivered job's result reached the user;
- no KIE task was created twice for one job (tasks at KIE = jobs with a task + resubmits);
- every Stars charge Telegram made was credited once, and nothing else was;
- every user was answered: no walker step and no recovery probe waited in vain (a
  generation is answered by its result or, when a kill cut its KIE submission short, by the
  failure notice of a refunded job; those are counted).

scripts/chaos.py runs it long and prints the figures; tests/e2e/test_chaos.py runs a short
version of the same code in the suite.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trio

from trt_actors.domain.callbacks import decode, encode
from trt_actors.emulators.kie import KieEmulator, open_kie_emulator
from trt_actors.emulators.telegram import (
    EmulatorConfig,
    RateLimits,
    TelegramEmulator,
    User,
    open_telegram_emulator,
)
from trt_actors.emulators.telegram._config import WebhookPolicy
from trt_actors.storage import Currency, HoldStatus, InboxState, Job, JobState, Tx, open_store
from trt_actors.testing.balancer import open_balancer
from trt_actors.testing.postgres import create_database
from trt_actors.testing.trt_process import Service, free_port, instance_env, run_service

SECRET = "chaos-secret"
ADMIN_ID = 777_000_001
REQUISITES = "Chaos Bank, account 40817810000000000001"
STEP_TIMEOUT = 60.0  # seconds a walker waits for one screen (kills and restarts included)
SETTLE_TIMEOUT = 180.0  # seconds for the service to finish everything after the last kill
STORE_DEADLINE = 60.0  # seconds for the checker's own reads and writes
PROMPT = "A lighthouse in a storm, oil painting"
FREE_MODEL = "z-image"
PAID_MODEL = "seedream-4"
# what walkers do, in turn (walker k starts at the k-th): mostly generations, some top-ups,
# a broadcast now and then
JOURNEYS = ("free", "paid", "transfer", "broadcast", "free", "paid", "free", "transfer")


@dataclass(frozen=True, slots=True)
class ChaosPlan:
    instances: int = 1  # 1: one process on SQLite; more: PostgreSQL + Redis
    cycles: int = 5  # kills
    kill_every: float = 6.0  # seconds between kills
    walkers: int = 6  # users walking at once
    seed: int = 1


@dataclass
class ChaosReport:
    plan: ChaosPlan
    kills: int = 0
    journeys: dict[str, int] = field(default_factory=dict)  # finished, by kind
    updates_acknowledged: int = 0
    jobs: int = 0
    stars_charges: int = 0
    transfers: int = 0
    broadcasts: int = 0
    recovery_s: list[float] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    transcripts: list[str] = field(default_factory=list)  # the chats of unanswered users
    crashes: int = 0  # actor crashes the service logged (not a violation by themselves)
    failed_results: int = 0  # generations answered with a failure notice instead (refunded)
    seconds: float = 0.0

    def recovery_p99(self) -> float:
        if not self.recovery_s:
            return float("nan")
        if len(self.recovery_s) == 1:
            return self.recovery_s[0]
        return statistics.quantiles(self.recovery_s, n=100, method="inclusive")[98]

    def lines(self) -> list[str]:
        mode = (
            "SQLite, 1 process"
            if self.plan.instances == 1
            else (f"PostgreSQL + Redis, {self.plan.instances} instances")
        )
        journeys = ", ".join(f"{k} {v}" for k, v in sorted(self.journeys.items()))
        return [
            f"mode: {mode}; seed {self.plan.seed}; {self.seconds:.0f} s",
            f"cycles (SIGKILL + restart): {self.kills}",
            f"journeys finished: {sum(self.journeys.values())} ({journeys})",
            f"updates acknowledged: {self.updates_acknowledged}",
            f"jobs: {self.jobs}; Stars charges: {self.stars_charges}; "
            f"transfers: {self.transfers}; broadcasts: {self.broadcasts}",
            f"recovery after a kill: p50 {_median(self.recovery_s):.1f} s, "
            f"p99 {self.recovery_p99():.1f} s, max {max(self.recovery_s, default=0):.1f} s",
            f"actor crashes logged: {self.crashes}",
            f"generations failed instead of delivered (refunded): {self.failed_results}",
            f"violations: {len(self.violations)}",
            *(f"  - {v}" for v in self.violations[:50]),
        ]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


class Unanswered(Exception):
    """A walker waited `STEP_TIMEOUT` for a screen that never came."""


@dataclass
class Instance:
    """One `trt run` kept running: started again whenever it dies, until `finished`."""

    env: dict[str, str]
    cwd: Path
    service: Service | None = None
    up: trio.Event = field(default_factory=trio.Event)
    finished: bool = False
    incarnations: list[Service] = field(default_factory=list)

    async def keep_running(self) -> None:
        while not self.finished:
            async with run_service(self.env, self.cwd) as service:
                self.service = service
                self.incarnations.append(service)
                self.up.set()
                await service.process.wait()
            self.up = trio.Event()

    def kill(self) -> None:
        if self.service is not None and self.service.process.returncode is None:
            self.service.kill()

    async def stop(self) -> None:
        self.finished = True
        if self.service is not None and self.service.process.returncode is None:
            self.service.signal()
            with trio.move_on_after(20):
                await self.service.process.wait()
            self.kill()


@dataclass
class World:
    plan: ChaosPlan
    emulator: TelegramEmulator
    kie: KieEmulator
    database: str
    tenant: str
    report: ChaosReport
    admin: User
    users: list[User] = field(default_factory=list)
    admin_lock: trio.Lock = field(default_factory=trio.Lock)
    instances: list[Instance] = field(default_factory=list)

    # -- what the users see ---------------------------------------------------------------

    def messages(self, user: User) -> list[dict[str, Any]]:
        return list(self.emulator.ctl.bot_messages(user))

    async def shown(
        self, user: User, wanted: Callable[[dict[str, Any]], bool], what: str, after: int = 0
    ) -> dict[str, Any]:
        """The first bot message (from index `after`) in the user's chat that `wanted`."""
        with trio.move_on_after(STEP_TIMEOUT):
            while True:
                for message in self.messages(user)[after:]:
                    if wanted(message):
                        return message
                await trio.sleep(0.05)
        raise Unanswered(f"user {user.id} never saw {what}")

    async def button(self, user: User, code: str, after: int = 0) -> tuple[dict[str, Any], str]:
        """A message with a button of callback code `code`, and that button's data."""
        message = await self.shown(
            user, lambda m: _with_code(m, code) is not None, f"a '{code}' button", after
        )
        data = _with_code(message, code)
        assert data is not None
        return message, data

    def press(self, user: User, message: Mapping[str, Any], data: str) -> None:
        self.emulator.ctl.press_button(user, int(message["message_id"]), callback_data=data)

    # -- journeys -------------------------------------------------------------------------

    def new_user(self, name: str) -> User:
        user = self.emulator.ctl.user(name, language_code="en")
        self.users.append(user)
        return user

    async def start(self, user: User) -> dict[str, Any]:
        self.emulator.ctl.send_command(user, "start")
        return await self.shown(user, _has_buttons, "the welcome")

    async def generation(self, user: User, model: str, welcome: Mapping[str, Any]) -> None:
        """From the welcome to a delivered result of `model` (a prompt-only model)."""
        self.emulator.ctl.forge_callback(user, int(welcome["message_id"]), encode("c", model))
        card, go = await self.button(user, "go")
        self.press(user, card, go)
        await self.shown(user, lambda m: _with_code(m, "cx") is not None, "the prompt step")
        count = len(self.messages(user))
        self.emulator.ctl.send_text(user, PROMPT)
        screen = await self.shown(
            user,
            lambda m: _with_code(m, "ok") is not None or _with_code(m, "nx") is not None,
            "the settings or the order check",
            count,
        )
        if _with_code(screen, "ok") is None:
            self.press(user, screen, str(_with_code(screen, "nx")))
            screen, _ = await self.button(user, "ok", count)
        count = len(self.messages(user))
        self.press(user, screen, str(_with_code(screen, "ok")))
        # the result, or (a kill cut its submission short) the failure notice with Try again
        result = await self.shown(
            user, lambda m: "photo" in m or _with_code(m, "ja") is not None, "the result", count
        )
        if "photo" not in result:
            self.report.failed_results += 1

    async def free(self, user: User) -> None:
        welcome = await self.start(user)
        await self.generation(user, FREE_MODEL, welcome)

    async def paid(self, user: User) -> None:
        welcome = await self.start(user)
        await self.stars(user)
        await self.generation(user, PAID_MODEL, welcome)

    async def stars(self, user: User) -> None:
        """Top up 50 Stars: pay the invoice (again if the service was down at checkout)."""
        count = len(self.messages(user))
        self.emulator.ctl.send_command(user, "topup")
        menu, _ = await self.button(user, "ps", count)
        self.press(user, menu, encode("ps", 50))
        invoice = await self.shown(user, lambda m: "invoice" in m, "the invoice", count)
        paying = len(self.messages(user))
        with trio.move_on_after(STEP_TIMEOUT):
            while True:
                paid = await self.emulator.ctl.pay_invoice(user, int(invoice["message_id"]))
                if paid.status == "paid":
                    break
                await trio.sleep(0.5)  # the service was down at checkout: pay again
        if paid.status != "paid":
            raise Unanswered(f"user {user.id} could not pay: {paid.status}")
        self.report.stars_charges += 1
        await self.shown(user, lambda m: "credited" in str(m.get("text", "")), "the credit", paying)

    async def transfer(self, user: User) -> None:
        """Top up 700 ₽ by bank transfer; the admin approves it from the notice."""
        await self.start(user)
        count = len(self.messages(user))
        self.emulator.ctl.send_command(user, "topup")
        menu, transfer = await self.button(user, "pb", count)
        self.press(user, menu, transfer)
        # the menu turns into the amount step (Back to the top-up, no Bank transfer button):
        # the user types the amount once they see it asked, not before
        await self.shown(
            user,
            lambda m: _with_code(m, "u") is not None and _with_code(m, "pb") is None,
            "the amount step",
            count,
        )
        count = len(self.messages(user))
        self.emulator.ctl.send_text(user, "700")
        await self.shown(user, lambda m: REQUISITES in str(m.get("text", "")), "the requisites")
        count = len(self.messages(user))
        self.emulator.ctl.send_photo(user, b"\x89PNG chaos screenshot")
        await self.shown(user, lambda m: True, "the transfer queued", count)
        notice = await self.shown(
            self.admin,
            lambda m: f"id {user.id}" in str(m.get("caption", "")),
            f"the transfer notice of {user.id}",
        )
        approve = _with_code(notice, "pa")
        if approve is None:
            raise Unanswered(f"the notice of {user.id} has no Approve button")
        count = len(self.messages(user))
        self.press(self.admin, notice, approve)
        await self.shown(user, lambda m: "700" in str(m.get("text", "")), "the approval", count)
        self.report.transfers += 1

    async def broadcast(self, user: User) -> None:
        """The admin broadcasts a line to everyone (one at a time)."""
        await self.start(user)
        async with self.admin_lock:
            count = len(self.messages(self.admin))
            self.emulator.ctl.send_command(self.admin, "admin")
            panel, start = await self.button(self.admin, "ab", count)
            self.press(self.admin, panel, start)
            await self.shown(
                self.admin, lambda m: _with_code(m, "ab") is None, "the broadcast prompt", count
            )
            count = len(self.messages(self.admin))
            self.emulator.ctl.send_text(self.admin, f"Chaos news {uuid.uuid4().hex[:6]}")
            preview, send = await self.button(self.admin, "ao", count)
            self.press(self.admin, preview, send)
            await self.shown(user, lambda m: "Chaos news" in str(m.get("text", "")), "the news")
        self.report.broadcasts += 1

    async def walk(self, walker: int, stop: trio.Event) -> None:
        n = 0
        while not stop.is_set():
            kind = JOURNEYS[(walker + self.plan.seed + n) % len(JOURNEYS)]
            n += 1
            user = self.new_user(f"W{walker}x{n}")
            journey = getattr(self, kind)
            try:
                await journey(user)
            except Unanswered as exc:
                self.report.violations.append(f"unanswered: {exc} ({kind})")
                self.report.transcripts.append(self.transcript(user))
                continue
            self.report.journeys[kind] = self.report.journeys.get(kind, 0) + 1

    def transcript(self, user: User) -> str:
        """The user's chat, both sides, one line a message, then what the instances logged
        about the user (for a violation's report)."""
        lines = [f"chat of user {user.id}:"]
        for message in self.emulator.ctl.messages(user):
            who = "bot" if message.from_bot else "user"
            data = message.data
            content = data.get("text") or data.get("caption") or ",".join(sorted(data))
            buttons = [
                b.get("callback_data", "")
                for row in (data.get("reply_markup") or {}).get("inline_keyboard", [])
                for b in row
            ]
            lines.append(f"  {who} #{message.message_id}: {str(content)[:70]!r} {buttons}")
        lines.append(f"logged about user {user.id}:")
        for i, instance in enumerate(self.instances):
            for n, service in enumerate(instance.incarnations):
                for event in service.events:
                    if str(user.id) in json.dumps(event, default=str):
                        lines.append(f"  instance {i}.{n}: {json.dumps(event, default=str)}")
        return "\n".join(lines)

    async def probe(self, killed_at: float) -> None:
        """A user writing right after a kill: the seconds until they are answered."""
        user = self.new_user(f"Probe{len(self.report.recovery_s)}")
        try:
            await self.start(user)
        except Unanswered as exc:
            self.report.violations.append(f"unanswered after a kill: {exc}")
            return
        self.report.recovery_s.append(time.monotonic() - killed_at)


def _has_buttons(message: Mapping[str, Any]) -> bool:
    return bool((message.get("reply_markup") or {}).get("inline_keyboard"))


def _with_code(message: Mapping[str, Any], code: str) -> str | None:
    """The callback data of the message's first button with callback code `code`."""
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            data = str(button.get("callback_data", ""))
            press = decode(data)
            if press is not None and press.code == code:
                return data
    return None


@contextlib.asynccontextmanager
async def _cluster(
    plan: ChaosPlan, workdir: Path, postgres: str | None, redis: str | None
) -> AsyncIterator[tuple[TelegramEmulator, KieEmulator, list[Instance], str, str]]:
    tenant = f"x{uuid.uuid4().hex[:8]}"
    if plan.instances > 1:
        if postgres is None or redis is None:
            raise ValueError("several instances need PostgreSQL and Redis")
        database = create_database(postgres, f"chaos_{tenant}")
    else:
        database = f"sqlite:///{workdir / 'chaos.db'}"

    def terms(tx: Tx) -> None:  # as an admin would have set them
        tx.settings.set("admins", [ADMIN_ID])
        tx.settings.set("bank_requisites", REQUISITES)

    with trio.fail_after(STORE_DEADLINE):
        async with open_store(database) as store:
            await store.run(tenant, terms)
    ports = [free_port() for _ in range(plan.instances)]
    config = EmulatorConfig(rate_limits=RateLimits(), webhook=WebhookPolicy(max_attempts=1_000_000))
    async with (
        open_telegram_emulator(config) as emulator,
        open_kie_emulator() as kie,
        open_balancer(ports) as balancer,
    ):
        assert emulator.base_url is not None
        extra = {"REDIS_URL": redis} if plan.instances > 1 and redis else {}
        instances = [
            Instance(
                instance_env(
                    emulator,
                    kie,
                    workdir,
                    database=database,
                    tenant=tenant,
                    balancer_port=balancer.port,
                    port=port,
                    secret=SECRET,
                    **extra,
                ),
                workdir,
            )
            for port in ports
        ]
        yield emulator, kie, instances, database, tenant


async def run_chaos(
    plan: ChaosPlan,
    workdir: Path,
    *,
    postgres: str | None = None,
    redis: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ChaosReport:
    """Run `plan` and return what it saw (see the module's docstring)."""
    report = ChaosReport(plan)
    say = progress or (lambda line: None)
    began = time.monotonic()
    async with _cluster(plan, workdir, postgres, redis) as (emulator, kie, instances, db, tenant):
        admin = emulator.ctl.user("Boss", language_code="en", user_id=ADMIN_ID)
        world = World(plan, emulator, kie, db, tenant, report, admin, instances=instances)
        async with trio.open_nursery() as nursery:
            for instance in instances:
                nursery.start_soon(instance.keep_running)
            with trio.fail_after(60):
                for instance in instances:
                    await instance.up.wait()
                while emulator.ctl.bot.webhook is None:  # noqa: ASYNC110 — the leader sets it
                    await trio.sleep(0.1)
            await world.start(world.admin)
            stop = trio.Event()
            async with trio.open_nursery() as walkers:
                for walker in range(plan.walkers):
                    walkers.start_soon(world.walk, walker, stop)
                for cycle in range(plan.cycles):
                    await trio.sleep(plan.kill_every)
                    victim = instances[cycle % len(instances)]
                    with trio.fail_after(60):
                        await victim.up.wait()
                    killed_at = time.monotonic()
                    victim.kill()
                    report.kills += 1
                    say(f"kill {report.kills}/{plan.cycles}")
                    walkers.start_soon(world.probe, killed_at)
                stop.set()
            say("settling")
            await _settled(world)
            report.updates_acknowledged = len(_acknowledged(emulator))
            await _check(world, report)
            for instance in instances:
                await instance.stop()
            report.crashes = sum(
                1
                for instance in instances
                for service in instance.incarnations
                for event in service.events
                if event.get("event") in ("supervisor.child_crashed", "supervisor.child_gave_up")
            )
            nursery.cancel_scope.cancel()
    report.seconds = time.monotonic() - began
    return report


def _acknowledged(emulator: TelegramEmulator) -> set[int]:
    return {attempt.update_id for attempt in emulator.webhook_attempts() if attempt.ok}


async def _settled(world: World) -> None:
    """Wait until Telegram has nothing left to deliver, the inbox nothing pending and every
    job and broadcast has ended."""
    emulator = world.emulator
    with trio.move_on_after(SETTLE_TIMEOUT):
        async with open_store(world.database) as store:
            while True:
                if emulator.ctl.bot.updates.first() is None:

                    def busy(tx: Tx) -> bool:
                        return bool(
                            tx.inbox.pending(limit=1)
                            or tx.jobs.unfinished(limit=1)
                            or tx.broadcasts.running()
                        )

                    if not await store.read(world.tenant, busy):
                        return
                await trio.sleep(0.5)
    world.report.violations.append("the service did not settle within the time allowed")


async def _check(world: World, report: ChaosReport) -> None:
    """Read the invariants; every one broken is a line in `report.violations`."""
    emulator, kie = world.emulator, world.kie
    acked = sorted(_acknowledged(emulator))
    users = [user.id for user in [world.admin, *world.users]]
    charges = list(emulator.ctl.bot.charges.values())
    async with open_store(world.database) as store:

        def read(tx: Tx) -> list[str]:
            broken: list[str] = []
            found = {entry.update_id: entry for entry in tx.inbox.by_ids(acked)}
            for update_id in acked:
                entry = found.get(update_id)
                if entry is None:
                    broken.append(f"update {update_id} acknowledged but not in the inbox")
                elif entry.state is not InboxState.DONE:
                    broken.append(f"update {update_id} acknowledged, left {entry.state.value}")
            broken += [f"ledger: {d}" for d in tx.ledger.reconcile()]
            jobs = [job for user in users for job in tx.jobs.for_user(user, limit=1000)]
            report.jobs = len(jobs)
            tasks = {task.task_id for task in kie.ctl.tasks()}
            job_tasks = [job.kie_task_id for job in jobs if job.kie_task_id]
            resubmits = sum(job.resubmits for job in jobs)
            if len(tasks) != len(job_tasks) + resubmits or len(set(job_tasks)) != len(job_tasks):
                broken.append(
                    f"KIE has {len(tasks)} tasks for {len(job_tasks)} jobs "
                    f"(+{resubmits} resubmitted): a job submitted twice"
                )
            for user in users:
                for hold in tx.ledger.active_holds(user):
                    broken.append(f"hold {hold.id} of user {user} left open")
            for job in jobs:
                broken += _job_broken(tx, job, world)
            for charge in charges:
                credit = tx.ledger.entry(f"stars:{charge.charge_id}")
                if credit is None:
                    broken.append(f"Stars charge {charge.charge_id} never credited")
            for user in users:
                stars = [
                    e
                    for e in tx.ledger.entries(user, limit=1000)
                    if e.idempotency_key.startswith("stars:")
                ]
                made = [c for c in charges if c.user_id == user]
                if len(stars) > len(made):
                    broken.append(
                        f"user {user}: {len(stars)} Stars credits for {len(made)} charges"
                    )
            return broken

        with trio.fail_after(STORE_DEADLINE):
            report.violations += await store.read(world.tenant, read)


def _job_broken(tx: Tx, job: Job, world: World) -> list[str]:
    if job.state not in (JobState.DELIVERED, JobState.REFUNDED):
        return [f"job {job.id} left {job.state.value}"]
    broken = []
    if job.price > 0 and job.currency is Currency.RUB and job.hold_id is not None:
        hold = tx.ledger.get_hold(job.hold_id)
        captured = hold.status is HoldStatus.CAPTURED
        if (job.state is JobState.DELIVERED) != captured:
            broken.append(f"job {job.id} {job.state.value} with its hold {hold.status.value}")
    if job.state is JobState.DELIVERED:
        photos = [m for m in world.emulator.ctl.bot_messages(job.user_id) if "photo" in m]
        if not photos:
            broken.append(f"job {job.id} delivered but user {job.user_id} got no result")
    return broken
