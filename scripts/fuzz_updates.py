"""Fuzz the webhook: post drawn updates of every kind, and malformed requests, to the running
bot, and count what it did with them.

    .venv/bin/python scripts/fuzz_updates.py                     # 10,000 cases
    .venv/bin/python scripts/fuzz_updates.py --cases 500 --seed 7 --families

The long version of `tests/e2e/test_fuzz_updates.py`, through the same driver
(`trt_actors.testing.update_fuzz`, strategies in `trt_actors.testing.update_strategies`): the
whole tree in this process on a fresh SQLite file, in webhook mode, against the Telegram
emulator (flood limits off); each case is one real HTTP request to the webhook route, judged
by the rule in docs/testing.md ("Fuzzed updates"). Every case runs, whatever the earlier ones
did; the first cases against the rule are printed after the counts. Exits 1 when any count
that must be 0 is not (5xx answers, crashes, tracebacks, errors logged, outcomes against the
rule, Bot API violations).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import trio

from trt_actors.testing.update_fuzz import FuzzTally, fuzz, fuzz_target

SHOWN_PROBLEMS = 10


async def run(cases: int, seed_value: int) -> tuple[FuzzTally, bool]:
    with tempfile.TemporaryDirectory(prefix="trt-fuzz-") as data_dir:
        async with fuzz_target(Path(data_dir)) as target:
            tally = await fuzz(target, cases=cases, seed_value=seed_value, stop_at_first=False)
            return tally, await target.ready()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", type=int, default=10_000, help="cases to run (10,000)")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (0)")
    parser.add_argument("--families", action="store_true", help="print cases per family too")
    args = parser.parse_args()
    tally, ready = trio.run(run, args.cases, args.seed)
    print("\n".join(tally.lines()))
    print(f"ready after the run: {'yes' if ready else 'NO'}")
    if args.families:
        for family, count in tally.families.most_common():
            print(f"  {family:<28} {count:>7,}")
    for problem in tally.problems[:SHOWN_PROBLEMS]:
        print(problem)
    return 0 if tally.clean and ready else 1


if __name__ == "__main__":
    sys.exit(main())
