"""Inline buttons, answerCallbackQuery, bot commands."""

from __future__ import annotations

import pytest

from trt_actors.emulators.telegram import ControlError, TelegramEmulator

from .conftest import Api

MENU = {
    "inline_keyboard": [
        [{"text": "Image", "callback_data": "model:image"}, {"text": "Site", "url": "https://x.y"}],
        [{"text": "Back", "callback_data": "menu:main"}],
    ]
}


async def test_press_button_by_data_and_by_label(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    menu = await api.ok("sendMessage", chat_id=user.id, text="Choose", reply_markup=MENU)
    first = emu.ctl.press_button(user, menu["message_id"], callback_data="model:image")
    second = emu.ctl.press_button(user, menu["message_id"], label="Back")
    updates = [u for u in await api.ok("getUpdates") if "callback_query" in u]
    queries = [u["callback_query"] for u in updates]
    assert [q["data"] for q in queries] == ["model:image", "menu:main"]
    assert [q["id"] for q in queries] == [first, second]
    assert queries[0]["message"]["message_id"] == menu["message_id"]
    assert queries[0]["chat_instance"]
    for update in updates:
        assert emu.validator.check_object("Update", update) == []
    assert len(emu.ctl.unanswered_callbacks()) == 2
    assert await api.ok("answerCallbackQuery", callback_query_id=first, text="ok") is True
    assert emu.ctl.callback_answer(first) == {"callback_query_id": first, "text": "ok"}
    twice = await api.call("answerCallbackQuery", callback_query_id=first)
    assert twice["description"].startswith("Bad Request: query is too old")
    assert [r.id for r in emu.ctl.unanswered_callbacks()] == [second]
    with pytest.raises(ControlError):
        emu.ctl.press_button(user, menu["message_id"], callback_data="missing")
    with pytest.raises(ControlError):
        emu.ctl.press_button(user, menu["message_id"], label="Site")


async def test_commands_per_scope_and_language(emu: TelegramEmulator, api: Api) -> None:
    commands = [
        {"command": "start", "description": "Start"},
        {"command": "help", "description": "Help"},
    ]
    assert await api.ok("setMyCommands", commands=commands) is True
    ru = [{"command": "start", "description": "Старт"}]
    scope = {"type": "all_private_chats"}
    await api.ok("setMyCommands", commands=ru, scope=scope, language_code="ru")
    assert await api.ok("getMyCommands") == commands
    assert await api.ok("getMyCommands", scope=scope, language_code="ru") == ru
    assert await api.ok("getMyCommands", scope=scope) == []
    bad = await api.call("setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}])
    assert bad["description"] == "Bad Request: BOT_COMMAND_INVALID"
    await api.ok("deleteMyCommands")
    assert await api.ok("getMyCommands") == []
