"""Telegram out of reach is no fault of the update, on trio's MockClock: the session makes
the failed call again, backing off, instead of counting attempts and setting the update aside
(the tenant's update path from tests/actors/test_flow_control.py, on a fake Bot API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import trio
from structlog.testing import capture_logs
from trio.testing import MockClock

from trt_actors.actors.session import TELEGRAM_PATIENCE
from trt_actors.storage import InboxState
from trt_actors.telegram.errors import TransientError

from .test_flow_control import message, tenant

USER = 7002


def down_until(moment: float) -> Any:
    """A script for the fake Bot API: every call fails as a 5xx would until `moment`."""

    def script(method: str, params: Mapping[str, Any]) -> BaseException | None:
        if trio.current_time() < moment:
            return TransientError("502 Bad Gateway")
        return None

    return script


async def test_a_reply_waits_out_a_two_minute_telegram_outage(autojump_clock: MockClock) -> None:
    with capture_logs() as logs:
        async with tenant() as world:
            world.bot.script = down_until(120.0)
            await world.receive(message(1, USER, "/start"))
            with trio.fail_after(TELEGRAM_PATIENCE):
                while not world.bot.sent:
                    await trio.sleep(1)
            await trio.sleep(5)
            entry = await world.store.read("t", lambda tx: tx.inbox.get(1))
    assert [method for _, method, _ in world.bot.sent] == ["sendMessage"]  # once
    assert world.bot.sent[0][0] >= 120.0
    assert entry.state is InboxState.DONE and entry.attempts == 0
    assert world.crashes == []
    events = [log["event"] for log in logs]
    assert "session.telegram_unavailable" in events
    assert "session.update_failed" not in events


async def test_an_outage_past_the_patience_counts_as_a_failed_attempt(
    autojump_clock: MockClock,
) -> None:
    with capture_logs() as logs:
        async with tenant() as world:
            world.bot.script = down_until(10 * TELEGRAM_PATIENCE)
            await world.receive(message(1, USER, "/start"))
            with trio.fail_after(2 * TELEGRAM_PATIENCE):
                while "session.update_failed" not in [log["event"] for log in logs]:
                    await trio.sleep(1)
    assert world.bot.sent == []
