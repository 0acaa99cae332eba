"""Chaos with invariants: mixed load on the real service, SIGKILL after SIGKILL, then the
invariants read from its database and the emulators (trt_actors/testing/chaos.py).

    .venv/bin/python scripts/chaos.py                         # both modes, 20 kills each
    .venv/bin/python scripts/chaos.py --mode sqlite --cycles 50 --kill-every 5
    .venv/bin/python scripts/chaos.py --mode cluster --walkers 10 --seed 7

`sqlite`: one `trt run` on SQLite, killed and started again. `cluster`: two instances on one
throwaway PostgreSQL and Redis behind a balancer, one killed at a time (in turn). It prints,
per mode: kills, journeys finished by kind, updates acknowledged, jobs, Stars charges,
transfers, broadcasts, the recovery time after a kill (a user writing right after it: the
seconds until answered), actor crashes logged, and every invariant broken. The exit code is
1 when any invariant broke.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
from pathlib import Path

import trio

from trt_actors.testing.chaos import ChaosPlan, ChaosReport, run_chaos
from trt_actors.testing.postgres import throwaway_postgres
from trt_actors.testing.redis_server import RedisServer


def run(plan: ChaosPlan, postgres: str | None, redis: str | None) -> ChaosReport:
    with tempfile.TemporaryDirectory() as workdir:
        chaos = functools.partial(
            run_chaos,
            plan,
            Path(workdir),
            postgres=postgres,
            redis=redis,
            progress=lambda line: print(f"  {line}", file=sys.stderr, flush=True),
        )
        return trio.run(chaos)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mode", choices=("sqlite", "cluster", "both"), default="both")
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--kill-every", type=float, default=6.0)
    parser.add_argument("--walkers", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--transcripts", action="store_true", help="print the chat of every unanswered user"
    )
    args = parser.parse_args()
    modes = ("sqlite", "cluster") if args.mode == "both" else (args.mode,)
    broken = 0
    for mode in modes:
        plan = ChaosPlan(
            instances=1 if mode == "sqlite" else 2,
            cycles=args.cycles,
            kill_every=args.kill_every,
            walkers=args.walkers,
            seed=args.seed,
        )
        print(f"== {mode}", file=sys.stderr, flush=True)
        if mode == "sqlite":
            report = run(plan, None, None)
        else:
            with throwaway_postgres() as postgres, RedisServer() as redis:
                report = run(plan, postgres, redis.url)
        print("\n".join(report.lines()), flush=True)
        if args.transcripts:
            print("\n".join(report.transcripts), flush=True)
        broken += len(report.violations)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
