"""Run the Telegram emulator as a process: `python -m trt_actors.emulators.telegram`.

Prints one JSON line with its base URL and bot token once it listens, then serves until
SIGINT/SIGTERM. The HTTP control interface (`/_control/...`) drives it from outside.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys

import trio

from trt_actors.observability.logging import configure_logging

from . import EmulatorConfig, RateLimits, TelegramEmulator


async def main(host: str, port: int, relaxed: bool, rate_scale: float = 1.0) -> None:
    limits = RateLimits.relaxed() if relaxed else RateLimits().scaled(rate_scale)
    config = EmulatorConfig(rate_limits=limits)
    emulator = TelegramEmulator(config)
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            base_url = await nursery.start(emulator.serve, host, port)
            print(json.dumps({"base_url": base_url, "token": config.token}), flush=True)
            async for _ in signals:
                nursery.cancel_scope.cancel()
                break


def cli() -> int:
    parser = argparse.ArgumentParser(prog="python -m trt_actors.emulators.telegram")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-flood-limits", action="store_true", help="turn 429s off")
    parser.add_argument(
        "--rate-scale",
        type=float,
        default=1.0,
        help="flood limits this many times Telegram's (match the bot's TELEGRAM_RATE_SCALE)",
    )
    args = parser.parse_args()
    configure_logging("warning")  # to stderr: stdout carries the one JSON line
    trio.run(main, args.host, args.port, args.no_flood_limits, args.rate_scale)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
