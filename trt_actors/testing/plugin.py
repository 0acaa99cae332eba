"""pytest plugin (`-p trt_actors.testing.plugin`, loaded automatically when installed):
fixtures that start the Telegram emulator and the bot.

- `telegram_emulator`: a running emulator with Telegram's flood limits; the test fails at the
  end if any request the bot made broke the Bot API spec.
- `bot_service`: the whole tree in-process against that emulator, on a fresh SQLite file
  (see `trt_actors.testing.kit`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from trt_actors.emulators.telegram import EmulatorConfig, TelegramEmulator, open_telegram_emulator

from .kit import BotService, running_bot


@pytest.fixture
async def telegram_emulator() -> AsyncIterator[TelegramEmulator]:
    async with open_telegram_emulator(EmulatorConfig()) as emulator:
        yield emulator
        emulator.assert_no_violations()


@pytest.fixture
async def bot_service(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> AsyncIterator[BotService]:
    async with running_bot(tmp_path, emulator=telegram_emulator) as service:
        yield service
