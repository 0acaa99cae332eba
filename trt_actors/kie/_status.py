"""One normalised view of a KIE task, whichever API ran it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any


class TaskState(StrEnum):
    """Where a task is. `SUCCESS` and `FAIL` are final; the others mean "poll again"."""

    WAITING = "waiting"  # accepted, not yet queued (market `waiting`, Runway `wait`)
    QUEUING = "queuing"  # in the processing queue
    GENERATING = "generating"
    SUCCESS = "success"
    FAIL = "fail"

    @property
    def final(self) -> bool:
        return self in (TaskState.SUCCESS, TaskState.FAIL)


@dataclass(frozen=True, slots=True)
class TaskStatus:
    """A task's state and, once final, its results or why it failed.

    Guarantees: `state` SUCCESS comes with at least one result URL or a text result (a
    success without either is reported as `KieResultError` instead); `fail_code` and
    `fail_message` are set (possibly to "") only when `state` is FAIL; `progress` is 0-100
    when KIE gave one. `raw` is KIE's `data` object as received (it may hold the original
    request, callback URL included: do not log it).
    """

    task_id: str
    state: TaskState
    api: str = "market"
    result_urls: tuple[str, ...] = ()
    result_text: str | None = None
    result_object: Any = None
    fail_code: str | None = None
    fail_message: str | None = None
    progress: int | None = None
    credits_consumed: Fraction | None = None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def finished(self) -> bool:
        """True once the task succeeded or failed (nothing more will change)."""
        return self.state.final

    @property
    def succeeded(self) -> bool:
        return self.state is TaskState.SUCCESS

    @property
    def failed(self) -> bool:
        return self.state is TaskState.FAIL
