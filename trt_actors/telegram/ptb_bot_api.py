"""The Bot API sender over python-telegram-bot 22 (`telegram.Bot` and its httpx request
path): used only behind an HTTP proxy, which the leaner sender (`http_bot_api`) does not
support. Imported only then (`telegram.client`), so a deployment without a proxy never loads
python-telegram-bot (about 50 ms and several MB at start)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import telegram
import telegram.error as ptb
import trio
from telegram import InputFile as ptb_input_file
from telegram.request import HTTPXRequest

from trt_actors.model import TelegramFile

from .errors import BadRequest, BotBlocked, Conflict, InvalidToken, RetryAfter, TransientError

# Per-phase HTTP timeouts (seconds); each call is also under its caller's trio deadline.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
WRITE_TIMEOUT = 10.0
MEDIA_WRITE_TIMEOUT = 30.0
POOL_TIMEOUT = 2.0
CONNECTIONS = 64
# getUpdates holds the connection open for its long-poll timeout; the read allows that plus this.
LONG_POLL_MARGIN = 10.0


class PtbBotApi:
    """`BotApi` over python-telegram-bot 22's `telegram.Bot` (its httpx request path).

    Only plain calls are used: PTB's `initialize()`/`shutdown()` need asyncio and are never
    called; the HTTP client is closed by `close()`.
    """

    def __init__(self, token: str, base_url: str) -> None:
        self._request = HTTPXRequest(
            connection_pool_size=CONNECTIONS,
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
            write_timeout=WRITE_TIMEOUT,
            media_write_timeout=MEDIA_WRITE_TIMEOUT,
            pool_timeout=POOL_TIMEOUT,
        )
        base = base_url.rstrip("/")
        self.bot = telegram.Bot(
            token,
            base_url=f"{base}/bot",
            base_file_url=f"{base}/file/bot",
            request=self._request,
            get_updates_request=HTTPXRequest(
                connection_pool_size=1, connect_timeout=CONNECT_TIMEOUT, pool_timeout=POOL_TIMEOUT
            ),
        )

    async def call(
        self, method: str, params: Mapping[str, Any], *, read_timeout: float | None = None
    ) -> Any:
        try:
            with warnings.catch_warnings():
                # PTB suggests its typed method for known endpoints; the raw form is deliberate.
                warnings.filterwarnings("ignore", message=".*do_api_request.*")
                return await self.bot.do_api_request(
                    method, api_kwargs=_ptb_params(params), read_timeout=read_timeout
                )
        except ptb.RetryAfter as exc:
            raise RetryAfter(_seconds(exc.retry_after)) from None
        except ptb.Forbidden as exc:
            raise BotBlocked(exc.message) from None
        except ptb.BadRequest as exc:
            raise BadRequest(exc.message) from None
        except ptb.InvalidToken as exc:
            raise InvalidToken(exc.message) from None
        except ptb.Conflict as exc:
            raise Conflict(exc.message) from None
        except ptb.NetworkError as exc:  # 5xx, connection errors and PTB's TimedOut
            raise TransientError(exc.message) from None
        except ptb.ChatMigrated as exc:
            raise BadRequest(f"chat migrated to {exc.new_chat_id}") from None

    async def close(self) -> None:
        with trio.move_on_after(POOL_TIMEOUT) as scope:
            scope.shield = True
            await self._request.shutdown()


def _seconds(value: object) -> float:
    if hasattr(value, "total_seconds"):
        return float(value.total_seconds())
    return float(value)  # type: ignore[arg-type]


def _ptb_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters with files as PTB's `InputFile` (PTB then sends multipart)."""
    return {
        key: ptb_input_file(value.data, filename=value.name)
        if isinstance(value, TelegramFile)
        else value
        for key, value in params.items()
    }
