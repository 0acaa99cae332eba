"""Fixtures for the `BotApi` contract: each implementation against the real emulator.

`sender` is parametrized over every `BotApi` implementation, so one test body checks that
they all answer alike. The emulator is the project's plugin fixture `telegram_emulator`
(Telegram's flood limits on; the test fails at the end if any request broke the spec).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import telegram

from trt_actors.emulators.telegram import TelegramEmulator, User
from trt_actors.telegram.bot_api import BotApi
from trt_actors.telegram.http_bot_api import HttpBotApi, telegram_file
from trt_actors.telegram.ptb_bot_api import PtbBotApi

#: How each implementation takes a file to upload: (file name, bytes, MIME type) -> parameter.
Upload = Callable[[str, bytes, str], Any]


def _ptb_upload(name: str, data: bytes, mime: str) -> Any:
    return telegram.InputFile(data, filename=name)


IMPLEMENTATIONS: dict[str, tuple[Callable[[str, str], BotApi], Upload]] = {
    "ptb": (PtbBotApi, _ptb_upload),
    "http": (HttpBotApi, telegram_file),
}


@dataclass
class Sender:
    """One `BotApi` under test, with the emulator it talks to."""

    name: str
    api: BotApi
    upload: Upload
    emu: TelegramEmulator

    def user(self, first_name: str = "Ann") -> User:
        """A user who has written to the bot, so the bot may write back."""
        user = self.emu.ctl.user(first_name)
        self.emu.ctl.send_text(user, "hi")
        return user


@pytest.fixture(params=sorted(IMPLEMENTATIONS))
async def sender(
    request: pytest.FixtureRequest, telegram_emulator: TelegramEmulator
) -> AsyncIterator[Sender]:
    assert telegram_emulator.base_url is not None
    build, upload = IMPLEMENTATIONS[request.param]
    api = build(telegram_emulator.config.token, telegram_emulator.base_url)
    try:
        yield Sender(request.param, api, upload, telegram_emulator)
    finally:
        await api.close()
