"""Run the KIE emulator as a process: `python -m trt_actors.emulators.kie`.

Prints one JSON line ``{"base_url", "upload_base_url", "api_key"}`` once it listens, then
serves until SIGINT/SIGTERM. Tasks run on the default schedule unless told otherwise.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from fractions import Fraction

import trio

from trt_actors.observability.logging import configure_logging

from . import KieEmulator, KieEmulatorConfig, Schedule


async def main(host: str, port: int, config: KieEmulatorConfig) -> None:
    emulator = KieEmulator(config)
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with trio.open_nursery() as nursery:
            base_url = await nursery.start(emulator.serve, host, port)
            line = {
                "base_url": base_url,
                "upload_base_url": emulator.upload_base_url,
                "api_key": emulator.api_key,
            }
            print(json.dumps(line), flush=True)
            async for _ in signals:
                nursery.cancel_scope.cancel()
                break


def cli() -> int:
    parser = argparse.ArgumentParser(prog="python -m trt_actors.emulators.kie")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--waiting", type=float, default=1.0, help="seconds a task waits")
    parser.add_argument("--generating", type=float, default=3.0, help="seconds it generates")
    parser.add_argument("--credits", default="10000", help="starting balance (credits)")
    parser.add_argument("--hmac-key", default=None, help="sign callbacks with this key")
    args = parser.parse_args()
    config = KieEmulatorConfig(
        credits=Fraction(args.credits),
        schedule=Schedule(waiting=args.waiting, generating=args.generating),
        hmac_key=args.hmac_key,
    )
    configure_logging("warning")  # to stderr: stdout carries the one JSON line
    trio.run(main, args.host, args.port, config)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
