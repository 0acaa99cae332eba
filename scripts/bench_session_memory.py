"""What a live session costs in memory: Python's own allocations, measured with tracemalloc.

    .venv/bin/python scripts/bench_session_memory.py              # 2,000 new users
    .venv/bin/python scripts/bench_session_memory.py --users 5000 --top 40

The whole service runs in this process (the test kit, `trt_actors/testing/kit.py`: the real
tree on a fresh SQLite file, the Telegram emulator as its Bot API). After a warm-up, N new
users send /start; once every one was answered their sessions are still live (they passivate
after `SESSION_IDLE`), and the allocations made meanwhile that are still held are the
sessions' cost, with the per-chat pacing buckets and whatever else a user leaves in memory.
The emulator's own allocations are left out (any traceback through `emulators/`), and the
kit's record of lifecycle events is emptied first (the service keeps a bounded history).

It prints the total per session and the source lines holding the most. It measures Python's
heap, not the process's RSS: RSS also keeps what a burst's peak needed (pymalloc does not
give freed arenas back), which the side-by-side benchmark shows (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import tracemalloc
from pathlib import Path

import trio

from trt_actors.testing.kit import clean_environment, running_bot

ANSWER_DEADLINE = 300.0


def _short(filename: str) -> str:
    return filename.rsplit("site-packages/", maxsplit=1)[-1].split("/trt_actors/", 1)[-1]


async def measure(users: int, top: int, data_dir: Path) -> None:
    clean_environment()
    async with running_bot(
        data_dir, telegram_rate_scale=100.0, user_updates_per_second=0, log_level="warning"
    ) as bot:
        ctl = bot.emulator.ctl
        warm = [ctl.user(f"Warm{i}", language_code="en") for i in range(50)]
        for user in warm:
            ctl.send_command(user, "start")
        with trio.fail_after(ANSWER_DEADLINE):
            while not all(ctl.bot_messages(user) for user in warm):  # noqa: ASYNC110 — polls the emulator
                await trio.sleep(0.05)
        bot.events.clear()
        gc.collect()
        tracemalloc.start(25)
        before = tracemalloc.take_snapshot()
        people = [ctl.user(f"User{i}", language_code="en") for i in range(users)]
        for n, user in enumerate(people):
            ctl.send_command(user, "start")
            if n % 50 == 0:
                await trio.sleep(0.01)
        with trio.fail_after(ANSWER_DEADLINE):
            while not all(ctl.bot_messages(user) for user in people):  # noqa: ASYNC110 — polls the emulator
                await trio.sleep(0.1)
        await trio.sleep(1.0)  # replies' leftovers settle
        bot.events.clear()
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
    leave_out = [
        tracemalloc.Filter(False, "*/emulators/*", all_frames=True),
        tracemalloc.Filter(False, tracemalloc.__file__),
    ]
    diff = after.filter_traces(leave_out).compare_to(before.filter_traces(leave_out), "lineno")
    total = sum(stat.size_diff for stat in diff)
    print(f"{users:,} new users answered; their sessions live (passivation after minutes idle)")
    print(f"held since: {total / 1e6:.1f} MB, {total / users:,.0f} B per session")
    print()
    print("| B per session | objects per session | where |")
    print("|---|---|---|")
    for stat in diff[:top]:
        frame = stat.traceback[0]
        print(
            f"| {stat.size_diff / users:,.0f} | {stat.count_diff / users:.1f} "
            f"| {_short(frame.filename)}:{frame.lineno} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--top", type=int, default=25, help="source lines to show")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trt-session-memory-") as data_dir:
        trio.run(measure, args.users, args.top, Path(data_dir))


if __name__ == "__main__":
    main()
