"""Benchmark the Bot API senders: CPU per call and calls/s, PtbBotApi against HttpBotApi.

    .venv/bin/python scripts/bench_bot_api.py                       # 2000 calls, 5 rounds
    .venv/bin/python scripts/bench_bot_api.py --calls 5000 --rounds 7 --h11-floor

The Telegram emulator runs as a separate process (flood limits off), so this process's CPU is
the sender's alone: `time.process_time()` around N sendMessage calls with a small inline
keyboard, made one after another and then by 32 concurrent tasks (the outbound actor's
MAX_IN_FLIGHT). The senders take turns inside every round and each figure is the median over
the rounds, so a busy machine skews them alike. calls/s is wall-clock and also depends on the
emulator, which shares the machine's cores; CPU per call is the figure to compare.

`--h11-floor` adds a third column: bare h11 on one trio socket per concurrent task (no TLS, no
timeouts, no error handling). It is not a sender, only the floor for any sender on this stack;
HttpBotApi's distance to it is what its pool, deadlines and checks cost.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import h11
import httpx
import trio

from trt_actors.telegram.bot_api import BotApi
from trt_actors.telegram.http_bot_api import HttpBotApi
from trt_actors.telegram.ptb_bot_api import PtbBotApi

USERS = 64
CONCURRENCY = 32
WARMUP_CALLS = 200
STARTUP_DEADLINE = 30.0
CALL_DEADLINE = 30.0
KEYBOARD = {
    "inline_keyboard": [
        [{"text": "🎨 Image", "callback_data": "menu:image"}],
        [{"text": "💳 Balance", "callback_data": "menu:balance"}],
    ]
}


@dataclass
class Tally:
    cpu_us: list[float] = field(default_factory=list)
    per_second: list[float] = field(default_factory=list)
    failed: int = 0


class H11Floor:
    """Bare h11 over plain trio sockets, one connection per concurrent task. A yardstick."""

    def __init__(self, token: str, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.prefix = f"/bot{token}/"
        self.idle: list[tuple[trio.SocketStream, h11.Connection]] = []

    async def call(self, method: str, params: Any, *, read_timeout: float | None = None) -> Any:
        if self.idle:
            stream, conn = self.idle.pop()
            conn.start_next_cycle()
        else:
            stream, conn = (
                await trio.open_tcp_stream(self.host, self.port),
                h11.Connection(h11.CLIENT),
            )
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode()
        headers = [
            ("Host", self.host),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(body))),
        ]
        request = h11.Request(method="POST", target=self.prefix + method, headers=headers)
        events = (request, h11.Data(data=body), h11.EndOfMessage())
        await stream.send_all(b"".join(conn.send(event) or b"" for event in events))
        chunks = []
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(await stream.receive_some(65536))
            elif isinstance(event, h11.Data):
                chunks.append(event.data)
            elif isinstance(event, h11.EndOfMessage):
                break
        self.idle.append((stream, conn))
        return json.loads(b"".join(chunks))["result"]

    async def close(self) -> None:
        for stream, _ in self.idle:
            await stream.aclose()


async def emulator_process() -> tuple[trio.Process, dict[str, Any]]:
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "trt_actors.emulators.telegram", "--no-flood-limits"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    buffer = b""
    with trio.fail_after(STARTUP_DEADLINE):
        async for chunk in process.stdout:
            buffer += chunk
            if b"\n" in buffer:
                return process, dict(json.loads(buffer.split(b"\n", 1)[0]))
    raise RuntimeError("the emulator printed nothing")


async def open_chats(base_url: str) -> list[int]:
    """Users who wrote to the bot, so that it may write to them."""
    users = []
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as control:
        for i in range(USERS):
            user = (await control.post("/_control/users", json={"first_name": f"U{i}"})).json()
            user_id = user["result"]["id"]
            await control.post("/_control/send_text", json={"user_id": user_id, "text": "hi"})
            users.append(user_id)
    return users


async def measure(
    api: BotApi, users: list[int], calls: int, concurrency: int, tally: Tally
) -> None:
    """`calls` sendMessage calls by `concurrency` tasks; CPU per call and calls/s into `tally`."""
    numbers = iter(range(calls))

    async def worker() -> None:
        for n in numbers:
            params = {
                "chat_id": users[n % len(users)],
                "text": f"Menu {n}",
                "reply_markup": KEYBOARD,
            }
            try:
                with trio.fail_after(CALL_DEADLINE):
                    await api.call("sendMessage", params)
            except Exception:  # noqa: BLE001 - counted and shown in the table
                tally.failed += 1

    cpu, wall = time.process_time(), time.perf_counter()
    async with trio.open_nursery() as nursery:
        for _ in range(concurrency):
            nursery.start_soon(worker)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    tally.cpu_us.append(cpu / calls * 1e6)
    tally.per_second.append(calls / wall)


Builder = Callable[[str, str], Any]


async def run(calls: int, rounds: int, senders: dict[str, Builder]) -> dict[tuple[str, int], Tally]:
    process, info = await emulator_process()
    tallies = {(name, c): Tally() for name in senders for c in (1, CONCURRENCY)}
    apis: dict[str, Any] = {}
    try:
        users = await open_chats(info["base_url"])
        apis = {name: build(info["token"], info["base_url"]) for name, build in senders.items()}
        for api in apis.values():
            await measure(api, users, WARMUP_CALLS, CONCURRENCY, Tally())
        for _ in range(rounds):
            for concurrency in (1, CONCURRENCY):
                for name, api in apis.items():
                    await measure(api, users, calls, concurrency, tallies[name, concurrency])
    finally:
        for api in apis.values():
            await close(api.close())
        process.terminate()
        with trio.move_on_after(10):
            await process.wait()
        process.kill()
    return tallies


async def close(closing: Awaitable[None]) -> None:
    with trio.move_on_after(5):
        await closing


def table(tallies: dict[tuple[str, int], Tally], names: list[str]) -> str:
    head = f"{'calls':<16}" + "".join(f"{name + ' µs CPU':>20}{'calls/s':>9}" for name in names)
    lines = [head]
    for concurrency in (1, CONCURRENCY):
        label = "sequential" if concurrency == 1 else f"{concurrency} concurrent"
        cells = []
        for name in names:
            tally = tallies[name, concurrency]
            cells.append(
                f"{statistics.median(tally.cpu_us):>20.0f}{statistics.median(tally.per_second):>9.0f}"
            )
        lines.append(f"{label:<16}" + "".join(cells))
    base = names[0]
    for name in names[1:]:
        for concurrency in (1, CONCURRENCY):
            ratio = statistics.median(tallies[name, concurrency].cpu_us) / statistics.median(
                tallies[base, concurrency].cpu_us
            )
            mode = "sequential" if concurrency == 1 else f"{concurrency} concurrent"
            lines.append(f"{name} CPU per call, {mode}: {ratio:.2f} x {base}'s")
    failed = {name: sum(tallies[name, c].failed for c in (1, CONCURRENCY)) for name in names}
    lines.append("failed calls: " + ", ".join(f"{n} {f}" for n, f in failed.items()))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=2000, help="calls per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--h11-floor", action="store_true", help="add bare h11 as a yardstick")
    args = parser.parse_args()
    senders: dict[str, Builder] = {"PtbBotApi": PtbBotApi, "HttpBotApi": HttpBotApi}
    if args.h11_floor:
        senders["h11 floor"] = H11Floor
    tallies = trio.run(run, args.calls, args.rounds, senders)
    print(f"sendMessage with an inline keyboard, {args.calls} calls, {args.rounds} rounds, medians")
    print(table(tallies, list(senders)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
