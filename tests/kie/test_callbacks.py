"""Callback verification: the per-job URL secret and KIE's HMAC headers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from trt_actors.kie import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    CallbackRejected,
    TaskState,
    callback_signature,
    callback_status,
    callback_task_id,
    new_callback_secret,
    verify_callback,
)

KEY = "hmac-key-from-the-dashboard"
NOW = 1_760_000_000
SECRET = "job-secret-abc"


def body(task_id: str = "t1", **data: object) -> bytes:
    return json.dumps({"code": 200, "msg": "ok", "data": {"taskId": task_id, **data}}).encode()


def signed(task_id: str = "t1", stamp: int = NOW, key: str = KEY) -> dict[str, str]:
    mac = hmac.new(key.encode(), f"{task_id}.{stamp}".encode(), hashlib.sha256).digest()
    return {TIMESTAMP_HEADER.lower(): str(stamp), SIGNATURE_HEADER: base64.b64encode(mac).decode()}


def verify(raw: bytes = b"", headers: dict[str, str] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "body": raw or body(),
        "headers": signed() if headers is None else headers,
        "given_secret": SECRET,
        "expected_secret": SECRET,
        "hmac_key": KEY,
        "now": float(NOW + 3),
    }
    args.update(kw)
    return verify_callback(**args)  # type: ignore[arg-type]


def test_signature_scheme() -> None:
    expected = signed("abc", 123)[SIGNATURE_HEADER]
    assert callback_signature(KEY, "abc", 123) == expected == callback_signature(KEY, "abc", "123")


def test_valid_callback() -> None:
    verified = verify()
    assert verified.task_id == "t1" and verified.payload["code"] == 200


def test_without_hmac_key_only_the_secret_counts() -> None:
    assert verify(headers={}, hmac_key=None).task_id == "t1"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"given_secret": "wrong"}, "secret"),
        ({"given_secret": None}, "secret"),
        ({"headers": {}}, "signature"),
        ({"headers": signed(key="other-key")}, "signature"),
        ({"headers": signed(task_id="t2")}, "signature"),
        ({"headers": signed(stamp=NOW - 1000)}, "timestamp"),
        ({"headers": {**signed(), TIMESTAMP_HEADER.lower(): "soon"}}, "timestamp"),
        ({"raw": b"not json"}, "body"),
        ({"raw": b"[1]"}, "body"),
        ({"raw": json.dumps({"code": 200, "data": {}}).encode()}, "body"),
    ],
)
def test_rejections(change: dict[str, object], reason: str) -> None:
    raw = change.pop("raw", b"")
    with pytest.raises(CallbackRejected) as caught:
        verify(raw, **change)  # type: ignore[arg-type]
    assert caught.value.reason == reason


def test_task_id_places() -> None:
    assert callback_task_id({"data": {"task_id": "a"}}) == "a"
    assert callback_task_id({"taskId": "b", "data": None}) == "b"
    assert callback_task_id({"task_id": "c"}) == "c"
    assert callback_task_id({"data": {"taskId": ""}}) is None


def test_secrets_are_fresh_and_url_safe() -> None:
    first, second = new_callback_secret(), new_callback_secret()
    assert first != second and len(first) >= 32
    assert all(ch.isalnum() or ch in "-_" for ch in first)


def test_market_and_veo_callback_statuses() -> None:
    market = {
        "code": 200,
        "data": {"taskId": "m", "state": "success", "resultJson": '{"resultUrls":["https://x/a"]}'},
    }
    status = callback_status("market", market)
    assert status is not None and status.result_urls == ("https://x/a",)
    veo_ok = {"code": 200, "data": {"taskId": "v", "info": {"resultUrls": ["https://x/v.mp4"]}}}
    status = callback_status("veo", veo_ok)
    assert status is not None and status.succeeded and status.result_urls == ("https://x/v.mp4",)
    veo_bad = {"code": 501, "msg": "failed", "data": {"taskId": "v"}}
    status = callback_status("veo", veo_bad)
    assert status is not None and status.state is TaskState.FAIL and status.fail_code == "501"
    assert callback_status("suno", {"code": 200, "data": {"task_id": "s"}}) is None
