"""How each KIE API shows a task: its status answer's `data`, and its callback body.

The shapes follow kie-api.md (§2 for the market, §7 for the dedicated APIs): the market's
record with `resultJson` as a JSON string; `successFlag` for Veo, Flux Kontext and
Midjourney; Runway's `state` words; Suno's and 4o Image's `status` words.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from trt_actors.emulators.kie._tasks import GENERATING, WAITING, EmuTask

#: A result URL that is not one, for MALFORMED_RESULT on the dedicated APIs.
BROKEN_URL = "not a url"
#: resultJson cut in the middle, for MALFORMED_RESULT on the market.
BROKEN_RESULT_JSON = '{"resultUrls": ["http://'


@dataclass(frozen=True, slots=True)
class TaskView:
    """A task as seen at one instant: its state and its result URLs (when succeeded)."""

    task: EmuTask
    state: str
    urls: tuple[str, ...]

    @property
    def success(self) -> bool:
        return self.state == "success"

    @property
    def fail(self) -> bool:
        return self.state == "fail"

    @property
    def shown_urls(self) -> list[str]:
        if not self.success:
            return []
        return [BROKEN_URL] * len(self.urls) if self.task.malformed_result else list(self.urls)


def number(value: Fraction) -> int | float:
    """A JSON number for credits (an int when whole)."""
    return int(value) if value.denominator == 1 else float(value)


def _param(task: EmuTask) -> str:
    return json.dumps(task.body, ensure_ascii=False)


def _flag(view: TaskView) -> int:
    return 1 if view.success else 3 if view.fail else 0


def _error_code(view: TaskView) -> int | None:
    code = view.task.fail_code
    return int(code) if view.fail and code.isdigit() else None


def market(view: TaskView) -> dict[str, Any]:
    task = view.task
    result = ""
    if view.success:
        if task.malformed_result:
            result = BROKEN_RESULT_JSON
        elif task.output == "text":
            result = json.dumps({"resultObject": {"text": task.text}}, ensure_ascii=False)
        else:
            result = json.dumps({"resultUrls": list(view.urls)})
    complete = task.completed_ms()
    return {
        "taskId": task.task_id,
        "model": task.model,
        "state": view.state,
        "param": _param(task),
        "resultJson": result,
        "failCode": task.fail_code if view.fail else "",
        "failMsg": task.fail_message if view.fail else "",
        "costTime": (complete - task.created_ms) // 1000 if complete else 0,
        "completeTime": complete,
        "createTime": task.created_ms,
        "updateTime": complete or task.created_ms,
        "creditsConsumed": number(task.price) if view.success else 0,
    }


def veo(view: TaskView) -> dict[str, Any]:
    task = view.task
    response = None
    if view.success:
        urls = view.shown_urls
        response = {
            "taskId": task.task_id,
            "resultUrls": urls,
            "originUrls": urls,
            "resolution": "720p",
        }
    return {
        "taskId": task.task_id,
        "paramJson": _param(task),
        "completeTime": task.completed_ms(),
        "response": response,
        "successFlag": _flag(view),
        "errorCode": _error_code(view),
        "errorMessage": task.fail_message if view.fail else "",
        "createTime": task.created_ms,
        "fallbackFlag": False,
    }


def flux_kontext(view: TaskView) -> dict[str, Any]:
    task = view.task
    urls = view.shown_urls
    response = {"originImageUrl": urls[0], "resultImageUrl": urls[0]} if urls else None
    return {
        "taskId": task.task_id,
        "paramJson": _param(task),
        "completeTime": task.completed_ms(),
        "response": response,
        "successFlag": _flag(view),
        "errorCode": _error_code(view),
        "errorMessage": task.fail_message if view.fail else "",
        "createTime": task.created_ms,
    }


def midjourney(view: TaskView) -> dict[str, Any]:
    task = view.task
    results = {"resultUrls": [{"resultUrl": url} for url in view.shown_urls]}
    return {
        "taskId": task.task_id,
        "taskType": task.body.get("taskType"),
        "paramJson": _param(task),
        "completeTime": task.completed_ms(),
        "resultInfoJson": results if view.success else None,
        "successFlag": _flag(view),
        "errorCode": _error_code(view),
        "errorMessage": task.fail_message if view.fail else "",
        "createTime": task.created_ms,
    }


_RUNWAY_STATES = {WAITING: "wait", GENERATING: "generating", "success": "success", "fail": "fail"}


def runway(view: TaskView) -> dict[str, Any]:
    task = view.task
    urls = view.shown_urls
    info = None
    if urls:
        info = {
            "videoId": task.task_id,
            "taskId": task.task_id,
            "videoUrl": urls[0],
            "imageUrl": "",
        }
    return {
        "taskId": task.task_id,
        "parentTaskId": "",
        "generateParam": {"prompt": task.prompt, "imageUrl": task.body.get("imageUrl", "")},
        "state": _RUNWAY_STATES[view.state],
        "generateTime": task.created_ms,
        "videoInfo": info,
        "failCode": _error_code(view) or "",
        "failMsg": task.fail_message if view.fail else "",
        "expireFlag": 0,
    }


_SUNO_STATES = {
    WAITING: "PENDING",
    GENERATING: "TEXT_SUCCESS",
    "success": "SUCCESS",
    "fail": "GENERATE_AUDIO_FAILED",
}


def suno(view: TaskView) -> dict[str, Any]:
    task = view.task
    tracks = [
        {
            "id": f"{task.task_id}-{i}",
            "audioUrl": url,
            "streamAudioUrl": url,
            "imageUrl": "",
            "prompt": task.prompt,
            "modelName": task.model,
            "title": task.prompt[:80],
            "tags": "",
            "duration": 1.0,
        }
        for i, url in enumerate(view.shown_urls)
    ]
    return {
        "taskId": task.task_id,
        "parentMusicId": "",
        "param": _param(task),
        "response": {"taskId": task.task_id, "sunoData": tracks},
        "status": _SUNO_STATES[view.state],
        "type": "GENERATE",
        "errorCode": _error_code(view),
        "errorMessage": task.fail_message if view.fail else None,
    }


_GPT4O_STATES = {
    WAITING: "GENERATING",
    GENERATING: "GENERATING",
    "success": "SUCCESS",
    "fail": "GENERATE_FAILED",
}


def gpt4o_image(view: TaskView) -> dict[str, Any]:
    task = view.task
    progress = "1.00" if view.success else "0.50" if view.state == GENERATING else "0.00"
    return {
        "taskId": task.task_id,
        "paramJson": _param(task),
        "completeTime": task.completed_ms(),
        "response": {"resultUrls": view.shown_urls} if view.success else None,
        "successFlag": _flag(view),
        "status": _GPT4O_STATES[view.state],
        "errorCode": _error_code(view),
        "errorMessage": task.fail_message if view.fail else "",
        "createTime": task.created_ms,
        "progress": progress,
    }


RENDERERS: dict[str, Callable[[TaskView], dict[str, Any]]] = {
    "market": market,
    "veo": veo,
    "runway": runway,
    "suno": suno,
    "midjourney": midjourney,
    "gpt4o_image": gpt4o_image,
    "flux_kontext": flux_kontext,
}


def callback_body(view: TaskView) -> dict[str, Any]:
    """What KIE POSTs to callBackUrl when the task ends (code 200 success, 501 failure)."""
    task = view.task
    code = 200 if view.success else 501
    if task.api == "market":
        message = (
            "Playground task completed successfully."
            if view.success
            else ("Playground task failed.")
        )
        return {"code": code, "msg": message, "data": market(view)}
    if task.api == "veo":
        info = {"resultUrls": view.shown_urls, "originUrls": view.shown_urls, "resolution": "720p"}
        data: dict[str, Any] = {"taskId": task.task_id, "info": info, "fallbackFlag": False}
        message = "Veo3.1 video generated successfully." if view.success else task.fail_message
        return {"code": code, "msg": message, "data": data}
    message = "success" if view.success else task.fail_message
    return {"code": code, "msg": message, "data": RENDERERS[task.api](view)}
