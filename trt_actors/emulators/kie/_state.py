"""Everything one emulated KIE account holds: tasks, credits, files, faults, limits.

Handlers (`_endpoints`) and the control interface (`_control`) act on one `EmulatorState`;
the app (`_app`) only routes and serves.
"""

from __future__ import annotations

import functools
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import trio

from trt_actors.emulators.kie import _media, _results
from trt_actors.emulators.kie._apis import ApiSpec, guess_output, results_count
from trt_actors.emulators.kie._config import (
    IN_PROCESS_BASE_URL,
    UPLOAD_PREFIX,
    KieEmulatorConfig,
    Outcome,
    Schedule,
)
from trt_actors.emulators.kie._faults import Fault, FaultInjector, FaultKind
from trt_actors.emulators.kie._files import FileStore
from trt_actors.emulators.kie._limits import AccountLimit
from trt_actors.emulators.kie._tasks import EmuTask, TaskBook
from trt_actors.emulators.kie._views import TaskView, callback_body

#: How many API calls `EmulatorState.calls` keeps (oldest dropped first).
MAX_RECORDED_CALLS = 10_000


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One API request as the emulator saw it: the endpoint and the trio time."""

    endpoint: str
    at: float


class EmulatorState:
    """The account's state. `base_url` is the in-process URL until the server binds."""

    def __init__(self, config: KieEmulatorConfig) -> None:
        self.config = config
        self.schedule: Schedule = config.schedule
        self.hmac_key: str | None = config.hmac_key
        self.book = TaskBook(config.credits)
        self.files = FileStore()
        self.faults = FaultInjector()
        self.limit = AccountLimit(config.account_limit, config.account_window)
        self.base_url = IN_PROCESS_BASE_URL
        self.calls: deque[ApiCall] = deque(maxlen=MAX_RECORDED_CALLS)

    @property
    def upload_base_url(self) -> str:
        return self.base_url + UPLOAD_PREFIX

    def record(self, endpoint: str) -> None:
        self.calls.append(ApiCall(endpoint, trio.current_time()))

    def price_of(self, spec: ApiSpec, model: str) -> Fraction:
        prices = self.config.prices
        return prices.get(model, prices.get(spec.id, self.config.default_price))

    def output_of(self, spec: ApiSpec, model: str) -> str:
        return self.config.outputs.get(model) or spec.output or guess_output(model)

    def create_task(self, spec: ApiSpec, body: dict[str, Any]) -> EmuTask:
        """A new task with its result files made, after any task fault for this API."""
        field = spec.model_field
        model = str(body[field]) if field and body.get(field) else spec.id
        task = self.book.add(
            api=spec.id,
            model=model,
            body=body,
            output=self.output_of(spec, model),
            price=self.price_of(spec, model),
            schedule=self.schedule,
        )
        fault = self.faults.take(spec.id, task=True)
        if fault is not None:
            apply_task_fault(task, fault)
        self._make_results(task)
        return task

    def _make_results(self, task: EmuTask) -> None:
        if task.output == "text":
            task.text = f"Transcript: {task.prompt}"
            return
        extension = _results.extension(task.output)
        for index in range(results_count(task.api, task.body)):
            make = functools.partial(_results.make, task.output, task.body, task.model, index)
            name = f"{task.task_id}-{index}.{extension}"
            stored = self.files.put_made(make, name, _media.CONTENT_TYPES[extension])
            task.files.append(stored.file_id)

    def view(self, task: EmuTask) -> TaskView:
        urls = tuple(self.files.url(self.base_url, file_id) for file_id in task.files)
        return TaskView(task, task.state(), urls)

    def callback_body(self, task: EmuTask) -> dict[str, object]:
        return callback_body(self.view(task))


def apply_task_fault(task: EmuTask, fault: Fault) -> None:
    """Make a new task stuck, failing or malformed, as the fault says."""
    if fault.kind is FaultKind.STUCK:
        task.ready_at = task.done_at = None
    elif fault.kind is FaultKind.FAIL:
        task.outcome = Outcome.FAIL
        task.fail_code = str(fault.code or 500)
        task.fail_message = fault.message or "Internal server error"
    elif fault.kind is FaultKind.MALFORMED_RESULT:
        task.outcome = Outcome.SUCCESS
        task.malformed_result = True
