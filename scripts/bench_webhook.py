"""Benchmark the webhook intake: ACK latency and sustained updates/s with commit-before-ACK.

    .venv/bin/python scripts/bench_webhook.py                       # 200, 500, 1000 updates/s
    .venv/bin/python scripts/bench_webhook.py --rates 300 --seconds 10 --backends sqlite

Three processes: the Telegram emulator (flood limits off), `trt run` in webhook mode, and this
script as the load generator. It offers N updates per second from many users to
`POST /webhook/default` over real HTTP, from four loopback addresses (Telegram posts from
several; the service allows 200 requests/s per address), and times each request until its
200, which the service sends only after the update's inbox row is committed. Each update is
then handled by its user's session actor, which sends a menu to the emulator, so the
service's figures include the whole path's CPU cost (Telegram's real limits would pace those
replies). SQLite runs in WAL mode; PostgreSQL is a throwaway local server with its durable
defaults. The machine's cores are shared by all three processes. One side-by-side table
goes to stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import trio

from trt_actors.testing.postgres import create_database, throwaway_postgres
from trt_actors.testing.trt_process import free_port

SECRET = "bench-secret"
REQUEST_TIMEOUT = 30.0
CONNECTIONS = 64  # per source address
SOURCE_ADDRESSES = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
USERS = 300
STARTUP_DEADLINE = 30.0


@dataclass
class Result:
    offered: int
    acked: int
    failed: int
    seconds: float
    latencies_ms: list[float]

    def percentile(self, q: int) -> float:
        if len(self.latencies_ms) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies_ms, n=100)[q - 1]


def update(update_id: int, user: int) -> bytes:
    return (
        b'{"update_id":%d,"message":{"message_id":%d,"date":1764140000,'
        b'"chat":{"id":%d,"type":"private","first_name":"B"},'
        b'"from":{"id":%d,"is_bot":false,"first_name":"B","language_code":"en"},'
        b'"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}'
        % (update_id, update_id, user, user)
    )


async def offer(port: int, rate: float, seconds: float, users: list[int]) -> Result:
    url = f"http://127.0.0.1:{port}/webhook/default"
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    latencies: list[float] = []
    failed = 0
    total = int(rate * seconds)
    began = time.perf_counter()

    async def send(client: httpx.AsyncClient, n: int) -> None:
        nonlocal failed
        start = time.perf_counter()
        try:
            with trio.fail_after(REQUEST_TIMEOUT):
                response = await client.post(
                    url, content=update(n + 1, users[n % len(users)]), headers=headers
                )
        except (httpx.HTTPError, trio.TooSlowError):
            failed += 1
            return
        if response.status_code == 200:
            latencies.append((time.perf_counter() - start) * 1000)
        else:
            failed += 1

    async with contextlib.AsyncExitStack() as stack:
        clients = [  # Telegram posts from several addresses; the service limits each one
            await stack.enter_async_context(
                httpx.AsyncClient(
                    limits=limits,
                    timeout=REQUEST_TIMEOUT,
                    transport=httpx.AsyncHTTPTransport(limits=limits, local_address=address),
                )
            )
            for address in SOURCE_ADDRESSES
        ]
        nursery = await stack.enter_async_context(trio.open_nursery())
        for n in range(total):
            await trio.sleep_until(
                trio.current_time() + max(0.0, began + n / rate - time.perf_counter())
            )
            nursery.start_soon(send, clients[n % len(clients)], n)
    elapsed = time.perf_counter() - began
    return Result(total, len(latencies), failed, elapsed, latencies)


async def start_process(args: list[str], env: dict[str, str] | None = None) -> trio.Process:
    return await trio.lowlevel.open_process(
        args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )


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


async def run(database_url: str, rate: float, seconds: float, data_dir: Path) -> Result:
    """Emulator, service and load generator each in their own process."""
    emulator = await start_process(
        [sys.executable, "-m", "trt_actors.emulators.telegram", "--no-flood-limits"]
    )
    service: trio.Process | None = None
    try:
        info = await first_line(emulator)
        async with httpx.AsyncClient(base_url=info["base_url"], timeout=10) as control:
            users = []
            for i in range(USERS):
                user = (await control.post("/_control/users", json={"first_name": f"U{i}"})).json()
                await control.post(
                    "/_control/send_text", json={"user_id": user["result"]["id"], "text": "hi"}
                )
                users.append(user["result"]["id"])
        port = free_port()
        env = {
            "PATH": os.environ["PATH"],
            "TELEGRAM_BOT_TOKEN": info["token"],
            "TELEGRAM_API_BASE_URL": info["base_url"],
            "DATABASE_URL": database_url,
            "BOT_MODE": "webhook",
            "WEBHOOK_SECRET_TOKEN": SECRET,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "LOG_LEVEL": "error",
        }
        service = await start_process([sys.executable, "-m", "trt_actors", "run"], env)
        await wait_ready(f"http://127.0.0.1:{port}/readyz")
        return await offer(port, rate, seconds, users)
    finally:
        for process in (service, emulator):
            if process is not None and process.returncode is None:
                process.terminate()
                with trio.move_on_after(10):
                    await process.wait()
                process.kill()


@contextlib.contextmanager
def backend(name: str, tmp: Path) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    with throwaway_postgres(durable=True) as url:
        yield create_database(url, "bench_webhook")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rates", type=float, nargs="+", default=[200, 500, 1000])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    rows = []
    for name in args.backends:
        for rate in args.rates:
            with tempfile.TemporaryDirectory() as tmp, backend(name, Path(tmp)) as url:
                result = trio.run(run, url, rate, args.seconds, Path(tmp))
            rows.append((name, rate, result))
    print(f"{'backend':<11}{'offered/s':>10}{'acked/s':>9}{'failed':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for name, rate, r in rows:
        print(
            f"{name:<11}{rate:>10.0f}{r.acked / r.seconds:>9.0f}{r.failed:>8}"
            f"{r.percentile(50):>9.1f}{r.percentile(99):>9.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
