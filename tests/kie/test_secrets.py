"""The API key stays secret: not in reprs, logs or errors, never sent to result hosts."""

from __future__ import annotations

import httpx
import pytest
import structlog.testing

from trt_actors.kie import KieAuthError, KieClient
from trt_actors.observability.redaction import redactor

from .support import KEY, answer, mock_client


async def test_key_is_not_logged_or_shown() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert request.headers["user-agent"].startswith("trt-actors")
        return answer(401, msg="You do not have access permissions")

    with structlog.testing.capture_logs() as events:
        async with mock_client(handler) as kie:
            assert KEY not in repr(kie)
            with pytest.raises(KieAuthError) as caught:
                await kie.create_task("z-image", {"prompt": "x"})
    assert KEY not in str(caught.value)
    assert any(event["event"] == "kie.operator_alert" for event in events)
    assert KEY not in repr(events)
    assert KEY not in redactor.text(f"Authorization: Bearer {KEY}")


async def test_result_downloads_carry_no_key() -> None:
    seen: list[httpx.Request] = []

    async def files(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=b"data", headers={"content-type": "image/png"})

    async def api(request: httpx.Request) -> httpx.Response:
        raise AssertionError("the API host is not asked")

    async with KieClient(
        KEY, transport=httpx.MockTransport(api), download_transport=httpx.MockTransport(files)
    ) as kie:
        result = await kie.download("https://tempfile.example/a.png")
    assert result.content == b"data" and result.size == 4
    assert "authorization" not in seen[0].headers


def test_empty_key_is_refused() -> None:
    with pytest.raises(ValueError):
        KieClient("")
