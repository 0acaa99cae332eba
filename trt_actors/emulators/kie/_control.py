"""The control interface: inspect tasks, set the schedule, inject faults, move time along.

Every change wakes the callback sender, so a task completed here gets its callback at
once. Acting on a task that does not exist raises KeyError.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import trio

from trt_actors.emulators.kie._config import Outcome, Schedule
from trt_actors.emulators.kie._faults import Fault, FaultKind
from trt_actors.emulators.kie._state import EmulatorState
from trt_actors.emulators.kie._tasks import EmuTask

#: Default deadline of `Control.wait_for_state`.
WAIT_TIMEOUT = 5.0
#: How often `wait_for_state` re-reads a task's state when nothing signals a change.
WAIT_POLL = 0.01


class Control:
    """Drives one emulator. Get it from `KieEmulator.ctl`."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state

    # tasks

    def tasks(self, api: str | None = None) -> list[EmuTask]:
        """Every task (of one API), oldest first."""
        return [t for t in self._state.book.tasks.values() if api is None or t.api == api]

    def task(self, task_id: str) -> EmuTask:
        return self._state.book.tasks[task_id]

    def state_of(self, task_id: str) -> str:
        """ "waiting", "generating", "success" or "fail" now."""
        return self.task(task_id).state()

    def advance(self, task_id: str) -> str:
        """Move a task to its next state now (waiting → generating → its outcome)."""
        task = self.task(task_id)
        now = trio.current_time()
        if task.state_at(now) == "waiting":
            task.ready_at = now
            if task.done_at is not None and task.done_at <= now:
                task.done_at = None
        elif task.done_at is None or task.done_at > now:
            task.done_at = now
        self._state.book.touch()
        return task.state_at(now)

    def complete(self, task_id: str, *, fail_code: str | None = None, message: str = "") -> None:
        """End a task now: success, or failure with `fail_code` and `message`."""
        task = self.task(task_id)
        now = trio.current_time()
        if task.state_at(now) in ("success", "fail"):
            raise ValueError(f"task {task_id} already ended")
        task.ready_at = min(task.ready_at or now, now)
        task.done_at = now
        if fail_code is not None:
            task.outcome = Outcome.FAIL
            task.fail_code, task.fail_message = fail_code, message or "Generation failed"
        else:
            task.outcome = Outcome.SUCCESS
        self._state.book.touch()

    def expire_results(self, task_id: str) -> None:
        """Make a task's result links answer 404 (download-url still renews them)."""
        for file_id in self.task(task_id).files:
            self._state.files.files[file_id].expired = True

    async def wait_for_state(
        self, task_id: str, wanted: str, *, timeout: float = WAIT_TIMEOUT
    ) -> None:
        """Wait until the task is in state `wanted` (raises trio.TooSlowError after
        `timeout`)."""
        with trio.fail_after(timeout):
            while self.state_of(task_id) != wanted:
                with trio.move_on_after(WAIT_POLL):
                    await self._state.book.changed_event().wait()

    # schedule, faults, credits

    @property
    def schedule(self) -> Schedule:
        return self._state.schedule

    def set_schedule(self, schedule: Schedule | None = None, **changes: object) -> Schedule:
        """Set the schedule of tasks created from now on (a new one, or fields changed)."""
        base = schedule or self._state.schedule
        self._state.schedule = dataclasses.replace(base, **changes)  # type: ignore[arg-type]
        return self._state.schedule

    def inject(
        self,
        kind: FaultKind | str,
        target: str | None = None,
        *,
        times: int | None = 1,
        code: int | None = None,
        message: str | None = None,
        status: int = 502,
    ) -> Fault:
        """Add a fault (see `FaultKind`); `target` is an endpoint (``market.submit``,
        ``veo.status``, ``credit``, ``download_url``, ``upload``) or, for task faults,
        an API id; None applies to all."""
        return self._state.faults.inject(
            kind, target, times=times, code=code, message=message, status=status
        )

    def clear_faults(self) -> None:
        self._state.faults.clear()

    @property
    def faults(self) -> list[Fault]:
        return self._state.faults.active

    @property
    def credits(self) -> Fraction:
        return self._state.book.balance()

    def set_credits(self, credits: Fraction | int) -> None:
        self._state.book.set_balance(Fraction(credits))

    def set_hmac_key(self, key: str | None) -> None:
        """Sign callbacks with `key` from now on (None: unsigned)."""
        self._state.hmac_key = key

    # what was asked

    def calls(self, endpoint: str | None = None) -> list[float]:
        """When each API call (of one endpoint) arrived, in trio time."""
        return [c.at for c in self._state.calls if endpoint is None or c.endpoint == endpoint]

    def uploads(self) -> list[tuple[str, bytes]]:
        """Every uploaded file as (filePath, bytes), oldest first."""
        return [
            (f"{f.path}/{f.name}" if f.path else f.name, f.data)
            for f in self._state.files.files.values()
            if f.path
        ]
