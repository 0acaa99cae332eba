"""Which failures of a call mean its chat cannot be reached at all."""

from __future__ import annotations

from trt_actors.telegram.errors import BadRequest, BotBlocked, TransientError, chat_unreachable


def test_blocked_never_written_or_gone_is_unreachable_and_nothing_else() -> None:
    assert chat_unreachable(BotBlocked("Forbidden: bot was blocked by the user"))
    assert chat_unreachable(BadRequest("Bad Request: chat not found"))
    assert chat_unreachable(BadRequest("Forbidden: user is deactivated"))
    assert not chat_unreachable(BadRequest("Bad Request: wrong file identifier"))
    assert not chat_unreachable(TransientError("Bad Gateway"))
