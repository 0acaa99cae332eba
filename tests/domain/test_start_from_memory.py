"""/start is answered from memory: the screens it and the other menu commands lead to show
no money, so the journey tells the session it needs no balance read for them."""

from __future__ import annotations

import pytest

from trt_actors.domain.updates import read

from .support import Chat, callback_update, context, journey, text_update

MEMORY = ["/start", "/start ref_5", "/menu", "/help", "/language", "/cancel", "/reset"]


@pytest.mark.parametrize("command", MEMORY)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_menu_commands_show_the_same_whatever_the_balance(command: str, language: str) -> None:
    screens = []
    for money in ({"balance_kopecks": 0, "free_left_today": 0}, {"balance_kopecks": 987_654}):
        for done in (False, True):
            chat = Chat(language, ctx=context(**money))
            if done:
                chat.started()
            chat.send(command)
            screens.append((done, chat.text, chat.buttons()))
    assert screens[0] == screens[2] and screens[1] == screens[3]
    update = read(text_update(language, command))
    assert not journey().needs_account({}, update)


@pytest.mark.parametrize(
    "update",
    [
        text_update("en", "/balance"),
        text_update("en", "/generate"),
        text_update("en", "a prompt"),
        callback_update("en", "v1|m"),
        callback_update("en", "v1|b"),
    ],
)
def test_everything_else_gets_the_balance(update: dict[str, object]) -> None:
    assert journey().needs_account({}, read(update))
