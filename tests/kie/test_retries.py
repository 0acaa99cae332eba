"""Retries: bounded by the call's deadline, never repeating an uncertain submit.

Every test here runs on trio's MockClock (`autojump_clock`) with httpx.MockTransport
handlers that sleep on trio: no socket, so virtual time is exact.
"""

from __future__ import annotations

import itertools

import httpx
import pytest
import trio
import trio.testing

from trt_actors.kie import (
    KIE_SUBMIT_WINDOW,
    KieRateLimited,
    KieServerError,
    KieTimeout,
    KieTransportError,
    KieUnavailable,
)
from trt_actors.supervisors import Backoff

from .support import answer, mock_client

BACKOFF = Backoff(initial=1.0, maximum=4.0, factor=2.0, jitter=0.0)


async def test_5xx_retried_with_backoff_until_success(
    autojump_clock: trio.testing.MockClock,
) -> None:
    times: list[float] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        times.append(trio.current_time())
        return answer(500, msg="boom") if len(times) < 4 else answer(200, 12)

    async with mock_client(handler, backoff=BACKOFF) as kie:
        assert await kie.credit_balance(timeout=60) == 12
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(times)]
    assert gaps == [1.0, 2.0, 4.0]


async def test_retries_stop_at_the_deadline(autojump_clock: trio.testing.MockClock) -> None:
    times: list[float] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        times.append(trio.current_time())
        await trio.sleep(0.5)
        return answer(455, msg="maintenance")

    start = trio.current_time()
    async with mock_client(handler, backoff=BACKOFF) as kie:
        with pytest.raises(KieUnavailable):
            await kie.credit_balance(timeout=10)
    # attempts at 0, 1.5, 4, 8.5: the next (after 0.5 + 4) would pass 10 s: not waited for
    assert [t - start for t in times] == [0.0, 1.5, 4.0, 8.5]
    assert trio.current_time() - start < 10


async def test_a_hang_becomes_kie_timeout_at_the_deadline(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await trio.sleep(3600)
        raise AssertionError("unreachable")

    start = trio.current_time()
    async with mock_client(handler, backoff=BACKOFF) as kie:
        with pytest.raises(KieTimeout):
            await kie.record_info("t1", timeout=7)
    assert trio.current_time() - start == pytest.approx(7)


async def test_attempt_deadline_then_retry(autojump_clock: trio.testing.MockClock) -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            await trio.sleep(3600)  # the attempt deadline (45 s) cuts it
        return answer(200, {"taskId": "t1", "state": "waiting"})

    async with mock_client(handler, backoff=BACKOFF) as kie:
        status = await kie.record_info("t1", timeout=120)
    assert status.task_id == "t1" and calls == 2


async def test_uncertain_submit_is_not_repeated(autojump_clock: trio.testing.MockClock) -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ReadError("connection reset", request=request)

    async with mock_client(handler, backoff=BACKOFF) as kie:
        with pytest.raises(KieTransportError) as caught:
            await kie.create_task("z-image", {"prompt": "x"})
    assert caught.value.request_sent and calls == 1


async def test_submit_that_never_left_is_repeated(autojump_clock: trio.testing.MockClock) -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise httpx.ConnectError("refused", request=request)
        return answer(200, {"taskId": "abc"})

    async with mock_client(handler, backoff=BACKOFF) as kie:
        assert await kie.create_task("z-image", {"prompt": "x"}) == "abc"
    assert calls == 3


async def test_429_on_submit_waits_out_the_window(autojump_clock: trio.testing.MockClock) -> None:
    times: list[float] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        times.append(trio.current_time())
        return answer(429, msg="rate limited") if len(times) == 1 else answer(200, {"taskId": "a"})

    async with mock_client(handler, backoff=BACKOFF) as kie:
        assert await kie.create_task("z-image", {"prompt": "x"}) == "a"
    assert times[1] - times[0] >= KIE_SUBMIT_WINDOW


async def test_429_not_waited_for_past_the_deadline(autojump_clock: trio.testing.MockClock) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return answer(429, msg="rate limited")

    start = trio.current_time()
    async with mock_client(handler, backoff=BACKOFF) as kie:
        with pytest.raises(KieRateLimited):
            await kie.create_task("z-image", {"prompt": "x"}, timeout=5)
    assert trio.current_time() == start  # failed at once: the window does not fit


async def test_retry_after_header_is_respected(autojump_clock: trio.testing.MockClock) -> None:
    times: list[float] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        times.append(trio.current_time())
        if len(times) == 1:
            return httpx.Response(503, headers={"retry-after": "7"})
        return answer(200, 1)

    async with mock_client(handler, backoff=BACKOFF) as kie:
        assert await kie.credit_balance(timeout=30) == 1
    assert times[1] - times[0] == pytest.approx(7)


async def test_outer_deadline_wins_and_cancels(autojump_clock: trio.testing.MockClock) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await trio.sleep(3600)
        raise AssertionError("unreachable")

    async with mock_client(handler) as kie:
        with trio.move_on_after(2) as scope:
            await kie.credit_balance(timeout=20)
    assert scope.cancelled_caught


async def test_retry_not_started_past_an_outer_deadline(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        return answer(500, msg="boom")

    start = trio.current_time()
    async with mock_client(handler, backoff=BACKOFF) as kie:
        with trio.fail_after(2.5), pytest.raises(KieServerError):
            await kie.credit_balance(timeout=60)
    assert trio.current_time() - start == pytest.approx(1.0)  # 0, 1; 3 would pass 2.5
