"""The emulator's tasks: a timeline each (waiting → generating → success | fail), the
account's credits, and a change signal for whoever waits on them.

State is computed from `trio.current_time()` on every read, so MockClock drives it and
nothing runs in the background to move tasks along. Credits: a task is charged its price
when created and refunded once it has failed (KIE reports 0 credits for failed tasks).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import trio

from trt_actors.emulators.kie._config import Outcome, Schedule

WAITING, GENERATING = "waiting", "generating"


@dataclass(slots=True)
class EmuTask:
    """One task. `ready_at` is when it starts generating (None: never), `done_at` when it
    ends (None: never). `files` are the result file ids (served once it succeeded)."""

    task_id: str
    api: str
    model: str
    body: dict[str, Any]
    output: str
    price: Fraction
    created: float
    created_ms: int
    ready_at: float | None
    done_at: float | None
    outcome: Outcome
    fail_code: str
    fail_message: str
    malformed_result: bool = False
    files: list[str] = field(default_factory=list)
    text: str | None = None
    callback_sent: bool = False

    @property
    def callback_url(self) -> str | None:
        url = self.body.get("callBackUrl")
        return url if isinstance(url, str) and url else None

    @property
    def prompt(self) -> str:
        source = self.body.get("input") if self.api == "market" else self.body
        prompt = source.get("prompt") if isinstance(source, dict) else None
        return prompt if isinstance(prompt, str) else self.task_id

    def state_at(self, now: float) -> str:
        """ "waiting", "generating", "success" or "fail" at trio time `now`."""
        if self.done_at is not None and now >= self.done_at:
            return self.outcome.value
        if self.ready_at is not None and now >= self.ready_at:
            return GENERATING
        return WAITING

    def state(self) -> str:
        return self.state_at(trio.current_time())

    def completed_ms(self) -> int | None:
        """Wall-clock completion time in ms (for `completeTime`), None while running."""
        if self.done_at is None or trio.current_time() < self.done_at:
            return None
        return self.created_ms + int((self.done_at - self.created) * 1000)

    def charged(self, now: float) -> Fraction:
        """What the task costs the account at `now`: its price, 0 once it has failed."""
        return Fraction(0) if self.state_at(now) == Outcome.FAIL.value else self.price


def new_task_id(api: str) -> str:
    """A task id in one of KIE's shapes: 32 hex for the market, `<api>_<hex>` otherwise."""
    token = uuid.uuid4().hex
    return token if api == "market" else f"{api}_{token[:24]}"


class TaskBook:
    """Every task of the emulated account, and its credit balance."""

    def __init__(self, credits: Fraction) -> None:
        self.tasks: dict[str, EmuTask] = {}
        self._deposited = credits
        self._changed = trio.Event()

    # change signal

    def changed_event(self) -> trio.Event:
        """An event set at the next change (take it before checking, then wait on it)."""
        return self._changed

    def touch(self) -> None:
        """Signal a change (a new task, a new timeline, new credits)."""
        self._changed.set()
        self._changed = trio.Event()

    # tasks

    def add(
        self,
        *,
        api: str,
        model: str,
        body: dict[str, Any],
        output: str,
        price: Fraction,
        schedule: Schedule,
    ) -> EmuTask:
        now = trio.current_time()
        ready = None if schedule.waiting is None else now + schedule.waiting
        done = None
        if ready is not None and schedule.generating is not None:
            done = ready + schedule.generating
        task = EmuTask(
            task_id=new_task_id(api),
            api=api,
            model=model,
            body=body,
            output=output,
            price=price,
            created=now,
            created_ms=int(time.time() * 1000),
            ready_at=ready,
            done_at=done,
            outcome=schedule.outcome,
            fail_code=schedule.fail_code,
            fail_message=schedule.fail_message,
        )
        self.tasks[task.task_id] = task
        self.touch()
        return task

    def get(self, task_id: str, api: str) -> EmuTask | None:
        task = self.tasks.get(task_id)
        return task if task is not None and task.api == api else None

    # credits

    def balance(self) -> Fraction:
        now = trio.current_time()
        return self._deposited - sum((t.charged(now) for t in self.tasks.values()), Fraction(0))

    def set_balance(self, credits: Fraction) -> None:
        """Make the balance `credits` now (later refunds still add to it)."""
        self._deposited += credits - self.balance()
        self.touch()
