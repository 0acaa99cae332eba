"""Mailboxes: every overflow policy, the counters, closing, and ask with a deadline."""

from __future__ import annotations

import pytest
import trio
from trio.testing import MockClock

from trt_actors.mailboxes import (
    ActorFailed,
    ActorStopped,
    AskTimeout,
    Mailbox,
    MailboxClosed,
    MailboxFull,
    Overflow,
    Request,
    ask,
)


async def drain(mailbox: Mailbox[int]) -> list[int]:
    mailbox.close()
    return [message async for message in mailbox]


async def test_wait_blocks_the_sender_until_there_is_room(autojump_clock: MockClock) -> None:
    mailbox: Mailbox[int] = Mailbox("m", 2, Overflow.WAIT)
    await mailbox.send(1)
    await mailbox.send(2)
    with trio.move_on_after(5) as scope:  # the caller's deadline bounds the wait
        await mailbox.send(3)
    assert scope.cancelled_caught
    async with trio.open_nursery() as nursery:
        nursery.start_soon(mailbox.send, 3)
        await trio.sleep(1)
        assert mailbox.depth == 2  # still waiting for room
        assert await mailbox.receive() == 1
    assert await drain(mailbox) == [2, 3]


async def test_reject_tells_the_sender_at_once() -> None:
    mailbox: Mailbox[int] = Mailbox("m", 1, Overflow.REJECT)
    assert await mailbox.send(1)
    with pytest.raises(MailboxFull):
        await mailbox.send(2)
    with pytest.raises(MailboxFull):
        mailbox.send_nowait(2)
    assert await drain(mailbox) == [1]
    assert mailbox.stats().dropped == 0


async def test_drop_oldest_keeps_the_newest() -> None:
    mailbox: Mailbox[int] = Mailbox("m", 3, Overflow.DROP_OLDEST)
    for n in range(1, 7):
        assert await mailbox.send(n)
    assert await drain(mailbox) == [4, 5, 6]
    stats = mailbox.stats()
    assert (stats.sent, stats.received, stats.dropped, stats.high_water) == (6, 3, 3, 3)


async def test_drop_newest_keeps_the_oldest() -> None:
    mailbox: Mailbox[int] = Mailbox("m", 3, Overflow.DROP_NEWEST)
    accepted = [await mailbox.send(n) for n in range(1, 7)]
    assert accepted == [True, True, True, False, False, False]
    assert await drain(mailbox) == [1, 2, 3]
    assert mailbox.stats().dropped == 3


async def test_a_dropped_request_fails_its_asker_at_once(autojump_clock: MockClock) -> None:
    mailbox: Mailbox[object] = Mailbox("m", 1, Overflow.DROP_OLDEST)
    request: Request[int] = Request("question")
    await mailbox.send(request)
    await mailbox.send("newer")  # evicts the request
    with pytest.raises(MailboxFull):
        await request.reply.wait("m", 60)
    assert trio.current_time() == 0  # it did not wait for the deadline


async def test_high_water_mark_records_the_deepest_queue() -> None:
    mailbox: Mailbox[int] = Mailbox("m", 10)
    for n in range(7):
        await mailbox.send(n)
    for _ in range(5):
        await mailbox.receive()
    await mailbox.send(99)
    stats = mailbox.stats()
    assert (stats.depth, stats.high_water, stats.sent, stats.received) == (3, 7, 8, 5)


async def test_closing_ends_the_reader_cleanly_after_what_was_queued() -> None:
    mailbox: Mailbox[int] = Mailbox("m", 5)
    got: list[int] = []

    async def reader() -> None:
        async for message in mailbox:
            got.append(message)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(reader)
        for n in range(3):
            await mailbox.send(n)
        mailbox.close()
    assert got == [0, 1, 2]
    with pytest.raises(MailboxClosed):
        await mailbox.send(4)
    with pytest.raises(MailboxClosed):
        await mailbox.receive()


async def test_closing_releases_a_blocked_sender() -> None:
    mailbox: Mailbox[int] = Mailbox("m", 1)
    await mailbox.send(1)
    async with trio.open_nursery() as nursery:

        async def blocked() -> None:
            with pytest.raises(MailboxClosed):
                await mailbox.send(2)

        nursery.start_soon(blocked)
        await trio.testing.wait_all_tasks_blocked()
        mailbox.close()


async def test_close_with_discard_fails_queued_requests() -> None:
    mailbox: Mailbox[object] = Mailbox("m", 5)
    request: Request[int] = Request("q")
    await mailbox.send("tell")
    await mailbox.send(request)
    assert mailbox.close(discard=True) == 2
    with pytest.raises(ActorStopped):
        await request.reply.wait("m", 1)


async def _answer(mailbox: Mailbox[object], how: str) -> None:
    request = await mailbox.receive()
    assert isinstance(request, Request)
    if how == "reply":
        request.reply.set(request.payload * 2)
    elif how == "crash":
        request.failed("m", RuntimeError("boom"))
    elif how == "stop":
        request.stopped("m")


async def test_ask_gets_the_reply(autojump_clock: MockClock) -> None:
    mailbox: Mailbox[object] = Mailbox("m", 5)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_answer, mailbox, "reply")
        assert await ask(mailbox, 21, timeout=1) == 42


async def test_ask_times_out_with_a_typed_error(autojump_clock: MockClock) -> None:
    mailbox: Mailbox[object] = Mailbox("m", 5)
    with pytest.raises(AskTimeout) as info:
        await ask(mailbox, 21, timeout=2.5)
    assert isinstance(info.value, TimeoutError)
    assert trio.current_time() == pytest.approx(2.5)


async def test_ask_deadline_covers_waiting_for_room(autojump_clock: MockClock) -> None:
    mailbox: Mailbox[object] = Mailbox("m", 1)
    await mailbox.send("filler")
    with pytest.raises(AskTimeout):
        await ask(mailbox, 1, timeout=3)
    assert trio.current_time() == pytest.approx(3)


@pytest.mark.parametrize(("how", "error"), [("crash", ActorFailed), ("stop", ActorStopped)])
async def test_ask_reports_the_actor_failure(
    how: str, error: type[Exception], autojump_clock: MockClock
) -> None:
    mailbox: Mailbox[object] = Mailbox("m", 5)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_answer, mailbox, how)
        with pytest.raises(error):
            await ask(mailbox, 1, timeout=10)
    assert trio.current_time() == 0


async def test_ask_needs_a_finite_timeout() -> None:
    with pytest.raises(ValueError, match="timeout"):
        await ask(Mailbox("m", 1), 1, timeout=float("inf"))
