#!/usr/bin/env python3
"""Benchmark the project's HTTP server (trt_actors.web) with a trivial POST JSON handler.

The server runs in a child process (one trio thread, as in production); the load comes from
`wrk` when it is installed (`apt-get install wrk`), else from an httpx-based generator in
this process. Prints one table row per run: requests, req/s, p50 and p99 latency.

    .venv/bin/python scripts/bench_http.py                 # wrk if present, 10 s, 40 connections
    .venv/bin/python scripts/bench_http.py --generator httpx --duration 5 --connections 20
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass

import httpx
import structlog
import trio

from trt_actors.web import HTTPServer, Request, Response, Router

#: A realistic webhook body: the /start update from shared/spec/sample_updates.
UPDATE = {
    "update_id": 100000001,
    "message": {
        "message_id": 1365,
        "from": {"id": 1111111, "is_bot": False, "first_name": "Test", "language_code": "ru"},
        "chat": {"id": 1111111, "first_name": "Test", "type": "private"},
        "date": 1760000000,
        "text": "/start",
        "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
    },
}
SERVER_START_DEADLINE = 10.0
SERVER_STOP_DEADLINE = 5.0
RUN_MARGIN = 30.0
WRK_SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[{body}]]
"""


@dataclass
class Result:
    generator: str
    connections: int
    duration: float
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.duration if self.duration else 0.0


def make_router() -> Router:
    router = Router()

    async def webhook(request: Request) -> Response:
        update = request.json()
        return Response.json({"ok": True, "update_id": update["update_id"]})

    router.add("POST", "/webhook/{tenant}", webhook)
    return router


async def serve_forever() -> None:
    """Child mode: serve on a free port, print it, run until killed."""
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=sys.stderr))
    async with trio.open_nursery() as nursery:
        port = await nursery.start(HTTPServer(make_router()).serve, "127.0.0.1", 0)
        print(f"PORT {port}", flush=True)


async def start_server() -> tuple[trio.Process, int]:
    process = await trio.lowlevel.open_process(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    buffer = b""
    with trio.fail_after(SERVER_START_DEADLINE):
        while b"\n" not in buffer:
            chunk = await process.stdout.receive_some(1024)
            if not chunk:
                raise RuntimeError("benchmark server exited before reporting its port")
            buffer += chunk
    found = re.search(rb"PORT (\d+)", buffer)
    if found is None:
        raise RuntimeError(f"unexpected server output: {buffer!r}")
    return process, int(found.group(1))


async def stop_server(process: trio.Process) -> None:
    process.terminate()
    with trio.move_on_after(SERVER_STOP_DEADLINE) as scope:
        await process.wait()
    if scope.cancelled_caught:
        process.kill()


def _wrk_ms(text: str, label: str) -> float:
    found = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    if found is None:
        return float("nan")
    value, unit = float(found.group(1)), found.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


async def run_wrk(url: str, connections: int, duration: float, threads: int) -> Result:
    body = json.dumps(UPDATE)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.format(body=body))
    command = [
        "wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{int(duration)}s",
        "--latency", "-s", script.name, url,
    ]  # fmt: skip
    try:
        with trio.fail_after(duration + RUN_MARGIN):
            done = await trio.run_process(command, capture_stdout=True)
    finally:
        await trio.Path(script.name).unlink(missing_ok=True)
    text = done.stdout.decode()
    requests = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    failed = int(errors.group(1)) if errors else 0
    if socket_errors:
        failed += sum(int(g) for g in socket_errors.groups())
    return Result(
        "wrk", connections, duration, requests, failed, _wrk_ms(text, "50%"), _wrk_ms(text, "99%")
    )


async def run_httpx(url: str, connections: int, duration: float) -> Result:
    latencies: list[float] = []
    errors = 0
    body = json.dumps(UPDATE).encode()
    headers = {"content-type": "application/json"}

    async def worker() -> None:
        nonlocal errors
        async with httpx.AsyncClient(timeout=5) as client:
            while trio.current_time() < stop_at:
                started = trio.current_time()
                try:
                    response = await client.post(url, content=body, headers=headers)
                except httpx.HTTPError:
                    errors += 1
                    continue
                if response.status_code != 200:
                    errors += 1
                latencies.append(trio.current_time() - started)

    stop_at = trio.current_time() + duration
    with trio.fail_after(duration + RUN_MARGIN):
        async with trio.open_nursery() as nursery:
            for _ in range(connections):
                nursery.start_soon(worker)
    latencies.sort()
    cut = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Result(
        "httpx", connections, duration, len(latencies), errors, cut[49] * 1000, cut[98] * 1000
    )


def print_table(results: list[Result]) -> None:
    header = (
        "generator",
        "connections",
        "seconds",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p99 ms",
    )
    rows = [
        (r.generator, str(r.connections), f"{r.duration:g}", str(r.requests), str(r.errors),
         f"{r.rate:,.0f}", f"{r.p50_ms:.2f}", f"{r.p99_ms:.2f}")
        for r in results
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


async def bench(args: argparse.Namespace) -> None:
    generator = args.generator
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "httpx"
    process, port = await start_server()
    url = f"http://127.0.0.1:{port}/webhook/bench"
    results: list[Result] = []
    try:
        for connections in args.connections:
            if generator == "wrk":
                results.append(await run_wrk(url, connections, args.duration, args.threads))
            else:
                results.append(await run_httpx(url, connections, args.duration))
    finally:
        await stop_server(process)
    print_table(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generator", choices=("auto", "wrk", "httpx"), default="auto")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--connections", type=int, nargs="+", default=[40])
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    trio.run(serve_forever if args.serve else bench, *(() if args.serve else (args,)))


if __name__ == "__main__":
    main()
