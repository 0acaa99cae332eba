"""A user who blocks the bot: my_chat_member update, then 403 on sends."""

from __future__ import annotations

from trt_actors.emulators.telegram import TelegramEmulator

from .conftest import Api


async def test_block_and_unblock(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user("Anna")
    emu.ctl.send_text(user, "hi")
    emu.ctl.block_bot(user)
    updates = await api.ok("getUpdates")
    change = updates[-1]["my_chat_member"]
    assert change["old_chat_member"]["status"] == "member"
    assert change["new_chat_member"]["status"] == "kicked"
    assert change["chat"]["id"] == user.id and change["from"]["id"] == user.id
    assert emu.validator.check_object("Update", updates[-1]) == []
    for method, params in [
        ("sendMessage", {"text": "still there?"}),
        ("sendPhoto", {"photo": "https://x.y/a.jpg"}),
        ("sendChatAction", {"action": "typing"}),
    ]:
        response = await api.raw(method, json={"chat_id": user.id, **params})
        assert response.status_code == 403
        assert response.json() == {
            "ok": False,
            "error_code": 403,
            "description": "Forbidden: bot was blocked by the user",
        }
    emu.ctl.unblock_bot(user)
    assert (await api.ok("getUpdates", offset=updates[-1]["update_id"] + 1))[0]["my_chat_member"][
        "new_chat_member"
    ]["status"] == "member"
    assert await api.ok("sendMessage", chat_id=user.id, text="welcome back")
    emu.assert_no_violations()
