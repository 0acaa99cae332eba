"""Side by side: TRT actors, python-telegram-bot 22 and aiogram 3 answering /start (issue 20).

    .venv/bin/python scripts/bench_peers.py                 # all three, both modes, medians of 3
    .venv/bin/python scripts/bench_peers.py --quick         # seconds each: proves the harness
    .venv/bin/python scripts/bench_peers.py --plots docs/img --json /tmp/peers.json
    .venv/bin/python scripts/bench_peers.py --targets trt ptb --modes webhook --users 2000
    .venv/bin/python scripts/bench_peers.py --targets trt trt-pg --postgres postgresql://...

The peers come from the package index (`pip install -e .[bench]`); the driver says which one
is missing. Every target runs in this one invocation, against the same Bot API stand-in
(`bench/sink.py`, its own process), with the same load, each bot in its own process pinned to
one core (`taskset`); the sink and this driver share the other cores. Per target and mode
(webhook: the bot's HTTP route; polling: getUpdates from the sink's queue):

1. **start to ready**: from spawning the process until the webhook answers a /start 200, or
   until the bot's first getUpdates reaches the sink. Then one /start is answered (warm-up).
2. **saturation**: `--users` distinct users send /start once each, as fast as the bot takes
   them — webhook: `--connections` kept-alive connections (4 loopback source addresses),
   each posting the next update when the last is answered, as wrk does; polling: all queued
   at once. Measured: updates acknowledged per second (webhook: the 200; polling: the
   getUpdates offset that confirms them), each webhook request's own ACK time (p50/p99),
   replies per second end to end (the sink's sendMessage count, from the first post to the
   last reply), CPU of the bot's process tree per update (from the first post to the last
   reply), and its RSS once all those users were answered (sampled meanwhile, against the
   users answered so far, for the RSS plot).
3. **offered rates** (`--rates`): fresh users at a fixed rate for `--rate-seconds` each (open
   loop: a slow bot is not hidden by fewer requests). Measured: ACK p50/p99 from each update's
   scheduled time (polling: from queueing to the confirming offset), and the first reply's
   p50/p99 from the same start.

What an ACK means differs, and the table says so: TRT actors answers 200 (or moves the
offset) only after the update's inbox row is committed (SQLite WAL, group commit; `trt-pg`:
PostgreSQL with its durable defaults, a fresh database per run, on `--postgres`'s server or
a private one this driver starts for each run on the load side's cores); PTB and aiogram once
the update is in an in-memory queue or task. TRT actors runs with
`TELEGRAM_RATE_SCALE=100` (its message budget 100 times Telegram's, so capacity and not
Telegram's pace is compared) and `INBOX_MAX_BACKLOG` at its maximum (the peers' queues are
unbounded); its per-address limit applies only to requests without the secret, so it does not
apply here. The peers run with their documentation's defaults (PTB handles updates one at a
time; aiogram runs each as a task).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import itertools
import json
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
import trio

CHECKOUT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(CHECKOUT))  # `bench` and this checkout's `trt_actors`

from bench import proc  # noqa: E402
from trt_actors.testing.postgres import (  # noqa: E402
    PostgresServer,
    PostgresUnavailable,
    find_bin_dir,
    scratch_database,
)
from trt_actors.testing.trt_process import free_port, service_env  # noqa: E402
from trt_actors.testing.webhook_load import Posted, post_updates, start_update  # noqa: E402

Target = Literal["trt", "trt-pg", "ptb", "aiogram"]
Mode = Literal["webhook", "polling"]
TARGETS: tuple[Target, ...] = ("trt", "trt-pg", "ptb", "aiogram")
MODES: tuple[Mode, ...] = ("webhook", "polling")
NAMES = {
    "trt": "TRT actors",
    "trt-pg": "TRT actors on PostgreSQL",
    "ptb": "python-telegram-bot",
    "aiogram": "aiogram",
}
DISTRIBUTIONS = {
    "trt": "trt-actors",
    "trt-pg": "trt-actors",
    "ptb": "python-telegram-bot",
    "aiogram": "aiogram",
}
# what each peer needs importable, by mode, and what to install when it is not
NEEDS: dict[Target, dict[Mode, tuple[str, ...]]] = {
    "trt": {"webhook": (), "polling": ()},
    "trt-pg": {"webhook": (), "polling": ()},
    "ptb": {"webhook": ("telegram.ext", "tornado"), "polling": ("telegram.ext",)},
    "aiogram": {"webhook": ("aiogram", "aiohttp"), "polling": ("aiogram",)},
}
INSTALL = {"ptb": '"python-telegram-bot[webhooks]>=22,<23"', "aiogram": '"aiogram>=3.13,<4"'}
ACK_MEANS = {
    "trt": "inbox row committed (SQLite WAL, group commit)",
    "trt-pg": "inbox row committed (PostgreSQL, fsync on, group commit)",
    "ptb": "in PTB's in-memory update queue",
    "aiogram": "in an in-memory asyncio task",
}
SECRET = "bench-secret"
WEBHOOK_PATH = "/webhook"  # all three answer there (ours: the default tenant's route)
SOURCE_ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
FIRST_USER = 700_000_000
STARTUP_DEADLINE = 90.0  # a cold start slower than this is a failure, not a figure
CONTROL_DEADLINE = 30.0  # one call to the sink
STOP_DEADLINE = 15.0  # SIGTERM, then SIGKILL
POLL_EVERY = 0.02  # seconds between looks while waiting for a bot
LABEL_WIDTH = 11  # characters per line of a bar's name in the CPU plot
SAMPLE_EVERY = 0.2  # RSS samples during the saturation phase
QUEUE_CHUNK = 2000  # updates per POST to the sink's queue
LOAD_BUSY_WARNING = 0.9  # the load side's cores this busy: the harness may be the limit
TICK = 0.01  # polling at an offered rate: updates queued every tick


@dataclass(frozen=True)
class Plan:
    users: int  # distinct users in the saturation phase
    connections: int  # webhook saturation: kept-alive connections in all
    rates: tuple[float, ...]  # offered-rate phases, updates/s
    rate_seconds: float
    repeat: int
    ack_rate: float  # the offered rate whose ACK p50/p99 the table shows (issue 20, P2)
    reply_rate: float  # ... and whose first-reply p99 (P3)
    core: int  # the bot's core
    load_cores: int  # the cores left to the driver and the sink
    quick: bool


@dataclass
class RatePhase:
    rate: float
    offered: int = 0
    acked: int = 0
    answered: int = 0
    ack_ms: list[float] = field(default_factory=list, repr=False)
    reply_ms: list[float] = field(default_factory=list, repr=False)


@dataclass
class Run:
    target: Target
    mode: Mode
    round: int
    ready_s: float = math.nan
    users: int = 0
    acked: int = 0
    answered: int = 0
    acked_per_s: float = math.nan
    ack_request_ms: list[float] = field(default_factory=list, repr=False)  # webhook, closed loop
    replies_per_s: float = math.nan
    cpu_ms_per_update: float = math.nan
    db_cpu_ms_per_update: float = math.nan  # trt-pg on the driver's own server: PostgreSQL's
    rss_mb: float = math.nan
    rss_samples: list[tuple[int, float]] = field(default_factory=list, repr=False)
    load_busy: float = math.nan  # the load side's CPU (driver + sink) / its cores, saturation
    rates: list[RatePhase] = field(default_factory=list)
    calls: dict[str, int] = field(default_factory=dict)
    reply: dict[str, Any] | None = None
    error: str = ""


def percentile(values: Sequence[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else math.nan
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 10) - 1]


# -- the targets -------------------------------------------------------------------------------


def missing(
    targets: Sequence[Target], modes: Sequence[Mode], postgres: str | None = None
) -> list[str]:
    """What is not installed, as sentences naming the peer and the command that installs it."""
    problems = []
    if "trt-pg" in targets and postgres is None:
        try:
            find_bin_dir()
        except PostgresUnavailable as exc:
            problems.append(f"{NAMES['trt-pg']} cannot run here: {exc}; or give --postgres URL")
    for target in targets:
        absent = sorted({m for mode in modes for m in NEEDS[target][mode] if not _importable(m)})
        if absent:
            problems.append(
                f"{NAMES[target]} cannot run here: {', '.join(absent)} not installed; "
                f"pip install -e '.[bench]' (or pip install {INSTALL[target]}), "
                f"or leave it out with --targets"
            )
    return problems


def _importable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def version(target: Target) -> str:
    try:
        return importlib.metadata.version(DISTRIBUTIONS[target])
    except importlib.metadata.PackageNotFoundError:
        return "?"


def command(
    target: Target,
    mode: Mode,
    *,
    port: int,
    sink_url: str,
    token: str,
    data: Path,
    database: str | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The bot's command line and environment (ours: on `database`, else SQLite in `data`)."""
    base = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(CHECKOUT),
        "PYTHONUNBUFFERED": "1",
    }
    if target in ("trt", "trt-pg"):
        env = service_env(
            sink_url,
            token,
            data,
            BOT_MODE=mode,
            PORT=str(port),
            OPS_PORT="0",
            WEBHOOK_SECRET_TOKEN=SECRET,
            WEBHOOK_BASE_URL=f"http://127.0.0.1:{port}",
            TELEGRAM_RATE_SCALE="100",
            INBOX_MAX_BACKLOG="1000000",
            LOG_FORMAT="json",
            LOG_LEVEL="info",
        )
        if database is not None:
            env["DATABASE_URL"] = database
        return [sys.executable, "-m", "trt_actors", "run"], {**base, **env}
    env = {
        "BENCH_TOKEN": token,
        "BENCH_API_URL": sink_url,
        "BENCH_MODE": mode,
        "BENCH_PORT": str(port),
        "BENCH_SECRET": SECRET,
    }
    module = {"ptb": "bench.ptb_bot", "aiogram": "bench.aiogram_bot"}[target]
    return [sys.executable, "-m", module], {**base, **env}


# -- the sink ----------------------------------------------------------------------------------


class Sink:
    """The Bot API stand-in's process and its control routes."""

    def __init__(self, process: trio.Process, base_url: str, token: str) -> None:
        self.process = process
        self.base_url = base_url
        self.token = token
        self.client = httpx.AsyncClient(base_url=base_url, timeout=CONTROL_DEADLINE)

    async def reset(self) -> None:
        (await self.client.post("/_sink/reset")).raise_for_status()

    async def count(self) -> dict[str, Any]:
        response = await self.client.get("/_sink/count")
        response.raise_for_status()
        return dict(response.json())

    async def stats(self) -> dict[str, Any]:
        response = await self.client.get("/_sink/stats")
        response.raise_for_status()
        return dict(response.json())

    async def queue(self, updates: Sequence[bytes]) -> None:
        for start in range(0, len(updates), QUEUE_CHUNK):
            body = b"[" + b",".join(updates[start : start + QUEUE_CHUNK]) + b"]"
            response = await self.client.post(
                "/_sink/updates", content=body, headers={"Content-Type": "application/json"}
            )
            response.raise_for_status()


@contextlib.asynccontextmanager
async def open_sink(cores: set[int]) -> AsyncIterator[Sink]:
    process = await trio.lowlevel.open_process(
        [*pinned(cores), sys.executable, "-m", "bench.sink", "--port", "0"],
        cwd=CHECKOUT,
        env={**os.environ, "PYTHONPATH": str(CHECKOUT)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        buffer = b""
        with trio.fail_after(STARTUP_DEADLINE):
            while b"\n" not in buffer:
                chunk = await process.stdout.receive_some(4096)
                if not chunk:
                    raise RuntimeError("the sink exited before it served (python -m bench.sink)")
                buffer += chunk
        info = json.loads(buffer.split(b"\n", 1)[0])
        sink = Sink(process, info["base_url"], info["token"])
        async with sink.client:
            yield sink
    finally:
        await stop(process)


def pinned(cores: set[int]) -> list[str]:
    return ["taskset", "-c", ",".join(map(str, sorted(cores)))]


async def stop(process: trio.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        with trio.move_on_after(STOP_DEADLINE):
            await process.wait()
    if process.returncode is None:
        process.kill()
        with trio.move_on_after(STOP_DEADLINE):
            await process.wait()


# -- one target in one mode --------------------------------------------------------------------


class Bench:
    """One invocation: the sink, the plan, and fresh ids for every update and user."""

    def __init__(
        self, sink: Sink, plan: Plan, logs: Path | None = None, postgres: str | None = None
    ) -> None:
        self.sink = sink
        self.plan = plan
        self.logs = logs  # keep each bot's log there
        # the server `trt-pg` runs on (a fresh database each run); None: a private one per run
        self.postgres = postgres
        self.update_ids = itertools.count(1)
        self.user_ids = itertools.count(FIRST_USER)

    def starts(self, count: int) -> list[tuple[int, int, bytes]]:
        """`count` /start updates of new users: (update_id, user_id, body)."""
        made = []
        for _ in range(count):
            update_id, user = next(self.update_ids), next(self.user_ids)
            made.append((update_id, user, start_update(update_id, user, "Bench")))
        return made

    async def measure(self, target: Target, mode: Mode, round_: int) -> Run:
        run = Run(target, mode, round_)
        port = free_port()
        await self.sink.reset()
        with contextlib.ExitStack() as scratch:
            data = Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
            database, database_pid = None, None
            if target == "trt-pg" and self.postgres is None:
                # a private server for this run alone: none runs beside the other targets
                # (one left running slowed them: its checkpoints share the disk)
                server = scratch.enter_context(PostgresServer(durable=True))
                database, database_pid = server.url, server.pid
            elif target == "trt-pg":
                database = scratch.enter_context(scratch_database(self.postgres, "bench"))
            argv, env = command(
                target,
                mode,
                port=port,
                sink_url=self.sink.base_url,
                token=self.sink.token,
                data=data,
                database=database,
            )
            log_path = data / "bot.log"
            with log_path.open("wb") as log:
                began = time.monotonic()
                process = await trio.lowlevel.open_process(
                    [*pinned({self.plan.core}), *argv],
                    cwd=CHECKOUT,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                )
            bot = Bot(target, mode, port, process, log_path, database_pid=database_pid)
            try:
                run.ready_s = await self.ready(bot) - began
                await self.saturate(bot, run)
                for rate in self.plan.rates:
                    run.rates.append(await self.offer(bot, rate))
            except (RuntimeError, trio.TooSlowError, httpx.HTTPError, OSError) as exc:
                run.error = f"{type(exc).__name__}: {exc}"
                print(f"  {NAMES[target]} {mode}: failed: {run.error}\n{bot.tail()}", flush=True)
            finally:
                await stop(process)
                if self.logs is not None:
                    self.logs.mkdir(parents=True, exist_ok=True)
                    shutil.copy(log_path, self.logs / f"{target}-{mode}-{round_ + 1}.log")
        return run

    async def ready(self, bot: Bot) -> float:
        """When the bot was first ready (monotonic); one /start is then answered (warm-up)."""
        [(_, _, body)] = self.starts(1)
        with trio.fail_after(STARTUP_DEADLINE):
            if bot.mode == "webhook":
                ready = await bot.first_ack(body)
            else:
                while (first := (await self.sink.count())["first_get_updates"]) is None:
                    bot.check()
                    await trio.sleep(POLL_EVERY)
                ready = float(first)
                await self.sink.queue([body])
            while (await self.sink.count())["chats"] < 1:
                bot.check()
                await trio.sleep(POLL_EVERY)
        await self.sink.reset()
        return ready

    async def wait_answered(self, bot: Bot, users: int, deadline: float) -> None:
        with trio.move_on_after(deadline):
            while (await self.sink.count())["chats"] < users:
                bot.check()
                await trio.sleep(POLL_EVERY * 5)

    def drain_deadline(self, updates: int) -> float:
        return max(30.0, updates / 50)  # even 50 replies/s is a figure; slower is a failure

    async def saturate(self, bot: Bot, run: Run) -> None:
        starts = self.starts(self.plan.users)
        run.users = len(starts)
        cpu_before = proc.cpu_seconds(bot.pid)
        database = bot.database_pid
        db_before = proc.cpu_seconds(database) if database is not None else 0.0
        load_before = self.load_cpu()
        began = acks_done = time.monotonic()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self.sample_rss, bot, run.rss_samples)
            if bot.mode == "webhook":
                posted = await bot.post([(u, body) for u, _, body in starts], None, self.plan)
                acked = [p for p in posted if p.status == 200]
                run.acked = len(acked)
                acks_done = max((p.scheduled_at + p.acked_after for p in acked), default=began)
                run.ack_request_ms = [p.answered_in * 1000 for p in acked]
            else:
                await self.sink.queue([body for _, _, body in starts])
            await self.wait_answered(bot, run.users, self.drain_deadline(run.users))
            nursery.cancel_scope.cancel()
        cpu = proc.cpu_seconds(bot.pid) - cpu_before
        db_cpu = math.nan if database is None else proc.cpu_seconds(database) - db_before
        load_cpu = self.load_cpu() - load_before
        run.load_busy = load_cpu / (time.monotonic() - began) / self.plan.load_cores
        run.rss_mb = proc.rss_bytes(bot.pid) / 2**20
        stats = await self.sink.stats()
        if bot.mode == "polling":
            acked_at = [float(t) for t in stats["acked_at"].values()]
            run.acked = len(acked_at)
            acks_done = max(acked_at, default=began)
        run.answered = len(stats["reply_at"])
        run.acked_per_s = run.acked / (acks_done - began) if acks_done > began else math.nan
        if stats["last_reply"] is not None:
            run.replies_per_s = run.answered / (float(stats["last_reply"]) - began)
        run.cpu_ms_per_update = cpu * 1000 / max(run.answered, 1)
        run.db_cpu_ms_per_update = db_cpu * 1000 / max(run.answered, 1)
        run.calls = {k: int(v) for k, v in stats["calls"].items()}
        run.reply = stats["sample"]
        run.rss_samples.append((run.answered, run.rss_mb))

    def load_cpu(self) -> float:
        """CPU seconds of the load side so far: this driver and the sink."""
        return time.process_time() + proc.cpu_seconds(int(self.sink.process.pid))

    async def sample_rss(self, bot: Bot, samples: list[tuple[int, float]]) -> None:
        while True:
            answered = int((await self.sink.count())["chats"])
            samples.append((answered, proc.rss_bytes(bot.pid) / 2**20))
            await trio.sleep(SAMPLE_EVERY)

    async def offer(self, bot: Bot, rate: float) -> RatePhase:
        phase = RatePhase(rate)
        await self.sink.reset()
        starts = self.starts(max(1, round(rate * self.plan.rate_seconds)))
        phase.offered = len(starts)
        chat_of = {update_id: user for update_id, user, _ in starts}
        scheduled: dict[int, float] = {}
        if bot.mode == "webhook":
            posted = await bot.post([(u, body) for u, _, body in starts], rate, self.plan)
            for p in posted:
                scheduled[p.update_id] = p.scheduled_at
                if p.status == 200:
                    phase.ack_ms.append(p.first_latency * 1000)
        else:
            await self.queue_at(rate, [body for _, _, body in starts])
        await self.wait_answered(bot, len(starts), self.drain_deadline(len(starts)))
        stats = await self.sink.stats()
        if bot.mode == "polling":
            queued = {int(k): float(v) for k, v in stats["queued_at"].items()}
            scheduled.update(queued)
            phase.ack_ms = [
                (float(t) - queued[int(u)]) * 1000 for u, t in stats["acked_at"].items()
            ]
        phase.acked = len(phase.ack_ms)
        reply_at = {int(k): float(v) for k, v in stats["reply_at"].items()}
        phase.answered = len(reply_at)
        phase.reply_ms = [
            (reply_at[chat_of[u]] - t) * 1000
            for u, t in scheduled.items()
            if chat_of.get(u) in reply_at and not math.isnan(t)
        ]
        return phase

    async def queue_at(self, rate: float, bodies: Sequence[bytes]) -> None:
        """Queue `bodies` at the sink at `rate` per second, a tick's worth at a time."""
        began = time.monotonic()
        sent = 0
        while sent < len(bodies):
            due = min(len(bodies), math.floor((time.monotonic() - began) * rate) + 1)
            if due > sent:
                await self.sink.queue(bodies[sent:due])
                sent = due
            await trio.sleep(TICK)


class Bot:
    """A target's running process."""

    def __init__(
        self,
        target: Target,
        mode: Mode,
        port: int,
        process: trio.Process,
        log: Path,
        *,
        database_pid: int | None = None,
    ) -> None:
        self.target = target
        self.mode = mode
        self.port = port
        self.process = process
        self.log = log
        self.database_pid = database_pid  # its own PostgreSQL server's main process (trt-pg)

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def check(self) -> None:
        if self.process.returncode is not None:
            raise RuntimeError(f"the bot exited with {self.process.returncode}")

    def tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    async def first_ack(self, body: bytes) -> float:
        """Post `body` until the webhook answers 200; when it did (monotonic)."""
        url = f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        async with httpx.AsyncClient(timeout=5) as client:
            while True:
                self.check()
                with contextlib.suppress(httpx.TransportError):
                    if (await client.post(url, content=body, headers=headers)).status_code == 200:
                        return time.monotonic()
                await trio.sleep(POLL_EVERY)

    async def post(
        self, bodies: list[tuple[int, bytes]], rate: float | None, plan: Plan
    ) -> list[Posted]:
        per_address = max(1, plan.connections // len(SOURCE_ADDRESSES))
        return await post_updates(
            "127.0.0.1",
            self.port,
            WEBHOOK_PATH,
            SECRET,
            bodies,
            rate=rate,
            addresses=SOURCE_ADDRESSES,
            connections_per_address=per_address,
            give_up_after=60.0,
        )


# -- the report ----------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    kept = [v for v in values if not math.isnan(v)]
    return statistics.median(kept) if kept else math.nan


def fmt(value: float, spec: str = ".0f", unit: str = "") -> str:
    return "—" if math.isnan(value) else f"{value:{spec}}{unit}"


def phase_at(run: Run, rate: float) -> RatePhase | None:
    return next((p for p in run.rates if p.rate == rate), None)


def table(runs: Sequence[Run], plan: Plan) -> str:
    columns = sorted(
        {(r.target, r.mode) for r in runs}, key=lambda c: (MODES.index(c[1]), TARGETS.index(c[0]))
    )

    def cell(
        target: Target, mode: Mode, figure: Callable[[Run], float], spec: str, unit: str
    ) -> str:
        mine = [r for r in runs if (r.target, r.mode) == (target, mode) and not r.error]
        return fmt(median([figure(r) for r in mine]), spec, unit) if mine else "failed"

    def at(
        rate: float, pick: Callable[[RatePhase], list[float]], q: float
    ) -> Callable[[Run], float]:
        def figure(run: Run) -> float:
            phase = phase_at(run, rate)
            return percentile(pick(phase), q) if phase is not None and pick(phase) else math.nan

        return figure

    rows: list[tuple[str, Callable[[Run], float], str, str]] = [
        ("acknowledged updates/s (saturation)", lambda r: r.acked_per_s, ",.0f", ""),
        (
            f"ACK p50 at {plan.ack_rate:g}/s offered",
            at(plan.ack_rate, lambda p: p.ack_ms, 50),
            ".1f",
            " ms",
        ),
        (
            f"ACK p99 at {plan.ack_rate:g}/s offered",
            at(plan.ack_rate, lambda p: p.ack_ms, 99),
            ".1f",
            " ms",
        ),
        (
            f"ACK p99 per request, {plan.connections} connections (webhook)",
            lambda r: percentile(r.ack_request_ms, 99) if r.ack_request_ms else math.nan,
            ".1f",
            " ms",
        ),
        ("replies/s end to end (saturation)", lambda r: r.replies_per_s, ",.0f", ""),
        (
            f"first reply p50 at {plan.reply_rate:g}/s offered",
            at(plan.reply_rate, lambda p: p.reply_ms, 50),
            ".1f",
            " ms",
        ),
        (
            f"first reply p99 at {plan.reply_rate:g}/s offered",
            at(plan.reply_rate, lambda p: p.reply_ms, 99),
            ".1f",
            " ms",
        ),
        ("CPU per update (process tree)", lambda r: r.cpu_ms_per_update, ".2f", " ms"),
        (
            "CPU per update of the database server (trt-pg, on the load side's cores)",
            lambda r: r.db_cpu_ms_per_update,
            ".2f",
            " ms",
        ),
        (f"RSS after {plan.users:,} users", lambda r: r.rss_mb, ".0f", " MB"),
        ("start to ready", lambda r: r.ready_s, ".2f", " s"),
        (
            f"load side busy (driver + sink, {plan.load_cores} core(s))",
            lambda r: r.load_busy * 100,
            ".0f",
            " %",
        ),
    ]
    head = ["| figure | " + " | ".join(f"{NAMES[t]} {version(t)} {m}" for t, m in columns) + " |"]
    head.append("|---|" + "---|" * len(columns))
    lines = [
        f"| {name} | " + " | ".join(cell(t, m, figure, spec, unit) for t, m in columns) + " |"
        for name, figure, spec, unit in rows
    ]
    lines.append("| the ACK means | " + " | ".join(ACK_MEANS[t] for t, _ in columns) + " |")
    lines.append(
        "| the reply sent | " + " | ".join(reply_cell(runs, t, m) for t, m in columns) + " |"
    )
    lines.append(
        "| lost / unanswered | " + " | ".join(loss_cell(runs, t, m) for t, m in columns) + " |"
    )
    return "\n".join(head + lines)


def reply_cell(runs: Sequence[Run], target: Target, mode: Mode) -> str:
    sample = next((r.reply for r in runs if (r.target, r.mode) == (target, mode) and r.reply), None)
    if sample is None:
        return "—"
    return f"{sample['buttons']} buttons, {sample['bytes']} B {sample['content_type']}"


def loss_cell(runs: Sequence[Run], target: Target, mode: Mode) -> str:
    mine = [r for r in runs if (r.target, r.mode) == (target, mode) and not r.error]
    lost = sum(r.users - r.acked for r in mine) + sum(
        p.offered - p.acked for r in mine for p in r.rates
    )
    unanswered = sum(r.users - r.answered for r in mine) + sum(
        p.offered - p.answered for r in mine for p in r.rates
    )
    return f"{lost} / {unanswered}"


def sweep(runs: Sequence[Run]) -> str:
    lines = [
        "| target | mode | offered/s | acked | ACK p50 | ACK p99 | reply p50 | reply p99 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        for p in run.rates:
            figures = (
                fmt(percentile(values, q), ".1f")
                for values in (p.ack_ms, p.reply_ms)
                for q in (50, 99)
            )
            lines.append(
                f"| {NAMES[run.target]} | {run.mode} | {p.rate:g} | {p.acked}/{p.offered} | "
                + " | ".join(figures)
                + " |"
            )
    return "\n".join(lines)


def plot(runs: Sequence[Run], plan: Plan, folder: Path) -> list[Path]:
    """ACK latency vs offered rate; CPU per update; RSS vs users answered."""
    import matplotlib  # noqa: PLC0415  (only with --plots: it costs a quarter second)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    folder.mkdir(parents=True, exist_ok=True)
    columns = sorted(
        {(r.target, r.mode) for r in runs if not r.error},
        key=lambda c: (TARGETS.index(c[0]), MODES.index(c[1])),
    )
    colours = {column: f"C{i}" for i, column in enumerate(columns)}

    def runs_of(column: tuple[Target, Mode]) -> list[Run]:
        return [r for r in runs if (r.target, r.mode) == column and not r.error]

    def titled(ax: Any, title: str) -> None:
        if plan.quick:  # never mistaken for a result
            ax.set_title(
                f"{title}\nSMOKE RUN (--quick) on a loaded machine: not a result", color="red"
            )
        else:
            ax.set_title(title)

    made = []
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for column in columns:
        for q, style in ((99, "-o"), (50, ":.")):
            points = [
                (
                    rate,
                    median(
                        [
                            percentile(p.ack_ms, q)
                            for r in runs_of(column)
                            if (p := phase_at(r, rate))
                        ]
                    ),
                )
                for rate in plan.rates
            ]
            ax.plot(
                [x for x, _ in points],
                [y for _, y in points],
                style,
                color=colours[column],
                label=f"{NAMES[column[0]]} {column[1]} p{q}",
            )
    ax.set(xlabel="offered updates/s", ylabel="ACK latency, ms", yscale="log")
    titled(ax, "ACK latency vs offered rate")
    ax.legend(fontsize=7)
    made.append(_save(fig, folder / "bench-ack-latency.png"))

    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.bar(
        [textwrap.fill(f"{NAMES[t]} {m}", LABEL_WIDTH) for t, m in columns],
        [median([r.cpu_ms_per_update for r in runs_of(c)]) for c in columns],
        color=[colours[c] for c in columns],
    )
    ax.set(ylabel="CPU ms per /start (process tree)")
    titled(ax, "CPU per update, /start to reply")
    ax.tick_params(axis="x", labelsize=7)
    made.append(_save(fig, folder / "bench-cpu-per-update.png"))

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for column in columns:
        samples = sorted(runs_of(column)[0].rss_samples)
        ax.plot(
            [u for u, _ in samples],
            [m for _, m in samples],
            color=colours[column],
            label=f"{NAMES[column[0]]} {column[1]}",
        )
    ax.set(
        xlabel="users answered (each one's state kept in memory)", ylabel="RSS, MB", ylim=(0, None)
    )
    titled(ax, "RSS vs users answered")
    ax.legend(fontsize=7)
    made.append(_save(fig, folder / "bench-rss-vs-sessions.png"))
    return made


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


# -- the command -------------------------------------------------------------------------------


def parse(argv: Sequence[str] | None) -> tuple[argparse.Namespace, Plan]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a few seconds per target")
    parser.add_argument("--targets", nargs="+", choices=TARGETS, default=list(TARGETS))
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--users", type=int, help="saturation phase (default 10000; quick 200)")
    parser.add_argument("--connections", type=int, default=40)
    parser.add_argument("--rates", type=float, nargs="*", help="default 100 300 1000; quick 100")
    parser.add_argument("--rate-seconds", type=float, help="default 5; quick 1")
    parser.add_argument("--repeat", type=int, help="rounds; medians are shown (default 3; quick 1)")
    parser.add_argument("--core", type=int, help="the bots' core (default: the last one allowed)")
    parser.add_argument("--plots", type=Path, metavar="DIR", help="write the PNG plots there")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every figure there")
    parser.add_argument("--logs", type=Path, metavar="DIR", help="keep each bot's log there")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="trt-pg's server (a fresh database each run); default: a private durable server "
        "started for each run, on the load side's cores",
    )
    args = parser.parse_args(argv)
    quick = bool(args.quick)
    rates = tuple(
        args.rates if args.rates is not None else ([100.0] if quick else [100.0, 300.0, 1000.0])
    )
    allowed = sorted(os.sched_getaffinity(0))
    core = args.core if args.core is not None else allowed[-1]
    plan = Plan(
        users=args.users or (200 if quick else 10_000),
        connections=args.connections,
        rates=rates,
        rate_seconds=args.rate_seconds or (1.0 if quick else 5.0),
        repeat=args.repeat or (1 if quick else 3),
        ack_rate=1000.0 if 1000.0 in rates else max(rates, default=math.nan),
        reply_rate=300.0 if 300.0 in rates else min(rates, default=math.nan),
        core=core,
        load_cores=max(1, len(set(allowed) - {core})),
        quick=quick,
    )
    return args, plan


async def bench(args: argparse.Namespace, plan: Plan, others: set[int]) -> list[Run]:
    runs: list[Run] = []
    async with open_sink(others) as sink:
        session = Bench(sink, plan, args.logs, args.postgres)
        for round_ in range(plan.repeat):  # rounds outermost: a noisy minute hits all alike
            for mode in args.modes:
                for target in args.targets:
                    print(
                        f"round {round_ + 1}/{plan.repeat}: {NAMES[target]} {mode} ...", flush=True
                    )
                    runs.append(await session.measure(target, mode, round_))
    return runs


def main(argv: Sequence[str] | None = None) -> int:
    args, plan = parse(argv)
    problems = missing(args.targets, args.modes, args.postgres)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    if shutil.which("taskset") is None:
        print(
            "taskset is not installed (util-linux): it pins each bot to its core", file=sys.stderr
        )
        return 2
    clocks = {time.get_clock_info(c).implementation for c in ("monotonic", "perf_counter")}
    if clocks != {"clock_gettime(CLOCK_MONOTONIC)"}:  # the sink's times and ours must compare
        print(f"needs CLOCK_MONOTONIC for both clocks, not {clocks} (Linux)", file=sys.stderr)
        return 2
    allowed = set(os.sched_getaffinity(0))
    if plan.core not in allowed or len(allowed) < 2:
        print(
            f"need core {plan.core} for the bots and another for the load: have {sorted(allowed)}",
            file=sys.stderr,
        )
        return 2
    others = allowed - {plan.core}
    os.sched_setaffinity(0, others)  # this driver (the load) and the sink stay off the bots' core
    print(
        f"{'SMOKE RUN (--quick): figures prove the harness only. ' if plan.quick else ''}"
        f"bots on core {plan.core}, sink and load on {sorted(others)}; {plan.users:,} users, "
        f"{plan.connections} connections, rates {list(plan.rates)} for {plan.rate_seconds:g} s, "
        f"{plan.repeat} round(s)",
        flush=True,
    )
    runs = trio.run(bench, args, plan, others)
    print()
    print(table(runs, plan))
    for run in runs:
        if run.load_busy > LOAD_BUSY_WARNING:
            print(
                f"warning: the load side was {run.load_busy:.0%} busy during {NAMES[run.target]} "
                f"{run.mode} (round {run.round + 1}): its saturation figures may be the "
                f"harness's limit, not the bot's"
            )
    if plan.rates:
        print()
        print(sweep(runs))
    if args.json:
        args.json.write_text(
            json.dumps({"plan": asdict(plan), "runs": [asdict(r) for r in runs]}, indent=1)
        )
    if args.plots:
        for path in plot(runs, plan, args.plots):
            print(f"plot: {path}")
    return 1 if any(r.error for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
