"""Status answers of every API, normalised; `resultJson` is a JSON string."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest

from trt_actors.catalog import load_catalog
from trt_actors.kie import (
    NORMALISERS,
    KieProtocolError,
    KieResultError,
    KieTaskNotFound,
    TaskState,
    normalise,
    normalise_market,
    parse_result_json,
)

URL = "https://tempfile.example/a.png"


def record(state: str, **extra: Any) -> dict[str, Any]:
    return {"taskId": "t1", "model": "z-image", "state": state, "param": "{}", **extra}


def test_result_json_string_is_parsed() -> None:
    status = normalise_market(
        record(
            "success", resultJson=json.dumps({"resultUrls": [URL]}), creditsConsumed=Fraction(4, 5)
        )
    )
    assert status.succeeded and status.finished
    assert status.result_urls == (URL,)
    assert status.credits_consumed == Fraction(4, 5)


def test_result_json_given_as_object_and_legacy_single_url() -> None:
    assert normalise_market(record("success", resultJson={"resultUrl": URL})).result_urls == (URL,)


def test_text_result_object() -> None:
    result = json.dumps({"resultObject": {"text": "hello", "words": []}})
    status = normalise_market(record("success", resultJson=result))
    assert status.result_text == "hello"
    assert status.result_object == {"text": "hello", "words": []}
    other = parse_result_json(json.dumps({"resultObject": {"a": 1}}))
    assert other.text == '{"a": 1}'


@pytest.mark.parametrize(
    "value",
    [
        '{"resultUrls": ["http://',
        "not json",
        '["a"]',
        '{"resultUrls": "ftp://x"}',
        '{"resultUrls": [1]}',
        '{"resultUrls": {"a": 1}}',
    ],
)
def test_malformed_result_json_is_a_typed_error(value: str) -> None:
    with pytest.raises(KieResultError):
        normalise_market(record("success", resultJson=value))


@pytest.mark.parametrize("value", [None, "", "{}", '{"resultUrls": []}'])
def test_success_without_results_is_an_error(value: str | None) -> None:
    with pytest.raises(KieResultError, match="without results"):
        normalise_market(record("success", resultJson=value))


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("waiting", TaskState.WAITING),
        ("queuing", TaskState.QUEUING),
        ("generating", TaskState.GENERATING),
    ],
)
def test_running_states_ignore_result_json(state: str, expected: TaskState) -> None:
    status = normalise_market(record(state, resultJson="garbage"))
    assert status.state is expected and not status.finished and status.result_urls == ()


def test_failure_keeps_code_and_message() -> None:
    status = normalise_market(
        record(
            "fail", failCode="422", failMsg="prompt contains prohibited content", resultJson=None
        )
    )
    assert status.failed
    assert (status.fail_code, status.fail_message) == ("422", "prompt contains prohibited content")


def test_unknown_state_and_null_record() -> None:
    with pytest.raises(KieProtocolError):
        normalise_market(record("exploded"))
    with pytest.raises(KieTaskNotFound):
        normalise_market(None)


def test_veo() -> None:
    data = {
        "taskId": "veo1",
        "response": {"resultUrls": [URL], "originUrls": [URL], "resolution": "1080p"},
        "successFlag": 1,
        "errorCode": None,
        "errorMessage": "",
    }
    assert normalise("veo", data, "veo1").result_urls == (URL,)
    assert normalise("veo", {"successFlag": 0}, "veo1").state is TaskState.GENERATING
    failed = normalise("veo", {"successFlag": 3, "errorCode": 501, "errorMessage": "nope"}, "v")
    assert failed.failed and (failed.fail_code, failed.fail_message) == ("501", "nope")
    assert failed.task_id == "v"


def test_runway() -> None:
    data = {"taskId": "r", "state": "success", "videoInfo": {"videoUrl": URL}, "expireFlag": 0}
    assert normalise("runway", data).result_urls == (URL,)
    assert normalise("runway", {"state": "wait"}).state is TaskState.WAITING
    assert normalise("runway", {"state": "queueing"}).state is TaskState.QUEUING
    failed = normalise("runway", {"state": "fail", "failCode": 400, "failMsg": "bad"})
    assert (failed.fail_code, failed.fail_message) == ("400", "bad")
    with pytest.raises(KieResultError, match="expired"):
        normalise("runway", {**data, "expireFlag": 1})


def test_suno() -> None:
    tracks = [{"audioUrl": URL}, {"audioUrl": "https://x.example/b.mp3"}]
    data = {"taskId": "s", "status": "SUCCESS", "response": {"sunoData": tracks}}
    assert len(normalise("suno", data).result_urls) == 2
    partial = {"status": "FIRST_SUCCESS", "response": {"sunoData": [tracks[0], {"audioUrl": ""}]}}
    status = normalise("suno", partial)
    assert status.state is TaskState.GENERATING and status.result_urls == (URL,)
    assert normalise("suno", {"status": "PENDING"}).state is TaskState.WAITING
    assert normalise("suno", {"status": "SENSITIVE_WORD_ERROR"}).failed


def test_midjourney() -> None:
    data = {"successFlag": "1", "resultInfoJson": {"resultUrls": [{"resultUrl": URL}] * 4}}
    assert normalise("midjourney", data).result_urls == (URL,) * 4
    with pytest.raises(KieResultError):
        normalise("midjourney", {"successFlag": 1, "resultInfoJson": {"resultUrls": [{}]}})


def test_gpt4o_image_progress_and_both_result_names() -> None:
    running = normalise("gpt4o_image", {"status": "GENERATING", "progress": "0.50"})
    assert running.progress == 50 and running.state is TaskState.GENERATING
    done = {"status": "SUCCESS", "progress": "1.00", "response": {"result_urls": [URL]}}
    assert normalise("gpt4o_image", done).result_urls == (URL,)
    assert normalise("gpt4o_image", {"status": "GENERATE_FAILED"}).failed


def test_flux_kontext() -> None:
    data = {"successFlag": 1, "response": {"resultImageUrl": URL, "originImageUrl": URL}}
    assert normalise("flux_kontext", data).result_urls == (URL,)
    with pytest.raises(KieResultError):
        normalise("flux_kontext", {"successFlag": 1, "response": {}})
    assert normalise("flux_kontext", {"successFlag": 2}).failed


def test_every_catalog_api_has_a_normaliser() -> None:
    catalog = load_catalog()
    apis = {
        model.route.api.id
        for kind in catalog.kinds()
        for model in catalog.models(kind.id, visible_only=False)
    }
    assert apis <= set(NORMALISERS)
    with pytest.raises(ValueError, match="no status normaliser"):
        normalise("luma", {})


def test_raw_data_is_not_in_repr() -> None:
    status = normalise_market(record("waiting", param='{"callBackUrl": "https://x/?s=secret"}'))
    assert "secret" not in repr(status)
