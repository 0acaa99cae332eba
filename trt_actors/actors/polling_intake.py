"""The polling intake: long-polls getUpdates and makes every update durable before moving on.

Before its first poll it removes a webhook if one is set, without dropping pending updates.
Telegram being unreachable is never fatal: each failure backs off with jitter, then retries.
Each batch is appended to the durable inbox (group commit), and only then is the offset
advanced: an update is never confirmed to Telegram before it is stored, and a failed commit
means the same batch is asked for again. New updates go to the dispatcher as soon as they are
committed. The long poll runs inside the actor's task nursery, so a stop interrupts it at once.

It polls only while the tenant's backlog has room for a whole batch (`Backlog.wait_for_room`):
past its bound the updates wait at Telegram, which keeps them, instead of in memory here.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import orjson
import structlog
import trio

from trt_actors.observability.correlation import correlations, update_correlation
from trt_actors.observability.metrics import metrics
from trt_actors.storage import AppendResult, StorageError, Store
from trt_actors.supervisors import Backoff
from trt_actors.telegram.bot_api import BotApi
from trt_actors.telegram.errors import Conflict, TelegramError

from ._actor import Actor, ActorRef
from .dispatcher import Backlog, DispatcherMessage
from .inbox_update import InboxUpdate
from .webhook_setter import ALLOWED_UPDATES

log = structlog.get_logger(__name__)

POLL_TIMEOUT = 25  # seconds Telegram holds a getUpdates open
POLL_DEADLINE_MARGIN = 10.0
SETUP_DEADLINE = 15.0
BATCH_LIMIT = 100
RETRY_INITIAL = 0.5
RETRY_MAX = 30.0
RETRY_JITTER = 0.25


class PollingIntakeActor(Actor[None]):
    def __init__(
        self,
        tenant: str,
        api: BotApi,
        store: Store,
        dispatcher: ActorRef[DispatcherMessage],
        *,
        backlog: Backlog | None = None,
        poll_timeout: int = POLL_TIMEOUT,
    ) -> None:
        self.tenant = tenant
        self.api = api
        self.store = store
        self.dispatcher = dispatcher
        self.backlog = backlog or Backlog(tenant)
        self.poll_timeout = poll_timeout
        self.offset: int | None = None
        self.received = 0
        self._backoff = Backoff(RETRY_INITIAL, RETRY_MAX, 2.0, RETRY_JITTER, random.Random())

    async def on_start(self) -> None:
        self.tasks.start_soon(self._poll_forever)

    async def handle(self, message: None) -> None:
        return None

    async def _remove_webhook(self) -> None:
        with trio.fail_after(SETUP_DEADLINE):
            await self.api.call("deleteWebhook", {"drop_pending_updates": False})

    async def _poll_forever(self) -> None:
        """Remove any webhook, then poll; Telegram unreachable means retry, never give up."""
        failures = 0
        webhook_removed = False
        while True:
            try:
                if not webhook_removed:
                    await self._remove_webhook()
                    webhook_removed = True
                await self.backlog.wait_for_room(BATCH_LIMIT)
                updates = await self._poll()
                await self._accept(updates)
                failures = 0
            except (TelegramError, StorageError, trio.TooSlowError) as exc:
                failures += 1
                delay = self._backoff.delay(failures)
                log.warning(
                    "intake.poll_failed",
                    error_type=type(exc).__name__,
                    error=str(exc),
                    retry_in=delay,
                )
                if isinstance(exc, Conflict):
                    webhook_removed = False
                await trio.sleep(delay)

    async def _poll(self) -> list[dict[str, Any]]:
        params: dict[str, Any] = {
            "timeout": self.poll_timeout,
            "limit": BATCH_LIMIT,
            "allowed_updates": list(ALLOWED_UPDATES),
        }
        if self.offset is not None:
            params["offset"] = self.offset
        deadline = self.poll_timeout + POLL_DEADLINE_MARGIN
        with trio.fail_after(deadline):
            result = await self.api.call("getUpdates", params, read_timeout=deadline)
        return [update for update in result if isinstance(update, dict)]

    async def _accept(self, updates: list[dict[str, Any]]) -> None:
        """Commit the batch, hand the new ones on, then confirm it by advancing the offset."""
        valid = [u for u in updates if isinstance(u.get("update_id"), int)]
        if len(valid) != len(updates):
            log.error("intake.malformed_updates", count=len(updates) - len(valid))
        results: dict[int, AppendResult] = {}
        raws = {update["update_id"]: orjson.dumps(update) for update in valid}
        messages = {u["update_id"]: InboxUpdate.of(u, raws[u["update_id"]]) for u in valid}

        async def append(update: dict[str, Any]) -> None:
            uid = update["update_id"]
            results[uid] = await self.store.inbox.append(
                self.tenant, uid, raws[uid], partition=messages[uid].partition
            )

        try:
            async with trio.open_nursery() as nursery:
                for update in valid:
                    nursery.start_soon(append, update)
        except* StorageError as group:
            raise group.exceptions[0] from None
        received = metrics.updates_received.labels(self.tenant, "polling")
        for update in sorted(valid, key=lambda u: u["update_id"]):
            received.inc()
            uid = update["update_id"]
            correlations.record(
                self.tenant,
                "intake",
                correlation_id=update_correlation(uid),
                via="polling",
                result=results[uid].value,
            )
            if results[uid] is AppendResult.NEW:
                committed = dataclasses.replace(messages[uid], committed_at=trio.current_time())
                await self.dispatcher.send(committed)
            else:
                metrics.updates_deduplicated.labels(self.tenant).inc()
        self.received += len(valid)
        if updates:
            ids = [u["update_id"] for u in valid] or [self.offset or 0]
            self.offset = max(ids) + 1
