"""Running `trt run` as a real process against emulators started by a test or a script
(tests/e2e, scripts/chaos.py): its log lines as events, its ports, signals."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import trio

from trt_actors.emulators.kie import KieEmulator
from trt_actors.emulators.telegram import TelegramEmulator

from .secret_watch import SecretWatch

STARTUP_DEADLINE = 30.0


def service_env(emulator_url: str, token: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a `trt run` against an emulator, on SQLite in `data_dir`."""
    return {
        "TELEGRAM_BOT_TOKEN": token,
        "TELEGRAM_API_BASE_URL": emulator_url,
        "DATABASE_URL": f"sqlite:///{data_dir}/trt.db",
        "HOST": "127.0.0.1",
        **extra,
    }


def instance_env(
    emulator: TelegramEmulator,
    kie: KieEmulator,
    data_dir: Path,
    *,
    database: str,
    tenant: str,
    balancer_port: int,
    port: int,
    secret: str,
    **extra: str,
) -> dict[str, str]:
    """The environment of one of several `trt run` behind a balancer on `balancer_port`:
    webhook mode with `secret`, both emulators, one `database` and one `tenant`."""
    assert emulator.base_url is not None, "the emulator is not serving"
    return service_env(
        emulator.base_url,
        emulator.config.token,
        data_dir,
        DATABASE_URL=database,
        TENANT_ID=tenant,
        BOT_MODE="webhook",
        WEBHOOK_SECRET_TOKEN=secret,
        WEBHOOK_BASE_URL=f"http://127.0.0.1:{balancer_port}",
        PORT=str(port),
        KIE_API_KEY=kie.api_key,
        KIE_API_BASE_URL=kie.base_url,
        KIE_UPLOAD_BASE_URL=kie.upload_base_url,
        LOG_LEVEL="info",
        **extra,
    )


# Ports handed to processes that bind them later: below Linux's ephemeral range (32768 and
# up), so no socket bound to port 0 meanwhile (an emulator, a client's connection) can be
# given the same one by the kernel — which made `trt run` fail with "Address already in use".
# Each pytest-xdist worker draws from its own residue, so two workers never pick alike.
FREE_PORTS = range(20_000, 32_000)
_WORKERS = 16
_HANDED: set[int] = set()  # ports this process handed out (750 per residue: enough for a run)


def free_port() -> int:
    """A loopback port free now, for a process to bind (see `FREE_PORTS`)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "").removeprefix("gw")
    # outside xdist (a script, a lone pytest run): the process id picks, so two such runs
    # at once rarely share a residue
    residue = (int(worker) if worker.isdigit() else os.getpid()) % _WORKERS
    if len(_HANDED) > len(FREE_PORTS) // _WORKERS // 2:  # the oldest are long bound or gone
        _HANDED.clear()
    for _ in range(200):
        port = random.randrange(FREE_PORTS.start + residue, FREE_PORTS.stop, _WORKERS)
        if port in _HANDED:  # handed before, maybe not bound yet by its process
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            _HANDED.add(port)
            return port
    raise RuntimeError(f"no free port found in {FREE_PORTS}")


class Service:
    """A running `trt run`: its log lines as parsed events, its port, and signals."""

    def __init__(self, process: trio.Process, port: int, ops_port: int) -> None:
        self.process = process
        self.port = port
        self.ops_port = ops_port
        self.events: list[dict[str, Any]] = []
        self.lines: list[str] = []
        self._seen = trio.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def read_log(self) -> None:
        assert self.process.stderr is not None
        buffer = b""
        async for chunk in self.process.stderr:
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                text = line.decode(errors="replace")
                self.lines.append(text)
                try:
                    self.events.append(json.loads(text))
                except json.JSONDecodeError:
                    continue
                self._seen.set()
                self._seen = trio.Event()

    async def wait_for(self, event: str, timeout: float = STARTUP_DEADLINE) -> dict[str, Any]:
        with trio.fail_after(timeout):
            while True:
                for item in self.events:
                    if item.get("event") == event:
                        return item
                if self.process.returncode is not None:
                    raise AssertionError(f"trt exited {self.process.returncode}:\n" + self.log())
                with trio.move_on_after(0.2):
                    await self._seen.wait()

    def named(self, event: str) -> list[dict[str, Any]]:
        return [item for item in self.events if item.get("event") == event]

    def log(self) -> str:
        return "\n".join(self.lines[-80:])

    def signal(self, signum: int = signal.SIGTERM) -> None:
        self.process.send_signal(signum)

    def kill(self) -> None:
        self.process.kill()

    async def wait(self, timeout: float = 15.0) -> int:
        with trio.fail_after(timeout):
            return await self.process.wait()


@asynccontextmanager
async def run_service(
    env: dict[str, str], cwd: Path, *, wait_for: str = "service.started"
) -> AsyncIterator[Service]:
    """Start `trt run` and wait for the log event `wait_for` (`service.started`: the whole
    tree runs); kill it at exit if still running."""
    port = int(env.get("PORT") or free_port())
    ops_port = int(env.get("OPS_PORT") or free_port())
    full_env = {
        "PATH": os.environ["PATH"],
        # a checkout other than the installed one (a worktree): the child runs the same code
        **({"PYTHONPATH": os.environ["PYTHONPATH"]} if "PYTHONPATH" in os.environ else {}),
        "LOG_FORMAT": "json",
        "PORT": str(port),
        "OPS_PORT": str(ops_port),
        **env,
    }
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "trt_actors", "run"],
        env=full_env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    service = Service(process, port, ops_port)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(service.read_log)
        try:
            await service.wait_for(wait_for)
            yield service
        finally:
            if process.returncode is None:
                process.kill()
            with trio.move_on_after(10):
                await process.wait()
            nursery.cancel_scope.cancel()
    assert_no_secrets(service.lines, full_env)


def assert_no_secrets(lines: list[str], env: dict[str, str]) -> None:
    """The process logged none of the secrets of its environment, in any form
    (`secret_watch`); checked when a `run_service` block ends without an error."""
    watch = SecretWatch()
    watch.add_environment(env)
    leaks = watch.leaks(lines)
    assert not leaks, "secrets in the log of trt run:\n" + "\n".join(map(str, leaks[:10]))
