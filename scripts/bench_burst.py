"""Benchmark a burst far above Telegram's pace: what is acknowledged, refused and answered,
and whether anything crashed on the way.

    .venv/bin/python scripts/bench_burst.py                        # 100, 1000, 3000 updates/s
    .venv/bin/python scripts/bench_burst.py --rates 1000 --seconds 2 --rate-scale 10
    .venv/bin/python scripts/bench_burst.py --source /tmp/before   # another version too

Three processes: the Telegram emulator with its flood limits on, `trt run` in webhook mode
(SQLite, JSON log), and this script posting one /start per new user at the offered rate for
`--seconds`, from four loopback addresses, posting a refused update (429/503) again after its
Retry-After as Telegram does. The bot's message budget is Telegram's 30 messages/s, so the
default run takes about half an hour per version (30,000 replies at the end of it); with
`--rate-scale 10` the budget is ten times that on both sides (the emulator's limits are scaled
alike) and a burst drains faster — but answering 300 updates/s then takes most of a core, and
the intake shares it. It prints, per rate: updates offered, acknowledged and refused at first try,
the ACK latency (p50/p99 of the first answer, from the scheduled time), the time from the
first post until the last user was answered, the 429s the emulator gave, the supervision
events in the service's log (crashes and give-ups must be 0, no inbox replay) and
`load.backpressure` episodes, and the service's peak RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import trio

from trt_actors.testing.trt_process import free_port
from trt_actors.testing.webhook_load import post_updates, start_update

SECRET = "bench-secret"
SOURCE_ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
CONNECTIONS = 16  # per address: 64 in all (Telegram opens up to 100, 40 by default)
STARTUP_DEADLINE = 30.0
CHECKOUT = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    version: str
    offered_rate: float
    offered: int = 0
    acked: int = 0
    refused: int = 0  # updates answered 429/503 at least once before they were taken
    lost: int = 0  # never acknowledged
    ack_ms: list[float] = field(default_factory=list)
    last_reply_s: float = math.nan
    answered: int = 0
    throttled: int = 0  # 429s the emulator gave the bot
    crashes: int = 0
    gave_up: int = 0
    replays: int = 0
    backpressure: int = 0  # load.backpressure episodes started
    rss_peak_mb: float = math.nan

    def percentile(self, q: int) -> float:
        if len(self.ack_ms) < 2:
            return math.nan
        return statistics.quantiles(self.ack_ms, n=100)[q - 1]


async def first_line(process: trio.Process) -> dict[str, Any]:
    assert process.stdout is not None
    buffer = b""
    with trio.fail_after(STARTUP_DEADLINE):
        async for chunk in process.stdout:
            buffer += chunk
            if b"\n" in buffer:
                return dict(json.loads(buffer.split(b"\n", 1)[0]))
    raise RuntimeError("the emulator printed nothing")


async def wait_ready(url: str) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        with trio.fail_after(STARTUP_DEADLINE):
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url)).status_code == 200:
                        return
                await trio.sleep(0.1)


def rss_peak_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return math.nan


def read_log(path: Path, result: Result) -> None:
    for line in path.read_text(errors="replace").splitlines():
        try:
            fields = json.loads(line)
            event = fields.get("event", "")
        except (json.JSONDecodeError, AttributeError):
            continue
        if event == "supervisor.child_crashed":
            result.crashes += 1
        elif event == "supervisor.child_gave_up":
            result.gave_up += 1
        elif event == "dispatcher.replayed":
            result.replays += 1
        elif event == "load.backpressure" and fields.get("state") == "started":
            result.backpressure += 1


async def run(
    rate: float, seconds: float, scale: float, drain_timeout: float, source: Path | None
) -> Result:
    result = Result(str(source) if source else "current", rate)
    total = int(rate * seconds)
    emulator = await trio.lowlevel.open_process(
        [sys.executable, "-m", "trt_actors.emulators.telegram", "--rate-scale", str(scale)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    service: trio.Process | None = None
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "service.log"
        try:
            info = await first_line(emulator)
            control = httpx.AsyncClient(base_url=info["base_url"], timeout=60)
            async with control:
                opened = await control.post("/_control/open_chats", json={"count": total})
                users = opened.json()["result"]
                port = free_port()
                env = {
                    "PATH": os.environ["PATH"],
                    "TELEGRAM_BOT_TOKEN": info["token"],
                    "TELEGRAM_API_BASE_URL": info["base_url"],
                    "TELEGRAM_RATE_SCALE": str(scale),
                    "DATABASE_URL": f"sqlite:///{tmp}/trt.db",
                    "BOT_MODE": "webhook",
                    "WEBHOOK_SECRET_TOKEN": SECRET,
                    "HOST": "127.0.0.1",
                    "PORT": str(port),
                    "OPS_PORT": "0",
                    "LOG_LEVEL": "info",
                    "LOG_FORMAT": "json",
                }
                if source is not None:
                    env["PYTHONPATH"] = str(source)
                with log_path.open("wb") as log_file:
                    service = await trio.lowlevel.open_process(
                        [sys.executable, "-m", "trt_actors", "run"],
                        env=env,
                        cwd=str(source or CHECKOUT),
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=log_file,
                    )
                await wait_ready(f"http://127.0.0.1:{port}/readyz")
                bodies = [(n + 1, start_update(n + 1, user)) for n, user in enumerate(users)]
                began = time.perf_counter()
                posted = await post_updates(
                    "127.0.0.1",
                    port,
                    "/webhook/default",
                    SECRET,
                    bodies,
                    rate=rate,
                    addresses=SOURCE_ADDRESSES,
                    connections_per_address=CONNECTIONS,
                    give_up_after=drain_timeout,
                )
                result.offered = total
                result.acked = sum(p.status == 200 for p in posted)
                result.lost = total - result.acked
                result.refused = sum(p.refused > 0 for p in posted)
                result.ack_ms = [p.first_latency * 1000 for p in posted if p.status == 200]
                with trio.move_on_after(drain_timeout):
                    while True:
                        answered = (await control.get("/_control/answered")).json()["result"]
                        result.answered = answered["chats"]
                        if result.answered >= result.acked:
                            result.last_reply_s = time.perf_counter() - began
                            break
                        await trio.sleep(0.25)
                tallies = (await control.get("/_control/tallies")).json()["result"]
                result.throttled = sum(by.get("429", 0) for by in tallies.values())
                result.rss_peak_mb = rss_peak_mb(service.pid)
        finally:
            for process in (service, emulator):
                if process is not None and process.returncode is None:
                    process.terminate()
                    with trio.move_on_after(15):
                        await process.wait()
                    if process.returncode is None:
                        process.kill()
        read_log(log_path, result)
    return result


HEADER = (
    "version",
    "offered/s",
    "updates",
    "acked",
    "refused",
    "lost",
    "ack p50 ms",
    "ack p99 ms",
    "last reply s",
    "answered",
    "429s",
    "crashes",
    "gave up",
    "replays",
    "episodes",
    "RSS MB",
)


def row(r: Result) -> str:
    cells = (
        r.version,
        f"{r.offered_rate:.0f}",
        r.offered,
        r.acked,
        r.refused,
        r.lost,
        f"{r.percentile(50):.1f}",
        f"{r.percentile(99):.1f}",
        f"{r.last_reply_s:.1f}",
        r.answered,
        r.throttled,
        r.crashes,
        r.gave_up,
        r.replays,
        r.backpressure,
        f"{r.rss_peak_mb:.0f}",
    )
    return " | ".join(str(cell) for cell in cells)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", type=float, nargs="+", default=[100, 1000, 3000])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate-scale", type=float, default=1.0)
    parser.add_argument("--drain-timeout", type=float, default=2400.0)
    parser.add_argument("--source", type=Path, action="append", default=[])
    args = parser.parse_args()
    budget = 30 * args.rate_scale
    print(f"budget {budget:.0f} messages/s (rate scale {args.rate_scale:g}), {args.seconds:g} s")
    print(" | ".join(HEADER), flush=True)
    for rate in args.rates:
        for source in [*args.source, None]:
            result = trio.run(run, rate, args.seconds, args.rate_scale, args.drain_timeout, source)
            print(row(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
