"""The APIs the emulator speaks: their paths, what a submit must hold, what they make.

Paths are KIE's (kie-api.md §2, §7); the catalog's `apis` section must agree (a test
checks it). `check` returns KIE-style 422 messages for bodies KIE would refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Check = Callable[[Mapping[str, Any]], str | None]


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """One emulated API: its id, submit and status paths, the body field naming the
    model (None: the API id is the model), the output it makes, and its body check."""

    id: str
    submit_path: str
    status_path: str
    model_field: str | None
    output: str | None
    check: Check

    @property
    def submit_endpoint(self) -> str:
        return f"{self.id}.submit"

    @property
    def status_endpoint(self) -> str:
        return f"{self.id}.status"


def _text(body: Mapping[str, Any], name: str) -> bool:
    value = body.get(name)
    return isinstance(value, str) and bool(value.strip())


def _market(body: Mapping[str, Any]) -> str | None:
    if not _text(body, "model"):
        return "model is required"
    if not isinstance(body.get("input"), Mapping):
        return "input is required and must be an object"
    return None


def _prompted(body: Mapping[str, Any]) -> str | None:
    return None if _text(body, "prompt") else "prompt is required"


def _runway(body: Mapping[str, Any]) -> str | None:
    if not _text(body, "prompt"):
        return "prompt is required"
    if str(body.get("duration")) == "10" and body.get("quality") == "1080p":
        return "1080p is not available for 10-second videos"
    if not body.get("imageUrl") and not body.get("aspectRatio"):
        return "aspectRatio is required for text-to-video"
    return None


def _suno(body: Mapping[str, Any]) -> str | None:
    if not _text(body, "callBackUrl"):
        return "callBackUrl is required"
    return None if _text(body, "prompt") else "prompt is required"


def _midjourney(body: Mapping[str, Any]) -> str | None:
    if not _text(body, "taskType"):
        return "taskType is required"
    return _prompted(body)


def _gpt4o(body: Mapping[str, Any]) -> str | None:
    if body.get("size") not in ("1:1", "3:2", "2:3"):
        return "size must be one of 1:1, 3:2, 2:3"
    if not _text(body, "prompt") and not body.get("filesUrl"):
        return "prompt or filesUrl is required"
    return None


APIS: dict[str, ApiSpec] = {
    spec.id: spec
    for spec in (
        ApiSpec(
            "market", "/api/v1/jobs/createTask", "/api/v1/jobs/recordInfo", "model", None, _market
        ),
        ApiSpec(
            "veo", "/api/v1/veo/generate", "/api/v1/veo/record-info", "model", "video", _prompted
        ),
        ApiSpec(
            "runway",
            "/api/v1/runway/generate",
            "/api/v1/runway/record-detail",
            None,
            "video",
            _runway,
        ),
        ApiSpec(
            "suno", "/api/v1/generate", "/api/v1/generate/record-info", "model", "audio", _suno
        ),
        ApiSpec(
            "midjourney",
            "/api/v1/mj/generate",
            "/api/v1/mj/record-info",
            None,
            "image",
            _midjourney,
        ),
        ApiSpec(
            "gpt4o_image",
            "/api/v1/gpt4o-image/generate",
            "/api/v1/gpt4o-image/record-info",
            None,
            "image",
            _gpt4o,
        ),
        ApiSpec(
            "flux_kontext",
            "/api/v1/flux/kontext/generate",
            "/api/v1/flux/kontext/record-info",
            "model",
            "image",
            _prompted,
        ),
    )
}

_VIDEO_WORDS = (
    "video",
    "veo",
    "sora",
    "kling",
    "hailuo",
    "wan/",
    "seedance",
    "avatar",
    "infinitalk",
    "runway",
    "omnihuman",
    "fabric",
)
_AUDIO_WORDS = ("speech", "tts", "audio", "sound", "music", "suno", "elevenlabs", "dialogue")
_TEXT_WORDS = ("speech-to-text", "transcri", "stt")


def guess_output(model: str) -> str:
    """ "image", "video", "audio" or "text" for a market model id, from its name."""
    name = model.lower()
    if any(word in name for word in _TEXT_WORDS):
        return "text"
    if any(word in name for word in _VIDEO_WORDS):
        return "video"
    if any(word in name for word in _AUDIO_WORDS):
        return "audio"
    return "image"


def results_count(api: str, body: Mapping[str, Any]) -> int:
    """How many result files a task makes (Suno two takes, Midjourney four images…)."""
    if api == "suno":
        return 2
    if api == "midjourney":
        return 4
    if api == "gpt4o_image":
        variants = body.get("nVariants")
        return variants if isinstance(variants, int) and 1 <= variants <= 4 else 1
    return 1
