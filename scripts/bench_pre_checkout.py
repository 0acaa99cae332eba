"""Benchmark the Stars pre-checkout answer: how long a payer waits for it (Telegram allows 10 s).

    .venv/bin/python scripts/bench_pre_checkout.py                # 50 and 200 payers
    .venv/bin/python scripts/bench_pre_checkout.py --payers 500

The whole tree runs in-process on SQLite against the Telegram emulator (flood limits off).
Every payer first gets an invoice through the real flow (/topup, a package button). Once the
bot has sent everything those steps asked for (its replies queue behind Telegram's 30
messages/s, and a payer whose session still has replies to send waits for them first: the
order Telegram sees, not the pre-checkout's cost), all of them pay at once, and each
`pay_invoice` is timed from the pre_checkout_query until the bot's answerPreCheckoutQuery
reached the emulator. The payment that follows is credited, so the figures include the
sessions' other work. One table goes to stdout.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import trio

from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.emulators.telegram import EmulatorConfig, open_telegram_emulator
from trt_actors.emulators.telegram._limits import RateLimits
from trt_actors.testing.kit import BotService, Conversation, running_bot

PACKAGE = "⭐ 50 → 75 ₽"
QUIET = 0.5
QUIET_DEADLINE = 120.0


async def invoice(payer: Conversation) -> int:
    await payer.send("/topup")
    await payer.next_message(timeout=60)
    await payer.press(PACKAGE)
    sent = await payer.next_message(timeout=60)
    return int(sent["message_id"])


async def run(payers: int) -> tuple[list[float], int]:
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())
    with tempfile.TemporaryDirectory() as data:
        async with (
            open_telegram_emulator(config) as emu,
            running_bot(Path(data), emulator=emu, terms=TenantSettings()) as bot,
        ):
            people = [bot.user(f"P{i}", language_code="en") for i in range(payers)]
            invoices: dict[int, int] = {}

            async def prepare(person: Conversation) -> None:
                invoices[person.id] = await invoice(person)

            async with trio.open_nursery() as nursery:
                for person in people:
                    nursery.start_soon(prepare, person)
            await quiet(bot)
            return await pay_all(bot, people, invoices)


async def quiet(bot: BotService) -> None:
    """Wait until the bot has sent nothing for `QUIET` seconds (its replies are all out)."""
    stats = bot.tree.outbound_stats["default"]
    with trio.fail_after(QUIET_DEADLINE):
        while True:
            sent = stats.sent
            await trio.sleep(QUIET)
            if stats.sent == sent:
                return


async def pay_all(
    bot: BotService, people: list[Conversation], invoices: dict[int, int]
) -> tuple[list[float], int]:
    waits: list[float] = []
    declined = 0

    async def pay(person: Conversation) -> None:
        nonlocal declined
        started = time.perf_counter()
        result = await bot.emulator.ctl.pay_invoice(person.user, invoices[person.id])
        waits.append((time.perf_counter() - started) * 1000)
        declined += result.status != "paid"

    async with trio.open_nursery() as nursery:
        for person in people:
            nursery.start_soon(pay, person)
    return waits, declined


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payers", type=int, nargs="+", default=[50, 200])
    args = parser.parse_args()
    print("payers |  p50 ms   p99 ms   max ms | not paid")
    for payers in args.payers:
        waits, declined = trio.run(run, payers)
        p50 = statistics.median(waits)
        p99 = statistics.quantiles(waits, n=100)[98] if len(waits) > 1 else waits[0]
        print(f"{payers:6d} | {p50:7.1f}  {p99:7.1f}  {max(waits):7.1f} | {declined}")


if __name__ == "__main__":
    main()
