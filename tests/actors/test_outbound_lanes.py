"""The outbound queue's lane scheduling: best ready call first, lanes that must wait come
back when due, expired calls fail in time, and taking a call does not look at every lane."""

from __future__ import annotations

from collections.abc import Hashable

from trt_actors.actors._outbound_lanes import Lanes
from trt_actors.actors.outbound import Call, Priority

DEADLINE = 100.0


class Limits:
    """Lane-local waits set by the test; counts how often a lane is judged."""

    def __init__(self) -> None:
        self.until: dict[Hashable, float] = {}
        self.judged = 0
        self.expired: list[Call] = []

    def wait(self, lane: Hashable, call: Call, now: float) -> float:
        self.judged += 1
        return max(0.0, self.until.get(lane, 0.0) - now, call.not_before - now)

    def lanes(self) -> Lanes:
        return Lanes(self.wait, self.expired.append, int(Priority.BULK))


_seq = iter(range(1, 10**9))


def call(chat: int | None, priority: Priority = Priority.REPLY, deadline: float = DEADLINE) -> Call:
    params = {"chat_id": chat, "text": "x"} if chat is not None else {}
    return Call("sendMessage", params, priority, deadline, seq=next(_seq))


def test_replies_before_bulk_and_arrival_order_within_a_priority() -> None:
    limits = Limits()
    lanes = limits.lanes()
    bulk, first, second = call(1, Priority.BULK), call(2), call(3)
    for c in (bulk, first, second):
        lanes.add(c, 0.0)
    assert [lanes.take(0.0, 0.0)[0] for _ in range(3)] == [first, second, bulk]
    assert lanes.queued == 0 and lanes.take(0.0, 0.0)[0] is None


def test_one_call_per_lane_at_a_time_in_order() -> None:
    lanes = Limits().lanes()
    a1, a2 = call(1), call(1)
    lanes.add(a1, 0.0)
    lanes.add(a2, 0.0)
    assert lanes.take(0.0, 0.0)[0] is a1
    assert lanes.take(0.0, 0.0)[0] is None  # a2 waits for a1 to finish
    lanes.done(a1, 0.1, again=False)
    assert lanes.take(0.1, 0.0)[0] is a2


def test_a_retried_call_goes_back_to_the_head_of_its_lane() -> None:
    lanes = Limits().lanes()
    a1, a2 = call(1), call(1)
    lanes.add(a1, 0.0)
    lanes.add(a2, 0.0)
    taken = lanes.take(0.0, 0.0)[0]
    assert taken is a1
    a1.not_before = 2.0
    lanes.done(a1, 0.0, again=True)
    assert lanes.take(1.0, 0.0) == (None, 1.0)
    assert lanes.take(2.0, 0.0)[0] is a1


def test_a_waiting_lane_comes_back_when_due_and_the_earliest_wait_is_told() -> None:
    limits = Limits()
    lanes = limits.lanes()
    limits.until = {("chat", 1): 5.0, ("chat", 2): 3.0}
    slow, soon = call(1), call(2)
    lanes.add(slow, 0.0)
    lanes.add(soon, 0.0)
    assert lanes.take(0.0, 0.0) == (None, 3.0)
    assert lanes.take(3.0, 0.0)[0] is soon
    assert lanes.take(3.0, 0.0) == (None, 2.0)
    assert lanes.take(5.0, 0.0)[0] is slow


def test_bulk_waits_for_its_bucket_but_replies_do_not() -> None:
    lanes = Limits().lanes()
    bulk = call(1, Priority.BULK)
    lanes.add(bulk, 0.0)
    assert lanes.take(0.0, 0.5) == (None, 0.5)
    reply = call(2)
    lanes.add(reply, 0.0)
    assert lanes.take(0.0, 0.5)[0] is reply
    assert lanes.take(0.5, 0.0)[0] is bulk


def test_a_call_whose_deadline_passes_while_it_waits_is_failed_then() -> None:
    limits = Limits()
    lanes = limits.lanes()
    limits.until = {("chat", 1): 50.0}
    doomed = call(1, deadline=10.0)
    lanes.add(doomed, 0.0)
    assert lanes.take(0.0, 0.0) == (None, 10.0)  # looked at again at its deadline
    assert lanes.take(10.0, 0.0)[0] is None
    assert limits.expired == [doomed]
    assert lanes.queued == 0


def test_taking_a_call_does_not_judge_every_waiting_lane() -> None:
    limits = Limits()
    lanes = limits.lanes()
    for chat in range(10_000):
        limits.until[("chat", chat)] = 60.0
        lanes.add(call(chat), 0.0)
    ready = call(None)  # a call without a chat: ready at once
    lanes.add(ready, 0.0)
    limits.judged = 0
    assert lanes.take(1.0, 0.0)[0] is ready
    assert lanes.take(2.0, 0.0) == (None, 58.0)
    assert limits.judged < 10  # a scan would judge 10,000 lanes per take
    assert lanes.queued == 10_000
