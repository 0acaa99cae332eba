"""The Bot API client a tenant talks to Telegram with, opened and closed around the work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog

from .bot_api import BotApi
from .http_bot_api import HttpBotApi, environment_proxy

__all__ = ["with_bot_api"]

log = structlog.get_logger(__name__)


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
        from .ptb_bot_api import PtbBotApi  # noqa: PLC0415  (python-telegram-bot: only here)

        api = PtbBotApi(token, base_url)
    try:
        await body(api)
    finally:
        await api.close()
