"""The broadcaster: sends admins' broadcasts to every reachable user. Leader only.

A broadcast is created by the admin panel with its recipients snapshotted as pending
deliveries (`storage.Broadcasts`). While this process leads `broadcaster:<tenant>`, the actor
takes running broadcasts one at a time, sends to pending recipients in user-id order through
the outbound actor at bulk priority — so user replies keep priority and Telegram's global,
per-chat and bulk limits hold — and records each outcome right after its send: `sent`,
`skipped` (the user blocked the bot: 403, which also marks the user) or `failed`. After a
crash or a SIGKILL it continues with what is still pending; a message whose send was not yet
recorded may go out twice, at most `SENDERS` of them. The admin who started it sees a
progress message edited in place at a calm pace, and its final figures. Cancelling (from
the panel) stops it before the next batch.

Each copy is sent with the broadcast's own parameters: a broadcast composed in the panel
carries `parse_mode: HTML` and markup the panel checked before it was created
(`domain.telegram_html`); one without a parse mode goes out as plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import structlog
import trio

from trt_actors.coordination import Coordination, Leader, run_as_leader
from trt_actors.storage import Broadcast, BroadcastState, DeliveryState, Store, Tx
from trt_actors.telegram.errors import BotBlocked, TelegramError

from ._actor import Actor
from .outbound import Outbound, Priority

log = structlog.get_logger(__name__)
T = TypeVar("T")

POLL = 2.0  # how often the leader looks for running broadcasts
BATCH = 100  # recipients read per storage round trip
SENDERS = 8  # sends in flight at once (the outbound actor paces them)
PROGRESS_EVERY = 5.0  # seconds between edits of the progress message
STORE_DEADLINE = 10.0
SEND_DEADLINE = 120.0  # a bulk send may wait long behind user replies


class BroadcasterActor(Actor[str]):
    """Runs the tenant's broadcasts while this process leads. Send it "wake" to look now."""

    def __init__(
        self,
        tenant: str,
        store: Store,
        outbound: Outbound,
        coordination: Coordination,
        *,
        poll: float = POLL,
    ) -> None:
        self.tenant = tenant
        self.store = store
        self.outbound = outbound
        self.coordination = coordination
        self.poll = poll
        self._wake = trio.Event()

    async def on_start(self) -> None:
        self.tasks.start_soon(self._campaign)

    async def handle(self, message: str) -> None:
        if message == "wake":
            self._wake.set()

    async def _campaign(self) -> None:
        await run_as_leader(self.coordination, f"broadcaster:{self.tenant}", self._lead)

    async def _lead(self, leader: Leader) -> None:
        while True:
            running = await self._read(lambda tx: tx.broadcasts.running())
            for broadcast in running:
                await self.run_broadcast(broadcast)
            if not running:
                self._wake = trio.Event()
                with trio.move_on_after(self.poll):
                    await self._wake.wait()

    async def run_broadcast(self, broadcast: Broadcast) -> None:
        """Send `broadcast` to its pending recipients until none are left or it is cancelled."""
        log.info("broadcaster.started", broadcast=broadcast.id, pending=_pending(broadcast))
        progress = await self._progress(broadcast, None)
        shown_at = trio.current_time()
        while True:
            current = await self._read(lambda tx: tx.broadcasts.get(broadcast.id))
            if current.state is not BroadcastState.RUNNING:
                break
            recipients = await self._read(
                lambda tx: tx.broadcasts.pending_recipients(broadcast.id, limit=BATCH)
            )
            if not recipients:
                current = await self._run(
                    lambda tx: tx.broadcasts.set_state(broadcast.id, BroadcastState.DONE)
                )
                break
            await self._send_batch(current, recipients)
            if trio.current_time() - shown_at >= PROGRESS_EVERY:
                current = await self._read(lambda tx: tx.broadcasts.get(broadcast.id))
                progress = await self._progress(current, progress)
                shown_at = trio.current_time()
        final = await self._read(lambda tx: tx.broadcasts.get(broadcast.id))
        await self._progress(final, progress)
        log.info(
            "broadcaster.finished",
            broadcast=broadcast.id,
            state=final.state.value,
            **{state.value: count for state, count in final.counts.items()},
        )

    async def _send_batch(self, broadcast: Broadcast, recipients: list[int]) -> None:
        send, receive = trio.open_memory_channel[int](len(recipients))
        for user_id in recipients:
            send.send_nowait(user_id)
        send.close()

        async def sender() -> None:
            async for user_id in receive:
                outcome, error = await self._deliver(broadcast, user_id)
                await self._record(broadcast.id, user_id, outcome, error)

        async with trio.open_nursery() as nursery:
            for _ in range(SENDERS):
                nursery.start_soon(sender)

    async def _deliver(
        self, broadcast: Broadcast, user_id: int
    ) -> tuple[DeliveryState, str | None]:
        message = broadcast.message
        method = str(message.get("method", "sendMessage"))
        params: dict[str, Any] = {k: v for k, v in message.items() if k != "method"}
        params["chat_id"] = user_id
        try:
            await self.outbound.call(method, params, priority=Priority.BULK, timeout=SEND_DEADLINE)
        except BotBlocked:
            return DeliveryState.SKIPPED, "blocked the bot"
        except TelegramError as exc:
            return DeliveryState.FAILED, f"{type(exc).__name__}: {exc}"[:200]
        return DeliveryState.SENT, None

    async def _record(
        self, broadcast_id: int, user_id: int, outcome: DeliveryState, error: str | None
    ) -> None:
        def record(tx: Tx) -> None:
            tx.broadcasts.record_delivery(broadcast_id, user_id, outcome, error=error)
            if outcome is DeliveryState.SKIPPED:  # with the record: a crash cannot split them
                tx.users.set_blocked_bot(user_id, True)

        await self._run(record)

    async def _progress(self, broadcast: Broadcast, message_id: int | None) -> int | None:
        """Show the broadcast's figures to the admin who started it: a new message the first
        time, an edit of it after. A failure here never stops the broadcast."""
        counts = broadcast.counts
        text = (
            f"📣 #{broadcast.id} {broadcast.state.value}: "
            f"✅ {counts.get(DeliveryState.SENT, 0)} · "
            f"⛔ {counts.get(DeliveryState.SKIPPED, 0)} · "
            f"⚠️ {counts.get(DeliveryState.FAILED, 0)} · "
            f"⏳ {counts.get(DeliveryState.PENDING, 0)}"
        )
        chat = broadcast.created_by
        try:
            if message_id is None:
                sent = await self.outbound.call(
                    "sendMessage", {"chat_id": chat, "text": text}, priority=Priority.NORMAL
                )
                return int(sent["message_id"]) if isinstance(sent, dict) else None
            await self.outbound.call(
                "editMessageText",
                {"chat_id": chat, "message_id": message_id, "text": text},
                priority=Priority.NORMAL,
            )
        except TelegramError as exc:
            log.warning("broadcaster.progress_failed", error_type=type(exc).__name__)
        return message_id

    async def _read(self, fn: Callable[[Tx], T]) -> T:
        with trio.fail_after(STORE_DEADLINE):
            return await self.store.read(self.tenant, fn)

    async def _run(self, fn: Callable[[Tx], T]) -> T:
        with trio.fail_after(STORE_DEADLINE):
            return await self.store.run(self.tenant, fn)


def _pending(broadcast: Broadcast) -> int:
    return broadcast.counts.get(DeliveryState.PENDING, 0)
