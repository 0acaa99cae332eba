"""Benchmark the first reply to /start through the whole service, under load.

    .venv/bin/python scripts/bench_start.py                      # 300 /start per second, 10 s
    .venv/bin/python scripts/bench_start.py --rates 200 300 400 --seconds 10
    .venv/bin/python scripts/bench_start.py --rates 300 --profile /tmp/start.prof

Two processes: this script, which runs the Telegram emulator (flood limits off) and offers
the load, and `trt run` in polling mode on SQLite. Each /start comes from one of a pool of
users (a third of them new to the bot when they press it, the rest returning) and is pushed
into the emulator's update queue; its latency is the time until the emulator receives the
bot's reply (sendMessage to that chat) — intake, inbox commit, dispatch, session, handler
and outbound included. The service paces replies at 100 times Telegram's limits
(`TELEGRAM_RATE_SCALE`): with Telegram's own 30 messages/s the queue, not the service,
would be measured. The first `--warmup` seconds (other users) are not counted. This
process runs with Python's garbage collector off during a run (it lasts seconds): its own
collections stopped the emulator for 35-110 ms, which the figures then blamed on the service.
`--profile` runs the service under cProfile and prints its top functions (main thread only);
`--sample` has py-spy (installed separately) sample every thread of it during the measured
phase, in py-spy's raw format (collapsed stacks).
"""

from __future__ import annotations

import argparse
import collections
import gc
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trio

from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.testing.trt_process import free_port

STARTUP_DEADLINE = 30.0
DRAIN = 10.0  # after the last /start, wait this long for replies
LIMITS_SCALE = "100"
CHECKOUT = Path(__file__).resolve().parent.parent  # this version: the scripts' repository


@dataclass
class Replies:
    """Times the bot's replies: the emulator's call record, with a hook on append."""

    pending: dict[int, deque[tuple[float, bool]]] = field(
        default_factory=lambda: collections.defaultdict(deque)
    )
    latencies_ms: list[float] = field(default_factory=list)
    counting: bool = False

    def sent(self, chat_id: int, at: float) -> None:
        self.pending[chat_id].append((at, self.counting))

    def replied(self, record: Any) -> None:
        if record.method != "sendMessage" or record.status != 200:
            return
        waiting = self.pending.get(int(record.params.get("chat_id", 0)))
        if waiting:
            began, counted = waiting.popleft()
            if counted:  # a /start of the measured phase, not of the warm-up
                self.latencies_ms.append((time.perf_counter() - began) * 1000)

    @property
    def unanswered(self) -> int:
        return sum(len(waiting) for waiting in self.pending.values())


class TimedCalls(deque[Any]):
    def __init__(self, replies: Replies, maxlen: int | None) -> None:
        super().__init__(maxlen=maxlen)
        self.replies = replies

    def append(self, record: Any) -> None:
        super().append(record)
        self.replies.replied(record)


@dataclass
class Result:
    rate: float
    offered: int
    latencies_ms: list[float]
    unanswered: int
    service_cpu: float = 0.0  # CPU seconds of the service per second of the measured phase
    bench_cpu: float = 0.0  # the same for this process (emulator and load)
    version: str = "current"

    def percentile(self, q: int) -> float:
        if len(self.latencies_ms) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies_ms, n=100)[q - 1]


async def offer(
    emulator: Any, replies: Replies, users: list[Any], rate: float, seconds: float
) -> int:
    total = int(rate * seconds)
    began = time.perf_counter()
    for n in range(total):
        delay = began + n / rate - time.perf_counter()
        if delay > 0:
            await trio.sleep(delay)
        user = users[n % len(users)]
        replies.sent(user.id, time.perf_counter())
        emulator.ctl.send_command(user, "start")
    return total


async def wait_ready(url: str) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        with trio.fail_after(STARTUP_DEADLINE):
            while True:
                try:
                    if (await client.get(url)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await trio.sleep(0.1)


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of a process (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Plan:
    rate: float
    seconds: float
    warmup: float
    profile: Path | None = None  # cProfile output
    sample: Path | None = None  # py-spy output
    source: Path | None = None  # run the service from this copy of the code


async def run(plan: Plan, data_dir: Path) -> Result:
    rate, seconds, warmup = plan.rate, plan.seconds, plan.warmup
    profile, sample = plan.profile, plan.sample
    replies = Replies()
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())
    async with open_telegram_emulator(config) as emulator:
        emulator.calls = TimedCalls(replies, emulator.calls.maxlen)
        port = free_port()
        env = {
            "PATH": os.environ["PATH"],
            "TELEGRAM_BOT_TOKEN": emulator.config.token,
            "TELEGRAM_API_BASE_URL": str(emulator.base_url),
            "DATABASE_URL": f"sqlite:///{data_dir / 'bench.db'}",
            "BOT_MODE": "polling",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "OPS_PORT": "0",
            "LOG_LEVEL": "error",
            "TELEGRAM_RATE_SCALE": LIMITS_SCALE,
        }
        if plan.source is not None:
            env["PYTHONPATH"] = str(plan.source)
        command = [sys.executable, "-m", "trt_actors", "run"]
        if profile is not None:
            command = [sys.executable, "-m", "cProfile", "-o", str(profile), *command[1:]]
        # `python -m` puts the working directory first on sys.path: run from the version's copy
        service = await trio.lowlevel.open_process(
            command,
            env=env,
            cwd=str(plan.source or CHECKOUT),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
        )
        try:
            await wait_ready(f"http://127.0.0.1:{port}/readyz")
            ctl = emulator.ctl
            warm_users = [ctl.user(f"W{i}", language_code="en") for i in range(int(rate))]
            await offer(emulator, replies, warm_users, rate, warmup)
            await trio.sleep(1.0)
            users = [ctl.user(f"U{i}", language_code="en") for i in range(int(rate * seconds / 3))]
            replies.counting = True
            cpu = (process_cpu(service.pid), time.process_time(), time.perf_counter())
            if sample is not None:  # py-spy samples every thread of the service meanwhile
                spy = [str(Path(sys.executable).with_name("py-spy")), "record", "--pid"]
                spy += [str(service.pid), "-d", str(int(seconds)), "-r", "250", "-f", "raw"]
                await trio.lowlevel.open_process(
                    [*spy, "-o", str(sample)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            offered = await offer(emulator, replies, users, rate, seconds)
            with trio.move_on_after(DRAIN):
                while replies.unanswered:  # noqa: ASYNC110 (replies come from the emulator's record)
                    await trio.sleep(0.05)
            wall = time.perf_counter() - cpu[2]
            return Result(
                rate,
                offered,
                replies.latencies_ms,
                replies.unanswered,
                (process_cpu(service.pid) - cpu[0]) / wall,
                (time.process_time() - cpu[1]) / wall,
            )
        finally:
            service.terminate()
            with trio.move_on_after(30):
                await service.wait()
            if service.returncode is None:
                service.kill()


def show_profile(path: Path, top: int = 25) -> None:
    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(top)


def table(results: Iterable[Result]) -> str:
    lines = [
        f"{'version':<20}{'offered/s':>10}{'replies':>9}{'missing':>9}"
        f"{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
        f"{'service CPU':>13}{'ms CPU/start':>14}{'bench CPU':>11}"
    ]
    for r in results:
        lines.append(
            f"{r.version[-20:]:<20}{r.rate:>10.0f}{len(r.latencies_ms):>9}{r.unanswered:>9}"
            f"{r.percentile(50):>9.1f}{r.percentile(90):>9.1f}{r.percentile(99):>9.1f}"
            f"{r.service_cpu:>13.0%}{r.service_cpu / r.rate * 1000:>14.2f}{r.bench_cpu:>11.0%}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", type=float, nargs="+", default=[300])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--profile", type=Path, default=None, help="cProfile output (main thread)")
    parser.add_argument(
        "--sample", type=Path, default=None, help="py-spy raw output (every thread; needs py-spy)"
    )
    parser.add_argument(
        "--source",
        type=Path,
        action="append",
        default=[],
        help="a checkout of another version (git worktree add DIR COMMIT; repeatable); the"
        " runs take turns between the versions, this checkout being 'current'",
    )
    parser.add_argument("--rounds", type=int, default=1, help="runs per rate and version")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="where the SQLite file goes (default: a temporary directory); /dev/shm keeps"
        " the disk's fsync stalls out of the figures",
    )
    args = parser.parse_args()
    results = []
    versions: list[Path | None] = [*args.source, None]
    for _ in range(args.rounds):
        for rate in args.rates:
            for source in versions:
                with tempfile.TemporaryDirectory(dir=args.data_dir) as tmp:
                    plan = Plan(rate, args.seconds, args.warmup, args.profile, args.sample, source)
                    gc.collect()
                    gc.disable()  # the emulator's pauses are not the service's (docstring)
                    try:
                        result = trio.run(run, plan, Path(tmp))
                    finally:
                        gc.enable()
                result.version = str(source) if source is not None else "current"
                results.append(result)
    print(table(results))
    if args.profile is not None:
        show_profile(args.profile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
