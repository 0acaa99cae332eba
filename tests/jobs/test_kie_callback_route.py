"""The KIE callback route: a callback wakes its job only with the job's own secret and, when
KIE's HMAC key is set, a valid fresh signature of its task; a replay wakes nothing more."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest
import trio

from trt_actors.kie import (
    MAX_CALLBACK_SKEW,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    callback_signature,
)
from trt_actors.routes.kie_callback import (
    ReplayGuard,
    add_kie_callback_route,
    callback_secret,
    callback_url,
)
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


HMAC_KEY = "kie-dashboard-hmac-key"
KEYS = {"alpha": "alpha-bot-key", "beta": "beta-bot-key"}


@pytest.fixture
async def signed_server() -> tuple[str, list[tuple[str, int]]]:  # type: ignore[misc]
    """Two tenants and KIE's HMAC key: callbacks must carry both secrets."""
    woken: list[tuple[str, int]] = []

    def wake(tenant: str, job: int) -> bool:
        woken.append((tenant, job))
        return True

    router = Router()
    add_kie_callback_route(router, key_of=KEYS.get, wake_job=wake, hmac_key=HMAC_KEY)
    async with trio.open_nursery() as nursery:
        port = await nursery.start(HTTPServer(router).serve, "127.0.0.1", 0)
        yield f"http://127.0.0.1:{port}", woken
        nursery.cancel_scope.cancel()


def signed(task: str, *, key: str = HMAC_KEY, age: float = 0.0) -> dict[str, str]:
    stamp = str(int(time.time() - age))
    return {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: callback_signature(key, task, stamp)}


def body_of(task: str) -> bytes:
    return json.dumps({"code": 200, "data": {"taskId": task, "state": "success"}}).encode()


@pytest.mark.parametrize(
    ("case", "headers"),
    [  # made when the test runs: the signatures' timestamps are relative to now
        ("no signature", dict),
        ("no timestamp", lambda: {SIGNATURE_HEADER: callback_signature(HMAC_KEY, "t-1", "1")}),
        ("signed with another key", lambda: signed("t-1", key="a-guessed-key")),
        ("a valid signature of another task", lambda: signed("t-2")),
        ("a replay of an old callback", lambda: signed("t-1", age=MAX_CALLBACK_SKEW + 5)),
        ("a signature from the future", lambda: signed("t-1", age=-(MAX_CALLBACK_SKEW + 5))),
    ],
)
async def test_a_callback_without_a_valid_signature_is_refused_and_wakes_nothing(
    signed_server: tuple[str, list[tuple[str, int]]],
    case: str,
    headers: Callable[[], dict[str, str]],
) -> None:
    base, woken = signed_server
    url = callback_url(base, KEYS["alpha"], "alpha", 42)  # the job's own URL secret
    async with httpx.AsyncClient() as client:
        refused = await client.post(url, content=body_of("t-1"), headers=headers())
        assert refused.status_code == 401, case
        good = await client.post(url, content=body_of("t-1"), headers=signed("t-1"))
        assert good.status_code == 200
    assert woken == [("alpha", 42)]  # only the genuine one


async def test_another_tenants_or_jobs_url_secret_is_refused_even_when_signed(
    signed_server: tuple[str, list[tuple[str, int]]],
) -> None:
    base, woken = signed_server
    beta_secret = callback_secret(KEYS["beta"], "beta", 42)
    async with httpx.AsyncClient() as client:
        for url in (
            f"{base}/kie/callback/alpha/42?s={beta_secret}",  # beta's job 42, aimed at alpha's
            f"{base}/kie/callback/alpha/43?s={callback_secret(KEYS['alpha'], 'alpha', 42)}",
            f"{base}/kie/callback/alpha/42",  # no secret at all
        ):
            answer = await client.post(url, content=body_of("t-1"), headers=signed("t-1"))
            assert answer.status_code == 401, url
    assert woken == []


async def test_a_replayed_callback_is_acknowledged_and_wakes_the_job_once(
    signed_server: tuple[str, list[tuple[str, int]]],
) -> None:
    base, woken = signed_server
    url = callback_url(base, KEYS["alpha"], "alpha", 42)
    headers = signed("t-1")
    async with httpx.AsyncClient() as client:
        for _ in range(5):  # the same callback, again and again (a replay, or KIE repeating)
            answer = await client.post(url, content=body_of("t-1"), headers=headers)
            assert answer.status_code == 200  # no oracle: the same answer as the first time
        later = await client.post(url, content=body_of("t-1"), headers=signed("t-1", age=-1))
        assert later.status_code == 200  # a new callback (signed at another second) counts
    assert woken == [("alpha", 42), ("alpha", 42)]


async def test_the_replay_memory_forgets_after_the_window_and_stays_bounded(
    autojump_clock: trio.testing.MockClock,
) -> None:
    guard = ReplayGuard(window=300.0, capacity=100)
    assert not guard.seen("alpha", "42", b"body")
    assert guard.seen("alpha", "42", b"body")
    assert not guard.seen("alpha", "4", b"2body")  # parts are not just glued together
    await trio.sleep(301)
    assert not guard.seen("alpha", "42", b"body")  # its timestamp is stale by now anyway
    for n in range(1000):
        guard.seen("alpha", str(n), b"")
    assert len(guard._until) <= 100
