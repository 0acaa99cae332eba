"""getUpdates: offsets, long polling, limits, allowed_updates, conflicts."""

from __future__ import annotations

import trio

from trt_actors.emulators.telegram import TelegramEmulator

from .conftest import Api


async def _polling(emu: TelegramEmulator) -> None:
    """Wait until a getUpdates call is being served."""
    with trio.fail_after(5):
        while emu.bot().poll_generation < 1:
            await trio.sleep(0.005)
    await trio.sleep(0.02)


async def test_offset_confirms_earlier_updates(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    for text in ("a", "b", "c"):
        emu.ctl.send_text(user, text)
    updates = await api.ok("getUpdates")
    assert [u["message"]["text"] for u in updates] == ["a", "b", "c"]
    ids = [u["update_id"] for u in updates]
    assert ids == list(range(ids[0], ids[0] + 3))
    assert len(await api.ok("getUpdates")) == 3, "not confirmed yet"
    rest = await api.ok("getUpdates", offset=ids[1])
    assert [u["update_id"] for u in rest] == ids[1:]
    assert await api.ok("getUpdates", offset=ids[-1] + 1) == []
    assert len(emu.bot().updates) == 0


async def test_negative_offset_and_limit(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    for i in range(5):
        emu.ctl.send_text(user, str(i))
    assert [u["message"]["text"] for u in await api.ok("getUpdates", limit=2)] == ["0", "1"]
    last_two = await api.ok("getUpdates", offset=-2)
    assert [u["message"]["text"] for u in last_two] == ["3", "4"]
    assert len(await api.ok("getUpdates", limit=1000)) == 2


async def test_long_poll_wakes_on_new_update(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    got: list[list[dict[str, object]]] = []

    async def poll() -> None:
        got.append(await api.ok("getUpdates", timeout=10))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        await _polling(emu)
        assert got == []
        started = trio.current_time()
        emu.ctl.send_text(user, "wake")
    assert trio.current_time() - started < 2
    assert got[0][0]["message"]["text"] == "wake"  # type: ignore[index]


async def test_long_poll_times_out_empty(emu: TelegramEmulator, api: Api) -> None:
    started = trio.current_time()
    assert await api.ok("getUpdates", timeout=1) == []
    assert 0.9 < trio.current_time() - started < 3


async def test_allowed_updates_filters_new_updates(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "before")
    assert len(await api.ok("getUpdates", allowed_updates=["callback_query"])) == 1
    emu.ctl.send_text(user, "filtered out")
    assert len(await api.ok("getUpdates")) == 1
    assert len(await api.ok("getUpdates", allowed_updates=[])) == 1
    emu.ctl.send_text(user, "back")
    assert len(await api.ok("getUpdates")) == 2


async def test_second_poller_terminates_the_first_with_409(emu: TelegramEmulator, api: Api) -> None:
    first: list[dict[str, object]] = []

    async def poll() -> None:
        first.append(await api.call("getUpdates", timeout=10))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        await _polling(emu)
        assert await api.ok("getUpdates", timeout=0) == []
    assert first[0]["error_code"] == 409
    assert "terminated by other getUpdates request" in str(first[0]["description"])


async def test_get_updates_conflicts_with_webhook(emu: TelegramEmulator, api: Api) -> None:
    await api.ok("setWebhook", url="http://127.0.0.1:9/hook")
    conflict = await api.call("getUpdates")
    assert conflict["error_code"] == 409
    assert conflict["description"].startswith("Conflict: can't use getUpdates method while webhook")
    await api.ok("deleteWebhook")
    assert await api.ok("getUpdates") == []


async def test_get_me_and_unknown_token(emu: TelegramEmulator, api: Api) -> None:
    me = await api.ok("getMe")
    assert me["is_bot"] is True and me["username"] == emu.config.bot_username
    wrong = await api.client.post(f"{emu.base_url}/bot1:nope/getMe")
    assert wrong.status_code == 401
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    lower = await api.client.get(f"{api.base}/GETME")
    assert lower.json()["ok"] is True


async def test_several_bots_are_separate(emu: TelegramEmulator, api: Api) -> None:
    other = emu.add_bot("7000000002:SecondBotToken_abcdefghijklmnop", username="second_bot")
    user = emu.ctl.user()
    other.send_text(user, "to the second bot")
    assert await api.ok("getUpdates") == []
    second = f"{emu.base_url}/bot7000000002:SecondBotToken_abcdefghijklmnop"
    got = (await api.client.post(f"{second}/getUpdates")).json()["result"]
    assert got[0]["message"]["text"] == "to the second bot"
