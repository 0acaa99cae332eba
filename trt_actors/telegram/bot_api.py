"""The one small interface every Bot API call goes through (`BotApi`), and the types of
what it answers. Its forms: `http_bot_api.HttpBotApi` (the lean one) and, behind a proxy,
`ptb_bot_api.PtbBotApi` (python-telegram-bot).

`BotApi.call(method, params)` returns the raw `result` JSON or raises a typed error from
`errors`. Keeping the sender this narrow lets a leaner request path replace PTB's where the
benchmarks show it pays, without touching the outbound actor or the tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol

JsonObject = dict[str, Any]
"""A JSON object as Telegram sends it: a Message, a User, a File, the WebhookInfo…"""

BotApiResult = JsonObject | list[Any] | bool | int | str
"""What a Bot API call answers (its `result`): an object, an array (updates, a media group's
messages), True, or for a few methods a number (getChatMemberCount) or a text
(exportChatInviteLink)."""

ObjectMethod = Literal[
    "getMe",
    "getFile",
    "getWebhookInfo",
    "getChat",
    "getChatMember",
    "getStarTransactions",
    "sendMessage",
    "sendPhoto",
    "sendVideo",
    "sendAudio",
    "sendDocument",
    "sendAnimation",
    "sendVoice",
    "sendVideoNote",
    "sendSticker",
    "sendLocation",
    "sendContact",
    "sendPoll",
    "sendDice",
    "sendInvoice",
    "forwardMessage",
    "copyMessage",
]
"""Methods whose result is always an object: the message sent, the bot, the file, the webhook's
state. (An edit answers the message or True, so the edits are not among them.)"""


class BotApi(Protocol):
    """Sends one Bot API request. Never retries: pacing and retries are the caller's job."""

    async def call(
        self, method: str, params: Mapping[str, Any], *, read_timeout: float | None = None
    ) -> Any: ...

    async def close(self) -> None: ...
