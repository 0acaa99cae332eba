"""The webhook setter under trio's MockClock: deadlines, backoff, idempotence, leadership."""

from __future__ import annotations

import itertools
import random
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
from trio.testing import MockClock

from trt_actors.actors import actor_child
from trt_actors.actors.webhook_setter import (
    CYCLE_DEADLINE,
    RETRY_INITIAL,
    RETRY_MAX,
    WebhookSetterActor,
    WebhookTarget,
    matches,
)
from trt_actors.coordination import Coordination, open_coordination
from trt_actors.supervisors import Supervisor
from trt_actors.telegram.errors import TransientError

TARGET = WebhookTarget("https://bot.example.com/webhook/default", "s3cret-token")


class FakeTelegram:
    """Keeps one webhook; records every call with its time."""

    def __init__(self, *, hang: bool = False, fail: bool = False) -> None:
        self.hang = hang
        self.fail = fail
        self.info: dict[str, Any] = {"url": "", "pending_update_count": 3}
        self.calls: list[tuple[float, str, dict[str, Any]]] = []

    async def call(
        self, method: str, params: Mapping[str, Any], *, read_timeout: float | None = None
    ) -> Any:
        self.calls.append((trio.current_time(), method, dict(params)))
        if self.hang:
            await trio.sleep_forever()
        if self.fail:
            raise TransientError("Bad Gateway")
        if method == "setWebhook":
            self.info = {"url": params["url"], "allowed_updates": params["allowed_updates"]}
            return True
        return self.info

    async def close(self) -> None:
        return None

    def methods(self) -> list[str]:
        return [method for _, method, _ in self.calls]


@asynccontextmanager
async def setter(api: FakeTelegram, coord: Coordination) -> AsyncIterator[Any]:
    spec, ref = actor_child(
        "webhook_setter",
        lambda: WebhookSetterActor(api, coord, TARGET, tenant="default", rng=random.Random(7)),
    )
    sup = Supervisor("tenant", [spec])
    async with trio.open_nursery() as nursery:
        await nursery.start(sup.run)
        yield ref
        sup.request_stop()


async def test_sets_the_webhook_with_secret_and_never_drops_pending_updates(
    autojump_clock: MockClock,
) -> None:
    api = FakeTelegram()
    async with open_coordination(None) as coord, setter(api, coord):
        await trio.sleep(1)
    assert api.methods() == ["getWebhookInfo", "setWebhook"]
    params = api.calls[1][2]
    assert params["url"] == TARGET.url and params["secret_token"] == TARGET.secret
    assert "drop_pending_updates" not in params


async def test_already_set_means_no_set_call(autojump_clock: MockClock) -> None:
    api = FakeTelegram()
    async with open_coordination(None) as coord, setter(api, coord) as ref:
        await trio.sleep(1)
        await ref.send("check")
        await trio.sleep(1)
    assert api.methods() == ["getWebhookInfo", "setWebhook", "getWebhookInfo"]


async def test_a_hanging_probe_ends_the_cycle_at_its_deadline(autojump_clock: MockClock) -> None:
    api = FakeTelegram(hang=True)
    async with open_coordination(None) as coord, setter(api, coord):
        await trio.sleep(CYCLE_DEADLINE + RETRY_INITIAL * 0.75 + 1)
        first, second = api.calls[0][0], api.calls[1][0]
    assert api.methods()[:2] == ["getWebhookInfo", "getWebhookInfo"]
    gap = second - first
    assert CYCLE_DEADLINE + RETRY_INITIAL * 0.75 <= gap <= CYCLE_DEADLINE + RETRY_INITIAL * 1.25


async def test_failures_back_off_with_jitter_within_the_cap(autojump_clock: MockClock) -> None:
    api = FakeTelegram(fail=True)
    async with open_coordination(None) as coord, setter(api, coord):
        await trio.sleep(3600)
    times = [t for t, method, _ in api.calls]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    for n, gap in enumerate(gaps, start=1):
        base = min(RETRY_MAX, RETRY_INITIAL * 2 ** (n - 1))
        assert base * 0.75 <= gap <= min(RETRY_MAX, base * 1.25) + 1e-9
    assert max(gaps) <= RETRY_MAX
    assert len({round(g / min(RETRY_MAX, RETRY_INITIAL * 2**n), 3) for n, g in enumerate(gaps)}) > 1


async def test_not_the_leader_means_no_call(autojump_clock: MockClock) -> None:
    api = FakeTelegram()
    async with open_coordination(None) as coord:
        held = await coord.acquire_lease("webhook_setter:default", "other-instance", 3600)
        assert held is not None
        async with setter(api, coord):
            await trio.sleep(600)
        assert api.calls == []


@pytest.mark.parametrize("url", ["https://other.example.com/webhook/default", ""])
def test_matches_needs_the_same_url_and_updates(url: str) -> None:
    info = {"url": url, "allowed_updates": list(TARGET.allowed_updates)}
    assert not matches(info, TARGET)
    assert matches({**info, "url": TARGET.url}, TARGET)
    assert not matches({"url": TARGET.url, "allowed_updates": ["message"]}, TARGET)
