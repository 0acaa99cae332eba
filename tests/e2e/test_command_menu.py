"""End to end: the running tree registers the command menu in both languages on the
Telegram emulator, as getMyCommands shows."""

from __future__ import annotations

import trio

from trt_actors.domain.texts import text
from trt_actors.telegram.http_bot_api import HttpBotApi
from trt_actors.testing.kit import BotService


async def test_get_my_commands_lists_the_menu_in_each_language(bot_service: BotService) -> None:
    emulator = bot_service.emulator
    assert emulator.base_url is not None
    api = HttpBotApi(emulator.config.token, emulator.base_url)
    try:
        with trio.fail_after(10):
            while True:
                english = await api.call("getMyCommands", {"language_code": "en"})
                if english:
                    break
                await trio.sleep(0.05)
            russian = await api.call("getMyCommands", {"language_code": "ru"})
            default = await api.call("getMyCommands", {})
    finally:
        await api.close()
    by_name = {c["command"]: c["description"] for c in english}
    assert by_name["help"] == text("en", "cmd_help")
    assert {"start", "generate", "balance", "history", "status", "cancel"} <= set(by_name)
    assert {c["command"]: c["description"] for c in russian}["help"] == text("ru", "cmd_help")
    assert default == russian
