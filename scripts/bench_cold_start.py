"""Cold start to ready of `trt run`, many times, for one checkout or several side by side.

    .venv/bin/python scripts/bench_cold_start.py                          # this checkout, 15 starts
    git worktree add /tmp/before c8866c7
    .venv/bin/python scripts/bench_cold_start.py --checkouts /tmp/before . --starts 15

Each start spawns `trt run` (webhook mode, a fresh SQLite database in a new folder, the
settings of `scripts/bench_peers.py`) pinned to `--core`, and times it from the spawn until
its webhook answers a /start with 200 — Python's own start, every import, the database's
creation and migration, the tree's start and that first update included. The built catalog
is read from `TRT_CACHE_DIR` as every restart does (the first start of a checkout builds it
and is not counted). Telegram is an address where nothing listens: the bot's calls to it
fail at once and readiness does not wait for them. The checkouts take turns in groups of
`--group` starts, so a machine that slows down meanwhile slows them all alike; each
checkout's own modules are compiled first, so no start pays for that. Every checkout runs
with this script's Python (the same venv, the same libraries).

Prints, per checkout: its commit, the median, the fastest and the slowest start.
"""

from __future__ import annotations

import argparse
import compileall
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_peers import SECRET, command

from trt_actors.testing.trt_process import free_port
from trt_actors.testing.webhook_load import start_update, webhook_request

NOWHERE = "http://127.0.0.1:9/"  # Telegram: nothing listens there
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"  # shaped as a token; never sent anywhere
READY_DEADLINE = 60.0
POLL_EVERY = 0.002


def answered(port: int, request: bytes) -> bool:
    """Whether the webhook answered `request` with 200 now (False while nothing listens
    yet, or while it answers 503 before the tree is ready)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as connection:
            connection.sendall(request)
            return connection.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def one_start(checkout: Path, core: int, cache: Path) -> float:
    """Seconds from spawning `trt run` from `checkout` to its first 200 on /webhook."""
    with tempfile.TemporaryDirectory(prefix="trt-cold-start-") as folder:
        port = free_port()
        argv, env = command(
            "trt", "webhook", port=port, sink_url=NOWHERE, token=TOKEN, data=Path(folder)
        )
        env = {**env, "PYTHONPATH": str(checkout), "TRT_CACHE_DIR": str(cache)}
        request = webhook_request("127.0.0.1", port, "/webhook", SECRET, start_update(1, 5, "Ann"))
        with open(Path(folder) / "log", "wb") as log:
            began = time.monotonic()
            process = subprocess.Popen(
                ["taskset", "-c", str(core), *argv], cwd=checkout, env=env, stdout=log, stderr=log
            )
            try:
                while not answered(port, request):
                    if process.poll() is not None:
                        tail = (Path(folder) / "log").read_text(errors="replace")[-2000:]
                        raise SystemExit(f"trt run from {checkout} exited early:\n{tail}")
                    if time.monotonic() - began > READY_DEADLINE:
                        raise SystemExit(
                            f"trt run from {checkout}: not ready in {READY_DEADLINE:g}s"
                        )
                    time.sleep(POLL_EVERY)
                return time.monotonic() - began
            finally:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def commit_of(checkout: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = subprocess.run(
        ["git", "-C", str(checkout), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return (done.stdout.strip() or "?") + (" (with changes)" if dirty else "")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkouts", nargs="+", type=Path, default=[Path(".")])
    parser.add_argument("--starts", type=int, default=15, help="counted starts per checkout")
    parser.add_argument("--group", type=int, default=3, help="starts in a row per checkout")
    parser.add_argument("--core", type=int, default=1, help="the core `trt run` is pinned to")
    args = parser.parse_args(argv)
    if args.starts < 1 or args.group < 1:
        parser.error("--starts and --group must be at least 1")
    for checkout in args.checkouts:
        if not (checkout / "trt_actors" / "__init__.py").is_file():
            parser.error(f"{checkout} is not a checkout of this project")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    checkouts = [checkout.resolve() for checkout in args.checkouts]
    times: dict[Path, list[float]] = {checkout: [] for checkout in checkouts}
    with tempfile.TemporaryDirectory(prefix="trt-cold-start-cache-") as caches:
        for index, checkout in enumerate(checkouts):
            compileall.compile_dir(checkout / "trt_actors", quiet=1)
            cache = Path(caches) / str(index)
            one_start(checkout, args.core, cache)  # builds the catalog it keeps: not counted
        while any(len(taken) < args.starts for taken in times.values()):
            for index, checkout in enumerate(checkouts):
                for _ in range(min(args.group, args.starts - len(times[checkout]))):
                    times[checkout].append(
                        one_start(checkout, args.core, Path(caches) / str(index))
                    )
    print(f"trt run, webhook, fresh SQLite, pinned to core {args.core}: spawn to first 200")
    print("| checkout | commit | starts | median | fastest | slowest |")
    print("|---|---|---|---|---|---|")
    for checkout, taken in times.items():
        print(
            f"| {checkout} | {commit_of(checkout)} | {len(taken)} | "
            f"{statistics.median(taken):.3f} s | {min(taken):.3f} s | {max(taken):.3f} s |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
