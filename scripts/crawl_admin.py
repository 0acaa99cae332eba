"""Crawl the admin panel as an admin would, and time every press by screen.

    .venv/bin/python scripts/crawl_admin.py                  # 120 presses, seed 1
    .venv/bin/python scripts/crawl_admin.py --presses 300 --seed 7 --busy 2

The whole service in this process against the Telegram and KIE emulators (SQLite, a few
users, some payments and jobs seeded through the panel's own flows). The admin opens
/admin and presses a random button of the screen in front of them, `--presses` times
(seeded), going back to /admin when a screen has no button. For each press it times the
answer (answerCallbackQuery: the button's spinner stops) and the visible reaction (an edit or a
new message in the chat), and prints the slowest callback codes. `--busy N` runs N processes
spinning on the CPU meanwhile, as on a machine busy with other work. A press counts as late
when its answer took over 1 s or its reaction over 3 s.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import trio

from trt_actors.domain.areas import admin
from trt_actors.domain.callbacks import decode
from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.observability.logging import configure_logging
from trt_actors.telegram.pacing import Limits
from trt_actors.testing.kit import Conversation, running_bot

FAST = Limits(global_rate=5000, global_burst=500, private_rate=5000, private_burst=500)
ANSWER_LATE = 1.0
REACTION_LATE = 3.0


def spin(stop_at: float) -> None:
    while time.monotonic() < stop_at:
        pass


def code_of(data: str) -> str:
    press = decode(data)
    return press.code if press is not None else data


ADMIN_CODES = admin.AREA.codes


def buttons(message: dict[str, Any]) -> list[str]:
    """The admin panel's buttons on `message` (the walk stays in the panel)."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    found = [b["callback_data"] for row in rows for b in row if "callback_data" in b]
    return [data for data in found if code_of(data) in ADMIN_CODES]


async def crawl(presses: int, seed: int) -> dict[str, list[tuple[float, float]]]:
    rng = random.Random(seed)
    timings: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())
    with tempfile.TemporaryDirectory() as data_dir:
        async with open_telegram_emulator(config) as emulator:
            boss_user = emulator.ctl.user("Boss", language_code="en")
            async with running_bot(
                Path(data_dir),
                emulator=emulator,
                limits=FAST,
                admin_ids=(boss_user.id,),
            ):
                for n in range(5):  # users to list, find and export
                    user = Conversation(emulator, emulator.ctl.user(f"User{n}"))
                    await user.send("/start")
                    await user.next_message()
                boss = Conversation(emulator, boss_user)
                await boss.send("/admin")
                screen = await boss.next_message()
                for _ in range(presses):
                    choices = buttons(screen)
                    if not choices:
                        await boss.send("/admin")
                        screen = await boss.next_message()
                        continue
                    data = rng.choice(choices)
                    mark = len(emulator.calls)
                    began = time.monotonic()
                    query = await boss.press(message=screen, data=data)
                    await boss.answer_to(query, timeout=30)
                    answered = time.monotonic() - began
                    screen = await reaction(emulator, boss, mark)
                    timings[code_of(data)].append((answered, time.monotonic() - began))
    return timings


async def reaction(emulator: Any, boss: Conversation, mark: int) -> dict[str, Any]:
    """The screen the press led to: the message edited or sent in the admin's chat."""
    with trio.fail_after(30):
        while True:
            for record in list(emulator.calls)[mark:]:
                same_chat = str(record.params.get("chat_id")) == str(boss.id)
                if same_chat and record.method in ("editMessageText", "sendMessage"):
                    wanted = record.params.get("message_id")
                    for message in reversed(boss.messages()):
                        if wanted is None or message["message_id"] == int(wanted):
                            return dict(message)
                if same_chat and record.method in ("sendPhoto", "sendDocument"):
                    return boss.messages()[-1]
            await trio.sleep(0.003)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=120)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--busy", type=int, default=0, help="CPU-spinning processes meanwhile")
    args = parser.parse_args()
    configure_logging("warning")
    spinners = [
        multiprocessing.Process(target=spin, args=(time.monotonic() + 3600,), daemon=True)
        for _ in range(args.busy)
    ]
    for process in spinners:
        process.start()
    try:
        timings = trio.run(crawl, args.presses, args.seed)
    finally:
        for process in spinners:
            process.terminate()
    rows = sorted(timings.items(), key=lambda item: -max(r for _, r in item[1]))
    print(f"{'code':>6} {'presses':>7} {'answer p50':>10} {'answer max':>10} {'reaction max':>12}")
    for code, times in rows:
        answers = [a for a, _ in times]
        reactions = [r for _, r in times]
        print(
            f"{code:>6} {len(times):>7} {statistics.median(answers) * 1000:>8.0f}ms"
            f" {max(answers) * 1000:>8.0f}ms {max(reactions) * 1000:>10.0f}ms"
        )
    everything = [t for times in timings.values() for t in times]
    late = [t for t in everything if t[0] > ANSWER_LATE or t[1] > REACTION_LATE]
    print(f"presses {len(everything)}, late {len(late)} (answer > 1 s or reaction > 3 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
