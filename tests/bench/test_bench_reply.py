"""The peers of the side-by-side benchmark (bench/) answer /start with our main menu: the
fixture they read is what the domain shows a returning user, so the figures compare one reply."""

from __future__ import annotations

from bench.peer import StartReply
from tests.domain.support import Chat, context


def test_the_peers_send_the_main_menu_a_returning_user_gets() -> None:
    chat = Chat("en", ctx=context()).started()
    chat.send("/start")
    reply = StartReply.load()
    assert chat.screen.method == "sendMessage"
    assert chat.text == reply.text_for("Ann")
    rows = chat.screen.params["reply_markup"]["inline_keyboard"]
    assert [[(b["text"], b["callback_data"]) for b in row] for row in rows] == [
        list(row) for row in reply.rows
    ]
