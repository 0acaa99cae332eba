"""The KIE callback route: a callback wakes its job only with the job's own secret."""

from __future__ import annotations

import httpx
import pytest
import trio

from trt_actors.routes.kie_callback import add_kie_callback_route, callback_secret, callback_url
from trt_actors.web import HTTPServer, Router

KEY = "tenant-secret-key"


@pytest.fixture
async def server() -> tuple[str, list[tuple[str, int]]]:  # type: ignore[misc]
    woken: list[tuple[str, int]] = []

    def wake(tenant: str, job: int) -> bool:
        woken.append((tenant, job))
        return True

    router = Router()
    add_kie_callback_route(
        router, key_of=lambda t: KEY if t == "default" else None, wake_job=wake, hmac_key=None
    )
    async with trio.open_nursery() as nursery:
        port = await nursery.start(HTTPServer(router).serve, "127.0.0.1", 0)
        yield f"http://127.0.0.1:{port}", woken
        nursery.cancel_scope.cancel()


async def test_the_right_secret_wakes_the_job(server: tuple[str, list[tuple[str, int]]]) -> None:
    base, woken = server
    url = callback_url(base, KEY, "default", 42)
    body = {"code": 200, "data": {"taskId": "t-1", "state": "success"}}
    async with httpx.AsyncClient() as client:
        assert (await client.post(url, json=body)).status_code == 200
        wrong = f"{base}/kie/callback/default/42?s={callback_secret(KEY, 'default', 43)}"
        assert (await client.post(wrong, json=body)).status_code == 401
        other = f"{base}/kie/callback/other/42?s={callback_secret(KEY, 'other', 42)}"
        assert (await client.post(other, json=body)).status_code == 404
    assert woken == [("default", 42)]
