"""The peers of the side-by-side benchmark (bench/) answer /start with what we send a new
user: every benchmark user is new, and the fixture the peers read is what the domain shows
a new user's /start, so the figures compare one reply."""

from __future__ import annotations

from bench.peer import StartReply
from tests.domain.support import Chat, context


def test_the_peers_send_what_a_new_user_gets() -> None:
    chat = Chat("en", ctx=context())
    chat.send("/start")
    reply = StartReply.load()
    assert chat.screen.method == "sendMessage"
    assert chat.text == reply.text_for("Ann")
    rows = chat.screen.params["reply_markup"]["inline_keyboard"]
    assert [[(b["text"], b["callback_data"]) for b in row] for row in rows] == [
        list(row) for row in reply.rows
    ]
