"""The polling intake under trio's MockClock, with a fake Bot API and a fake inbox."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import trio
from trio.testing import MockClock

from trt_actors.actors import ActorRef, Identity, run_actor
from trt_actors.actors.dispatcher import Backlog
from trt_actors.actors.inbox_update import InboxUpdate
from trt_actors.actors.polling_intake import POLL_TIMEOUT, PollingIntakeActor
from trt_actors.mailboxes import Mailbox
from trt_actors.storage import AppendResult, StorageUnavailable


class FakeTelegram:
    """Serves a fixed backlog through getUpdates with Telegram's offset rule; long-polls when
    there is nothing."""

    def __init__(self, backlog: list[int]) -> None:
        self.backlog = backlog
        self.offsets: list[int | None] = []
        self.deleted_webhook: list[dict[str, Any]] = []

    async def call(
        self, method: str, params: Mapping[str, Any], *, read_timeout: float | None = None
    ) -> Any:
        if method == "deleteWebhook":
            self.deleted_webhook.append(dict(params))
            return True
        offset = params.get("offset")
        self.offsets.append(offset)
        if offset is not None:
            self.backlog = [u for u in self.backlog if u >= offset]
        if not self.backlog:
            await trio.sleep(params["timeout"])
            return []
        return [{"update_id": u, "message": {"text": "hi"}} for u in self.backlog]

    async def close(self) -> None:
        return None


class FakeInbox:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.rows: dict[int, Any] = {}

    async def append(
        self, tenant: str, update_id: int, payload: Any, *, partition: int = -1
    ) -> AppendResult:
        await trio.sleep(0.01)
        if self.failures:
            self.failures -= 1
            raise StorageUnavailable("database is locked")
        if update_id in self.rows:
            return AppendResult.DUPLICATE
        self.rows[update_id] = payload
        return AppendResult.NEW


class FakeStore:
    def __init__(self, failures: int = 0) -> None:
        self.inbox = FakeInbox(failures)


def dispatcher() -> ActorRef[InboxUpdate]:
    return ActorRef(Identity("dispatcher"), Mailbox("dispatcher", 100))


async def test_the_offset_moves_only_after_the_batch_is_committed(
    autojump_clock: MockClock,
) -> None:
    api, store, target = FakeTelegram([10, 11, 12]), FakeStore(failures=1), dispatcher()
    ref: ActorRef[None] = ActorRef(Identity("intake"), Mailbox("intake", 1))
    actor = PollingIntakeActor("t", api, store, target)  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        await nursery.start(run_actor, lambda: actor, ref)
        await trio.sleep(5)
        await ref.stop()
    assert api.deleted_webhook == [{"drop_pending_updates": False}]
    # the first commit failed: the same batch was asked for again with the same (no) offset
    assert api.offsets[:2] == [None, None]
    assert api.offsets[2] == 13 and sorted(store.inbox.rows) == [10, 11, 12]
    handed = [target.mailbox.receive_nowait().update_id for _ in range(3)]
    assert handed == [10, 11, 12]


async def test_a_stop_during_a_long_poll_ends_it_at_once(autojump_clock: MockClock) -> None:
    api, store = FakeTelegram([]), FakeStore()
    ref: ActorRef[None] = ActorRef(Identity("intake"), Mailbox("intake", 1))
    actor = PollingIntakeActor("t", api, store, dispatcher())  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        await nursery.start(run_actor, lambda: actor, ref)
        await trio.sleep(3)
        began = trio.current_time()
        await ref.stop(grace=POLL_TIMEOUT)
        assert trio.current_time() == pytest.approx(began)
    assert api.offsets == [None]


async def test_it_does_not_poll_while_the_backlog_has_no_room_for_a_batch(
    autojump_clock: MockClock,
) -> None:
    """Past the backlog's bound the updates wait at Telegram: no getUpdates until a whole
    batch fits again, then polling goes on from the same offset."""
    api, store = FakeTelegram([10, 11, 12]), FakeStore()
    backlog = Backlog("t", limit=150)
    backlog.counted(waiting=60, in_flight=0)  # 90 free: less than a batch of 100
    ref: ActorRef[None] = ActorRef(Identity("intake"), Mailbox("intake", 1))
    actor = PollingIntakeActor("t", api, store, dispatcher(), backlog=backlog)  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        await nursery.start(run_actor, lambda: actor, ref)
        await trio.sleep(30)
        assert api.offsets == [] and backlog.shedding
        backlog.counted(waiting=50, in_flight=0)  # the dispatcher handed out ten
        await trio.sleep(1)
        assert api.offsets[:1] == [None] and not backlog.shedding
        await ref.stop()
    assert sorted(store.inbox.rows) == [10, 11, 12]
