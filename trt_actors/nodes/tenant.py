"""Parts of a tenant's subtree that are not actors: its Bot API client and its webhook door."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
import trio

from trt_actors.kie import KieClient
from trt_actors.routes.webhook import WebhookDoors, WebhookIntake
from trt_actors.storage import NotFound, StorageError, Store
from trt_actors.telegram.bot_api import BotApi, PtbBotApi
from trt_actors.telegram.http_bot_api import HttpBotApi, environment_proxy
from trt_actors.tenant_config import TenantConfig

__all__ = ["TenantClients", "TenantConfig", "blocked_marker", "open_webhook_door", "with_bot_api"]

log = structlog.get_logger(__name__)

MARK_BLOCKED_DEADLINE = 5.0


async def with_bot_api(
    token: str,
    base_url: str,
    body: Callable[[BotApi], Awaitable[None]],
) -> None:
    """Run `body` with the tenant's Bot API client; close the client however it ends.

    The client is `HttpBotApi`, the lean sender (docs/telegram-io.md, "The senders"). It
    connects directly, so when the environment sets a proxy for `base_url` the client is
    `PtbBotApi` (python-telegram-bot over httpx), which goes through the proxy."""
    proxy = environment_proxy(base_url)
    api: BotApi
    if proxy is None:
        api = HttpBotApi(token, base_url)
    else:
        log.info("tenant.bot_api_via_proxy", client="PtbBotApi", proxy=proxy)
        api = PtbBotApi(token, base_url)
    try:
        await body(api)
    finally:
        await api.close()


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
    files: httpx.AsyncClient
