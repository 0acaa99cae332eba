"""Status answers of KIE's dedicated APIs (Veo, Runway, Suno, Midjourney, 4o Image, Flux
Kontext), normalised to `TaskStatus`.

Each API has its own state field and result place (kie-api.md §7): Veo, Flux Kontext and
Midjourney use `successFlag` (0 generating, 1 success, 2 and 3 failed); Runway `state`
(wait, queueing, generating, success, fail); Suno and 4o Image `status` words. Every
normaliser takes the answer's `data` and the id that was asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import _fields
from ._errors import KieProtocolError, KieResultError, KieTaskNotFound
from ._market import normalise_market
from ._status import TaskState, TaskStatus

Normaliser = Callable[[Any, str], TaskStatus]

_FLAG_STATES = {0: TaskState.GENERATING, 1: TaskState.SUCCESS, 2: TaskState.FAIL, 3: TaskState.FAIL}
_RUNWAY_STATES = {
    "wait": TaskState.WAITING,
    "queueing": TaskState.QUEUING,
    "queuing": TaskState.QUEUING,
    "generating": TaskState.GENERATING,
    "success": TaskState.SUCCESS,
    "fail": TaskState.FAIL,
}
_SUNO_STATES = {
    "PENDING": TaskState.WAITING,
    "TEXT_SUCCESS": TaskState.GENERATING,
    "FIRST_SUCCESS": TaskState.GENERATING,
    "SUCCESS": TaskState.SUCCESS,
    "CREATE_TASK_FAILED": TaskState.FAIL,
    "GENERATE_AUDIO_FAILED": TaskState.FAIL,
    "CALLBACK_EXCEPTION": TaskState.FAIL,
    "SENSITIVE_WORD_ERROR": TaskState.FAIL,
}
_GPT4O_STATES = {
    "GENERATING": TaskState.GENERATING,
    "SUCCESS": TaskState.SUCCESS,
    "CREATE_TASK_FAILED": TaskState.FAIL,
    "GENERATE_FAILED": TaskState.FAIL,
}


def _record(data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise KieTaskNotFound("record is null", code=404)
    return data


def _lookup(table: Mapping[Any, TaskState], value: Any, what: str) -> TaskState:
    key = value.strip() if isinstance(value, str) else value
    state = table.get(key) if key is not None else None
    if state is None:
        raise KieProtocolError(f"unknown {what} {value!r}")
    return state


def _finish(
    api: str,
    data: Mapping[str, Any],
    task_id: str,
    state: TaskState,
    found: tuple[str, ...],
    **extra: Any,
) -> TaskStatus:
    """Build the status; a success without URLs is a `KieResultError`."""
    found_id = _fields.first_text(data, "taskId", "task_id") or task_id
    if state is TaskState.SUCCESS and not found:
        raise KieResultError(f"{api} task {found_id} succeeded without results")
    failure: dict[str, Any] = {}
    if state is TaskState.FAIL:
        failure = {
            "fail_code": _fields.first_text(data, "errorCode", "failCode") or "",
            "fail_message": _fields.first_text(data, "errorMessage", "failMsg") or "",
        }
    return TaskStatus(
        task_id=found_id,
        state=state,
        api=api,
        result_urls=found if state is not TaskState.FAIL else (),
        credits_consumed=_fields.credits(data),
        raw=data,
        **failure,
        **extra,
    )


def normalise_veo(data: Any, task_id: str) -> TaskStatus:
    record = _record(data)
    state = _lookup(_FLAG_STATES, _fields.flag(record.get("successFlag")), "Veo successFlag")
    found = _fields.path(record, "response.resultUrls")
    if found is None:  # the callback's shape
        found = _fields.path(record, "info.resultUrls")
    return _finish("veo", record, task_id, state, _fields.urls(found))


def normalise_flux_kontext(data: Any, task_id: str) -> TaskStatus:
    record = _record(data)
    flag = _fields.flag(record.get("successFlag"))
    state = _lookup(_FLAG_STATES, flag, "Flux Kontext successFlag")
    found = _fields.urls(_fields.path(record, "response.resultImageUrl"))
    return _finish("flux_kontext", record, task_id, state, found)


def normalise_midjourney(data: Any, task_id: str) -> TaskStatus:
    record = _record(data)
    flag = _fields.flag(record.get("successFlag"))
    state = _lookup(_FLAG_STATES, flag, "Midjourney successFlag")
    items = _fields.path(record, "resultInfoJson.resultUrls") or []
    if not isinstance(items, list):
        raise KieResultError("Midjourney resultUrls is not a list")
    found = tuple(
        _fields.url(item.get("resultUrl") if isinstance(item, Mapping) else item) for item in items
    )
    return _finish("midjourney", record, task_id, state, found)


def normalise_runway(data: Any, task_id: str) -> TaskStatus:
    record = _record(data)
    state = _lookup(_RUNWAY_STATES, record.get("state"), "Runway state")
    if state is TaskState.SUCCESS and _fields.flag(record.get("expireFlag")) == 1:
        raise KieResultError("Runway video expired (expireFlag=1)")
    found = _fields.urls(_fields.path(record, "videoInfo.videoUrl"))
    return _finish("runway", record, task_id, state, found)


def normalise_suno(data: Any, task_id: str) -> TaskStatus:
    record = _record(data)
    state = _lookup(_SUNO_STATES, record.get("status"), "Suno status")
    tracks = _fields.path(record, "response.sunoData") or []
    if not isinstance(tracks, list):
        raise KieResultError("Suno sunoData is not a list")
    found = tuple(
        _fields.url(track["audioUrl"])
        for track in tracks
        if isinstance(track, Mapping) and track.get("audioUrl")
    )
    return _finish("suno", record, task_id, state, found)


def normalise_gpt4o_image(data: Any, task_id: str) -> TaskStatus:
    record = _record(data)
    state = _lookup(_GPT4O_STATES, record.get("status"), "4o Image status")
    found = _fields.path(record, "response.resultUrls")
    if found is None:
        found = _fields.path(record, "response.result_urls")
    progress = _fields.progress(record.get("progress"))
    return _finish("gpt4o_image", record, task_id, state, _fields.urls(found), progress=progress)


NORMALISERS: Mapping[str, Normaliser] = {
    "market": normalise_market,
    "veo": normalise_veo,
    "runway": normalise_runway,
    "suno": normalise_suno,
    "midjourney": normalise_midjourney,
    "gpt4o_image": normalise_gpt4o_image,
    "flux_kontext": normalise_flux_kontext,
}
"""The normaliser of each API, by the catalog's API id (``catalog.yaml`` → ``apis``)."""


def normalise(api_id: str, data: Any, task_id: str = "") -> TaskStatus:
    """The status answer's `data` of API `api_id` as a `TaskStatus`.

    Raises ValueError for an API this client does not know; `KieTaskNotFound`,
    `KieProtocolError` or `KieResultError` for answers it cannot read.
    """
    normaliser = NORMALISERS.get(api_id)
    if normaliser is None:
        raise ValueError(f"no status normaliser for KIE API {api_id!r}")
    return normaliser(data, task_id)
