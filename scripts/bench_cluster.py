"""Benchmark several instances as one bot: capacity with 1, 2 and 3 instances, and the time a
dead instance's users wait.

    .venv/bin/python scripts/bench_cluster.py                        # 1, 2, 3 instances
    .venv/bin/python scripts/bench_cluster.py --instances 2 --rate 300 --seconds 5

For each count of instances: a throwaway PostgreSQL (durable defaults) and Redis, that many
`trt run` processes in webhook mode, a round-robin balancer (trt_actors/testing/balancer.py)
in front of them, and the Telegram emulator — the balancer, the emulator and the load
generator in this process.

1. Capacity: /start from new users at `--rate` per second for `--seconds`, through the
   balancer; it prints updates acknowledged and answered per second (every update handled
   in full: inbox commit, partition owner, session, reply) and the first reply's latency
   from the post to the emulator receiving it (p50 and p99). Telegram's pacing is lifted
   here (`TELEGRAM_RATE_SCALE=100`, emulator flood limits off): the service's capacity is
   measured, not the message budget.
2. Takeover (two instances or more), in a fresh cluster at Telegram's own pace (30 messages
   per second, the emulator's flood limits on): 200 users' /start, then SIGKILL of one
   instance as soon as all are acknowledged — its users are then acknowledged and mostly
   not yet answered; it prints how many users were unanswered at the kill and the seconds
   from the kill until the last of the 200 was answered.

Every process shares this machine's cores, so the figures say what one machine gives; see
docs/scale-out.md for how to read them.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trio

from trt_actors.emulators.kie import open_kie_emulator
from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.testing.balancer import open_balancer
from trt_actors.testing.postgres import create_database, throwaway_postgres
from trt_actors.testing.redis_server import RedisServer
from trt_actors.testing.trt_process import free_port
from trt_actors.testing.webhook_load import post_updates, start_update

SECRET = "bench-secret"
SOURCES = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
STARTUP_DEADLINE = 60.0
CHECKOUT = Path(__file__).resolve().parent.parent


@dataclass
class Figures:
    instances: int
    offered: int = 0
    acked: int = 0
    seconds: float = 0.0
    answered_per_s: float = math.nan
    reply_ms: list[float] = field(default_factory=list)
    takeover_s: float = math.nan
    stranded: int = 0  # users not yet answered when the instance was killed

    def percentile(self, q: int) -> float:
        if len(self.reply_ms) < 2:
            return math.nan
        return statistics.quantiles(self.reply_ms, n=100)[q - 1]


async def wait_ready(port: int) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        with trio.fail_after(STARTUP_DEADLINE):
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                        return
                await trio.sleep(0.2)


async def measure(
    instances: int, rate: float, seconds: float, pg: str, redis: str, *, takeover: bool
) -> Figures:
    """One cluster: its capacity at `rate` (paced at 100 times Telegram's), or (`takeover`)
    how long a killed instance's users wait (at Telegram's pace)."""
    figures = Figures(instances)
    tenant = f"b{uuid.uuid4().hex[:8]}"
    database = create_database(pg, f"bench_{tenant}")
    ports = [free_port() for _ in range(instances)]
    config = EmulatorConfig(rate_limits=RateLimits() if takeover else RateLimits.relaxed())
    async with (
        open_telegram_emulator(config) as emu,
        open_kie_emulator() as kie,
        open_balancer(ports) as balancer,
    ):
        run = Run(emu, balancer.port, tenant, figures)
        bot = emu.ctl.bot
        add_message = bot.add_message

        def recorded(chat: Any, sender: Any, content: Any, **kw: Any) -> Any:
            if sender.is_bot:
                run.replied(chat.id)
            return add_message(chat, sender, content, **kw)

        bot.add_message = recorded  # type: ignore[method-assign]
        assert emu.base_url is not None
        processes = []
        with tempfile.TemporaryDirectory() as tmp:
            try:
                for port in ports:
                    env = {
                        "PATH": os.environ["PATH"],
                        "TELEGRAM_BOT_TOKEN": emu.config.token,
                        "TELEGRAM_API_BASE_URL": emu.base_url,
                        "TELEGRAM_RATE_SCALE": "1" if takeover else "100",
                        "DATABASE_URL": database,
                        "REDIS_URL": redis,
                        "TENANT_ID": tenant,
                        "BOT_MODE": "webhook",
                        "WEBHOOK_SECRET_TOKEN": SECRET,
                        "WEBHOOK_BASE_URL": f"http://127.0.0.1:{balancer.port}",
                        "HOST": "127.0.0.1",
                        "PORT": str(port),
                        "OPS_PORT": "0",
                        "KIE_API_KEY": kie.api_key,
                        "KIE_API_BASE_URL": kie.base_url,
                        "LOG_LEVEL": "warning",
                        "LOG_FORMAT": "json",
                    }
                    processes.append(
                        await trio.lowlevel.open_process(
                            [sys.executable, "-m", "trt_actors", "run"],
                            env=env,
                            cwd=tmp,
                            stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                        )
                    )
                for port in ports:
                    await wait_ready(port)
                await trio.sleep(3)  # the partitions divided between the instances
                if takeover:
                    await run.takeover(processes[0])
                else:
                    await run.capacity(rate, seconds)
            finally:
                for process in processes:
                    if process.returncode is None:
                        process.send_signal(signal.SIGTERM)
                for process in processes:
                    with trio.move_on_after(15):
                        await process.wait()
                    if process.returncode is None:
                        process.kill()
    return figures


@dataclass
class Run:
    """One cluster under load: where to post, and when each chat got its first reply."""

    emu: Any
    port: int
    tenant: str
    figures: Figures
    first_reply: dict[int, float] = field(default_factory=dict)
    _changed: trio.Event = field(default_factory=trio.Event)

    def replied(self, chat_id: int) -> None:
        if chat_id not in self.first_reply:
            self.first_reply[chat_id] = time.perf_counter()
            self._changed.set()

    async def answered(self, users: list[Any], count: int) -> None:
        """Wait until `count` of `users` were answered."""
        while sum(1 for u in users if u.id in self.first_reply) < count:
            self._changed = trio.Event()
            await self._changed.wait()

    async def post(self, bodies: list[tuple[int, bytes]], rate: float | None) -> int:
        posted = await post_updates(
            "127.0.0.1",
            self.port,
            f"/webhook/{self.tenant}",
            SECRET,
            bodies,
            rate=rate,
            addresses=SOURCES,
        )
        return sum(p.status == 200 for p in posted)

    async def capacity(self, rate: float, seconds: float) -> None:
        users = self.emu.ctl.open_chats(int(rate * seconds))
        bodies = [(n + 1, start_update(n + 1, u.id, u.first_name)) for n, u in enumerate(users)]
        began = time.perf_counter()
        figures = self.figures
        figures.offered = len(bodies)
        figures.acked = await self.post(bodies, rate)
        with trio.move_on_after(120):
            await self.answered(users, figures.acked)
        done = [self.first_reply[u.id] for u in users if u.id in self.first_reply]
        figures.seconds = max(done) - began if done else math.nan
        figures.answered_per_s = len(done) / figures.seconds if done else math.nan
        for n, user in enumerate(users):
            if user.id in self.first_reply:
                scheduled = began + n / rate
                figures.reply_ms.append((self.first_reply[user.id] - scheduled) * 1000)

    async def takeover(self, victim: trio.Process) -> None:
        users = self.emu.ctl.open_chats(200)
        bodies = [
            (1_000_000 + n, start_update(1_000_000 + n, u.id, u.first_name))
            for n, u in enumerate(users)
        ]
        await self.post(bodies, None)
        victim.kill()
        killed = time.perf_counter()
        self.figures.stranded = sum(1 for u in users if u.id not in self.first_reply)
        with trio.move_on_after(60):
            await self.answered(users, len(users))
        last = max((self.first_reply.get(u.id, math.inf) for u in users), default=math.inf)
        self.figures.takeover_s = last - killed


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--rate", type=float, default=400.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    rows = []
    with throwaway_postgres(durable=True) as pg, RedisServer() as redis:
        for count in args.instances:
            capacity = trio.run(
                functools.partial(
                    measure, count, args.rate, args.seconds, pg, redis.url, takeover=False
                )
            )
            if count > 1:
                death = trio.run(
                    functools.partial(measure, count, 0, 0, pg, redis.url, takeover=True)
                )
                capacity.takeover_s, capacity.stranded = death.takeover_s, death.stranded
            rows.append(capacity)
            print(f"done: {count} instance(s)", file=sys.stderr, flush=True)
    print(f"offered {args.rate:.0f} /start per second for {args.seconds:g} s")
    print(
        "instances | acked | answered/s | first reply p50 ms | p99 ms"
        " | unanswered at the kill | kill -9 to last answer s"
    )
    for f in rows:
        print(
            f"{f.instances} | {f.acked}/{f.offered} | {f.answered_per_s:.0f} |"
            f" {f.percentile(50):.0f} | {f.percentile(99):.0f} | {f.stranded}"
            f" | {f.takeover_s:.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
