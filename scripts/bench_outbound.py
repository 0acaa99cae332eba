"""Benchmark the outbound actor's scheduling with a long queue: CPU per call sent.

    .venv/bin/python scripts/bench_outbound.py                    # 5,000 chats, 1,000 calls/s
    PYTHONPATH=/path/to/other/checkout .venv/bin/python scripts/bench_outbound.py

When replies arrive faster than Telegram's limits let them out (say 300 updates/s against 30
messages/s), thousands of chats wait in the outbound queue at once. This queues one message
for each of `--chats` chats, then lets the actor send them at `--rate` per second through a
Bot API that answers at once, and reports the process's CPU per call sent: the cost of
choosing the next call, which grows with the number of waiting chats if it is a scan.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import trio

from trt_actors.actors import actor_child
from trt_actors.actors.outbound import Outbound, OutboundActor
from trt_actors.supervisors import Supervisor
from trt_actors.telegram.pacing import Limits


class InstantBotApi:
    def __init__(self) -> None:
        self.sent = 0

    async def call(self, method: str, params: Any, *, read_timeout: float | None = None) -> Any:
        self.sent += 1
        await trio.lowlevel.checkpoint()
        return {"message_id": self.sent}

    async def close(self) -> None:
        return None


async def run(chats: int, rate: float) -> tuple[float, float]:
    api = InstantBotApi()
    limits = Limits(global_rate=rate, global_burst=20, private_rate=1.0, private_burst=2)
    spec, ref = actor_child(
        "outbound", lambda: OutboundActor(api, limits=limits), capacity=chats + 10
    )
    supervisor = Supervisor("bench", [spec])
    outbound = Outbound(ref)
    async with trio.open_nursery() as nursery:
        await nursery.start(supervisor.run)
        cpu, wall = time.process_time(), time.perf_counter()
        async with trio.open_nursery() as callers:
            for chat in range(1, chats + 1):
                params = {"chat_id": chat, "text": "hi"}
                callers.start_soon(lambda p=params: outbound.call("sendMessage", p, timeout=600))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        supervisor.request_stop()
    return cpu / chats * 1e6, chats / wall


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chats", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=1000.0)
    args = parser.parse_args()
    per_call, sent = trio.run(run, args.chats, args.rate)
    print(
        f"chats {args.chats}  rate {args.rate:.0f}/s  sent {sent:.0f}/s  CPU {per_call:.0f} µs/call"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
