"""Probe children for supervision tests: they record what happened, and crash on command."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import trio

from trt_actors.supervisors import ChildSpec, Restart


@dataclass
class Journal:
    """What every probe did, in order: ("start" | "stop" | "cancelled" | ..., child id)."""

    entries: list[tuple[str, str]] = field(default_factory=list)
    alive: int = 0  # probe tasks currently running: must be 0 once the tree is gone

    def add(self, what: str, who: str) -> None:
        self.entries.append((what, who))

    def of(self, what: str) -> list[str]:
        return [who for kind, who in self.entries if kind == what]

    def starts(self, who: str) -> int:
        return self.of("start").count(who)


class ProbeHandle:
    """What a probe passes to `started()`: commands for the test, a stop for the supervisor."""

    def __init__(self, ignore_stop: bool) -> None:
        self._ignore_stop = ignore_stop
        self.command: str | None = None
        self.wake = trio.Event()

    def request_stop(self) -> None:
        if not self._ignore_stop:
            self._send("stop")

    def crash(self) -> None:
        self._send("crash")

    def exit(self) -> None:
        self._send("exit")

    def _send(self, command: str) -> None:
        self.command = command
        self.wake.set()


@dataclass
class Probe:
    """A child that runs until told to stop, crash or exit."""

    id: str
    journal: Journal
    restart: Restart = Restart.PERMANENT
    shutdown: float = 1.0
    ignore_stop: bool = False
    stop_takes: float = 0.0  # seconds of clean-up after a stop request
    fail_start: int = 0  # how many of the next starts fail before started()
    start_takes: float = 0.0

    def spec(self) -> ChildSpec:
        return ChildSpec(self.id, self.start, restart=self.restart, shutdown=self.shutdown)

    async def start(self, *, task_status: trio.TaskStatus[Any]) -> None:
        self.journal.alive += 1
        try:
            await self._run(task_status)
        finally:
            self.journal.alive -= 1

    async def _run(self, task_status: trio.TaskStatus[Any]) -> None:
        await trio.sleep(self.start_takes)
        if self.fail_start:
            self.fail_start -= 1
            self.journal.add("start_failed", self.id)
            raise RuntimeError(f"{self.id} cannot start")
        handle = ProbeHandle(self.ignore_stop)
        self.journal.add("start", self.id)
        task_status.started(handle)
        try:
            await handle.wake.wait()
        except trio.Cancelled:
            self.journal.add("cancelled", self.id)
            raise
        if handle.command == "crash":
            self.journal.add("crash", self.id)
            raise RuntimeError(f"{self.id} crashed")
        if handle.command == "stop":
            try:
                await trio.sleep(self.stop_takes)
            except trio.Cancelled:
                self.journal.add("cancelled", self.id)
                raise
        self.journal.add(handle.command or "exit", self.id)
