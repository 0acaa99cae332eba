"""The tenant node under trio's MockClock: a rejected token or a subtree that gives up parks the
tenant, which is checked again on a backoff, never restarted in a loop, and resumes."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import trio

from trt_actors.nodes.tenant_node import TenantNode, TokenWatch
from trt_actors.observability.events import EventBus, EventKind, current_bus
from trt_actors.supervisors import Backoff, ChildSpec, Intensity, Supervisor
from trt_actors.telegram.errors import InvalidToken

RECHECK = Backoff(initial=30.0, maximum=120.0, factor=2.0, jitter=0.0)


class Telegram:
    """A Bot API whose token can be revoked; it records when each call came."""

    def __init__(self) -> None:
        self.revoked = False
        self.not_found: set[str] = set()  # methods answered 404 (InvalidToken too)
        self.calls: list[tuple[str, float]] = []

    async def call(
        self, method: str, params: Mapping[str, Any], *, read_timeout: float | None = None
    ) -> Any:
        self.calls.append((method, trio.current_time()))
        await trio.sleep(0.01)
        if self.revoked:
            raise InvalidToken("Unauthorized")
        if method in self.not_found:
            raise InvalidToken("Not Found")
        return {"username": "bot"} if method == "getMe" else []

    async def close(self) -> None:
        return None

    def times(self, method: str) -> list[float]:
        return [round(at) for name, at in self.calls if name == method]


def poller(api: TokenWatch) -> ChildSpec:
    """Stands for the intake: one getUpdates a second, giving up on nothing."""

    async def run(*, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started("intake")
        while True:
            with contextlib.suppress(InvalidToken):  # the real intake logs it and backs off
                await api.call("getUpdates", {})
            await trio.sleep(1.0)

    return ChildSpec("intake", run)


async def test_a_rejected_token_parks_the_tenant_and_a_check_brings_it_back(
    autojump_clock: trio.testing.MockClock,
) -> None:
    telegram = Telegram()
    watch = TokenWatch(telegram)
    builds: list[float] = []

    def subtree() -> Supervisor:
        builds.append(trio.current_time())
        return Supervisor("tenant:acme", [poller(watch)])

    bus = EventBus()
    current_bus.set(bus)
    node = TenantNode("acme", watch, subtree, recheck=RECHECK)
    async with trio.open_nursery() as nursery:
        await nursery.start(node.run)
        assert node.health.state == "serving" and node.child("intake") is not None
        await trio.sleep(10)
        telegram.revoked = True  # from t=10
        await trio.sleep(1.5)
        assert node.health.state == "parked"
        assert node.health.reason == "token_rejected: Telegram answered 401 to getUpdates"
        assert node.child("intake") is None  # the subtree is stopped, not restarting

        await trio.sleep(220)  # checks 30, 60, 120 s apart: one getMe each, nothing restarted
        assert telegram.times("getMe") == [10, 40, 100, 220]  # the confirmation, then checks
        assert builds == [0.0]
        assert node.health.state == "parked" and node.health.parked_times == 1
        assert node.health.next_check_in == 120.0

        telegram.revoked = False  # a new token: the next check (at 340) resumes the tenant
        await trio.sleep(120)
        assert telegram.times("getMe") == [10, 40, 100, 220, 340]
        assert node.health.state == "serving" and len(builds) == 2
        assert node.child("intake") is not None
        node.request_stop()
    kinds = [event.kind for event in bus.recent() if event.child == "tenant:acme"]
    assert kinds.count(EventKind.PARKED) == 4 and kinds[-1] is EventKind.STARTED


async def test_a_subtree_that_gives_up_is_parked_not_failed_upward(
    autojump_clock: trio.testing.MockClock,
) -> None:
    watch = TokenWatch(Telegram())
    crashes: list[float] = []

    async def crashing(*, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        task_status.started()
        await trio.sleep(1.0)
        crashes.append(trio.current_time())
        raise RuntimeError("broken")

    def subtree() -> Supervisor:
        return Supervisor(
            "tenant:acme", [ChildSpec("worker", crashing)], intensity=Intensity(3, 60.0)
        )

    node = TenantNode("acme", watch, subtree, recheck=RECHECK)
    async with trio.open_nursery() as nursery:
        await nursery.start(node.run)
        await trio.sleep(10)
        assert node.health.state == "parked" and node.health.reason.startswith("gave_up:")
        assert len(crashes) == 4  # three restarts allowed, the fourth crash gives up
        await trio.sleep(19)  # parked (since t=4) until the check at t=34: no crash meanwhile
        assert crashes == [1.0, 2.0, 3.0, 4.0]
        await trio.sleep(10)  # then the subtree runs again (and here crashes again)
        assert crashes[4] == 35.0
        node.request_stop()
    assert node.health.state == "stopped"


async def test_a_404_on_one_method_does_not_park_a_bot_whose_token_works(
    autojump_clock: trio.testing.MockClock,
) -> None:
    telegram = Telegram()
    watch = TokenWatch(telegram)
    node = TenantNode("acme", watch, lambda: Supervisor("tenant:acme", [poller(watch)]))
    async with trio.open_nursery() as nursery:
        await nursery.start(node.run)
        telegram.not_found.add("getUpdates")
        await trio.sleep(5)
        assert node.health.state == "serving" and node.child("intake") is not None
        assert len(telegram.times("getMe")) == 5  # each 404 checked, each time the token works
        telegram.not_found.clear()
        telegram.revoked = True
        await trio.sleep(2)
        assert node.health.state == "parked"
        node.request_stop()
