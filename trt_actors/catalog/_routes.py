"""Where a model's requests go: KIE's market endpoints or one of its dedicated APIs.

Each API is data from ``catalog/catalog.yaml``: its submit and status endpoints, how the
request body is shaped, and where the status answer keeps the state and the results.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BodyStyle(StrEnum):
    """How the request body is shaped."""

    MARKET = "market"  # {"model": <kie model>, "input": {...}, "callBackUrl"?}
    FLAT = "flat"  # {...fields at the top level..., "callBackUrl"?}


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An HTTP method and a path on the KIE API host."""

    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True)
class Api:
    """One KIE API: the market (`jobs/createTask`) or a dedicated one (Veo, Runway, Suno…).

    `status` is polled with the task id in the query parameter `task_id_param`. The answer's
    state is at `state_field` (a dotted path); `success_states` and `failure_states` are its
    final values, and the result URLs are at `result_field`. An API with `callback_required`
    refuses a task without a callBackUrl: a bot without a public URL gives it
    `NO_CALLBACK_URL`, a URL that never resolves, and polls as for every task.
    """

    id: str
    name: str
    body: BodyStyle
    submit: Endpoint
    status: Endpoint
    task_id_param: str
    model_field: str | None
    state_field: str
    success_states: tuple[str, ...]
    failure_states: tuple[str, ...]
    result_field: str
    callback_required: bool = False  # the API refuses a task without callBackUrl (Suno)

    @property
    def dedicated(self) -> bool:
        """True for every API other than the market's `jobs/createTask`."""
        return self.body is not BodyStyle.MARKET


@dataclass(frozen=True, slots=True)
class Route:
    """The API a model is sent to and the model id KIE knows it by (if the API takes one)."""

    api: Api
    kie_model: str | None

    def describe(self) -> str:
        """A short text for listings: ``market kling-2.6/text-to-video`` or ``veo veo3_fast``."""
        return f"{self.api.id} {self.kie_model}" if self.kie_model else self.api.id
