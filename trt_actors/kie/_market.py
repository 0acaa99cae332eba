"""The market's task record (recordInfo and its callbacks), normalised to `TaskStatus`.

`resultJson` is a JSON *string* (``"{\\"resultUrls\\":[...]}"``): media results carry
`resultUrls`, text results `resultObject`. A malformed one is a `KieResultError`, never a
success without results.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import _fields
from ._errors import KieProtocolError, KieResultError, KieTaskNotFound
from ._status import TaskState, TaskStatus

_STATES = {
    "waiting": TaskState.WAITING,
    "queuing": TaskState.QUEUING,
    "queueing": TaskState.QUEUING,
    "generating": TaskState.GENERATING,
    "success": TaskState.SUCCESS,
    "fail": TaskState.FAIL,
}
#: Keys a text result may sit under inside `resultObject`.
_TEXT_KEYS = ("text", "content", "result", "transcript")


@dataclass(frozen=True, slots=True)
class ParsedResult:
    """What `resultJson` holds: media URLs, and/or a text result with its object."""

    urls: tuple[str, ...] = ()
    text: str | None = None
    obj: Any = None

    @property
    def empty(self) -> bool:
        return not self.urls and self.text is None


def _text_of(obj: Any) -> str | None:
    if obj is None:
        return None
    if isinstance(obj, str):
        return obj
    if isinstance(obj, Mapping):
        for key in _TEXT_KEYS:
            if isinstance(obj.get(key), str):
                return str(obj[key])
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


def parse_result_json(value: Any) -> ParsedResult:
    """Parse a `resultJson` value (a JSON string; an object is accepted as is).

    None or "" give an empty result; text that is not a JSON object, or result URLs that
    are not http(s) strings, raise `KieResultError`.
    """
    if value is None or value == "":
        return ParsedResult()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise KieResultError(f"resultJson is not valid JSON: {exc.msg}") from None
    if not isinstance(value, Mapping):
        raise KieResultError(f"resultJson is not a JSON object: {type(value).__name__}")
    found = value.get("resultUrls")
    if found is None:
        found = value.get("resultUrl")
    obj = value.get("resultObject")
    return ParsedResult(_fields.urls(found), _text_of(obj), obj)


def market_state(value: Any) -> TaskState:
    """The market's `state` text as a `TaskState`; unknown text is a `KieProtocolError`."""
    state = _STATES.get(str(value).strip().lower()) if isinstance(value, str) else None
    if state is None:
        raise KieProtocolError(f"unknown task state {value!r}")
    return state


def normalise_market(data: Any, task_id: str = "") -> TaskStatus:
    """A recordInfo `data` object (or a market callback's `data`) as a `TaskStatus`.

    Raises `KieTaskNotFound` for a null record, `KieResultError` for a success whose
    `resultJson` is malformed or empty, `KieProtocolError` for an unknown state.
    """
    if not isinstance(data, Mapping):
        raise KieTaskNotFound("recordInfo is null", code=404)
    state = market_state(data.get("state"))
    found_id = _fields.first_text(data, "taskId", "task_id") or task_id
    common: dict[str, Any] = {
        "task_id": found_id,
        "state": state,
        "api": "market",
        "progress": _fields.progress(data.get("progress")),
        "credits_consumed": _fields.credits(data),
        "raw": data,
    }
    if state is TaskState.FAIL:
        return TaskStatus(
            **common,
            fail_code=_fields.text(data.get("failCode")) or "",
            fail_message=_fields.first_text(data, "failMsg", "errorMessage") or "",
        )
    if state is not TaskState.SUCCESS:
        return TaskStatus(**common)
    result = parse_result_json(data.get("resultJson"))
    if result.empty:
        raise KieResultError(f"task {found_id} succeeded without results")
    return TaskStatus(
        **common, result_urls=result.urls, result_text=result.text, result_object=result.obj
    )
