"""Parts of a tenant's subtree that are not actors: its clients and its webhook door."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import structlog
import trio

from trt_actors.kie import KieClient
from trt_actors.outgoing_tls import ClientOnFirstUse
from trt_actors.routes.webhook import WebhookDoors, WebhookIntake
from trt_actors.storage import NotFound, StorageError, Store
from trt_actors.telegram.bot_api import BotApi
from trt_actors.tenants.config import TenantConfig

__all__ = ["TenantClients", "TenantConfig", "blocked_marker", "open_webhook_door"]

log = structlog.get_logger(__name__)

MARK_BLOCKED_DEADLINE = 5.0


async def open_webhook_door(
    doors: WebhookDoors,
    intake: WebhookIntake,
    *,
    task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED,
) -> None:
    """The tenant's webhook intake: open (ready) while this child runs, closed after."""
    doors.intakes[intake.tenant] = intake
    intake.ready = True
    try:
        task_status.started(intake)
        await trio.sleep_forever()
    finally:
        intake.ready = False
        if doors.intakes.get(intake.tenant) is intake:
            del doors.intakes[intake.tenant]


def blocked_marker(tenant: str, store: Store) -> Callable[[int | str], Awaitable[None]]:
    """What the outbound actor calls when Telegram says a user blocked the bot."""

    async def mark(chat: int | str) -> None:
        if not isinstance(chat, int) or chat <= 0:
            return
        try:
            with trio.fail_after(MARK_BLOCKED_DEADLINE):
                await store.run(tenant, lambda tx: tx.users.set_blocked_bot(chat, True))
        except NotFound:
            return  # never saw this user: nothing to mark
        except (StorageError, trio.TooSlowError) as exc:
            log.warning("outbound.mark_blocked_failed", user=chat, error_type=type(exc).__name__)

    return mark


@dataclass(frozen=True, slots=True)
class TenantClients:
    """The tenant's outside connections, opened for the subtree's lifetime."""

    api: BotApi
    kie: KieClient | None
    files: ClientOnFirstUse
