"""Every KIE code (in the body and as an HTTP status) maps to its typed error."""

from __future__ import annotations

import httpx
import pytest
import trio.testing

from trt_actors.kie import (
    KieApiError,
    KieAuthError,
    KieError,
    KieFeatureDisabled,
    KieGenerationFailed,
    KieOutOfCredits,
    KieProtocolError,
    KieRateLimited,
    KieServerError,
    KieTaskNotFound,
    KieUnavailable,
    KieValidationError,
    error_for_code,
)

from .support import answer, mock_client

CODES: list[tuple[int, type[KieApiError], bool, bool]] = [
    # code, class, retryable, operator alert
    (400, KieValidationError, False, False),
    (401, KieAuthError, False, True),
    (402, KieOutOfCredits, False, True),
    (404, KieTaskNotFound, False, False),
    (408, KieServerError, True, False),
    (422, KieValidationError, False, False),
    (429, KieRateLimited, True, False),
    (433, KieApiError, False, False),
    (455, KieUnavailable, True, False),
    (500, KieServerError, True, False),
    (501, KieGenerationFailed, False, False),
    (502, KieServerError, True, False),
    (505, KieFeatureDisabled, False, True),
]


@pytest.mark.parametrize(("code", "cls", "retryable", "alert"), CODES)
def test_error_for_code(code: int, cls: type[KieApiError], retryable: bool, alert: bool) -> None:
    error = error_for_code(code, "why")
    assert type(error) is cls
    assert isinstance(error, KieError)
    assert (error.code, error.message, error.retryable, error.operator_alert) == (
        code,
        "why",
        retryable,
        alert,
    )


def test_unknown_record_is_task_not_found() -> None:
    assert type(error_for_code(422, "recordInfo is null")) is KieTaskNotFound


@pytest.mark.parametrize(
    ("code", "cls"), [(c, cls) for c, cls, retryable, _ in CODES if not retryable]
)
async def test_final_codes_in_http_200_bodies_are_raised_without_retry(
    code: int, cls: type[KieApiError]
) -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return answer(code, msg=f"KIE says {code}")

    async with mock_client(handler) as kie:
        with pytest.raises(cls) as caught:
            await kie.create_task("z-image", {"prompt": "x"})
    assert caught.value.message == f"KIE says {code}"
    assert caught.value.http_status == 200
    assert calls == 1


async def test_validation_message_is_kept_for_the_user() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": 422, "message": "prompt is too long"})

    async with mock_client(handler) as kie:
        with pytest.raises(KieValidationError, match="prompt is too long") as caught:
            await kie.create_task("z-image", {"prompt": "x"})
    assert caught.value.message == "prompt is too long"


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (401, b"", KieAuthError),
        (403, b"error code: 1010", KieAuthError),
        (404, b"<html>not found</html>", KieTaskNotFound),
        (413, b"too large", KieValidationError),
        (429, b"", KieRateLimited),
        (502, b"<html>Bad Gateway</html>", KieServerError),
        (503, b"", KieServerError),
        (418, b"teapot", KieApiError),
        (500, b'{"code": 402, "msg": "no credits"}', KieOutOfCredits),
    ],
)
async def test_http_statuses_map_to_errors(
    status: int, body: bytes, cls: type[KieError], autojump_clock: trio.testing.MockClock
) -> None:
    """Retried while the deadline allows (virtual time: the same on a busy machine), then the
    last answer's error."""

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body)

    async with mock_client(handler) as kie:
        with pytest.raises(cls) as caught:
            await kie.credit_balance(timeout=0.05)
    assert type(caught.value) is cls


@pytest.mark.parametrize(
    "body",
    [
        b"<html>error code: 1010</html>",
        b"[1, 2]",
        b'{"msg": "no code"}',
        b'{"code": "abc"}',
        b"",
    ],
)
async def test_unreadable_answers_are_protocol_errors(body: bytes) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body)

    async with mock_client(handler) as kie:
        with pytest.raises(KieProtocolError):
            await kie.credit_balance()


async def test_code_sent_as_string_and_message_field() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": "200", "message": "success", "data": 7})

    async with mock_client(handler) as kie:
        assert await kie.credit_balance() == 7


async def test_submit_answer_without_task_id_is_a_protocol_error() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return answer(200, {"id": "x"})

    async with mock_client(handler) as kie:
        with pytest.raises(KieProtocolError, match="taskId"):
            await kie.create_task("z-image", {"prompt": "x"})
