"""ChatWatch: the changes of one chat, each version reported once."""

from __future__ import annotations

import trio

from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.emulators.telegram._watch import ChangeKind, ChatWatch

from .conftest import Api

KEYBOARD = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}


def summary(watch: ChatWatch) -> list[tuple[str, int]]:
    return [(c.kind.value, c.message.message_id) for c in watch.poll()]


async def test_first_look_is_the_whole_chat_then_only_changes(
    emu: TelegramEmulator, api: Api
) -> None:
    user = emu.ctl.user("Ann")
    watch = ChatWatch(emu.bot(), user.id)
    assert watch.poll() == []  # no chat yet: nothing, no error
    emu.ctl.send_text(user, "hello")
    sent = await api.ok("sendMessage", chat_id=user.id, text="hi", reply_markup=KEYBOARD)
    assert summary(watch) == [("new", 1), ("new", 2)]
    assert watch.poll() == []
    await api.ok("editMessageText", chat_id=user.id, message_id=sent["message_id"], text="hey")
    changes = watch.poll()
    assert [(c.kind, c.message.data["text"]) for c in changes] == [(ChangeKind.EDITED, "hey")]
    await api.ok("deleteMessage", chat_id=user.id, message_id=sent["message_id"])
    assert summary(watch) == [("deleted", 2)]
    assert watch.poll() == []


async def test_a_message_deleted_before_the_first_look_is_not_reported(
    emu: TelegramEmulator, api: Api
) -> None:
    user = emu.ctl.user("Boris")
    emu.ctl.send_text(user, "x")
    sent = await api.ok("sendMessage", chat_id=user.id, text="gone soon")
    await api.ok("deleteMessage", chat_id=user.id, message_id=sent["message_id"])
    assert summary(ChatWatch(emu.bot(), user.id)) == [("new", 1)]


async def test_next_changes_wakes_on_a_bot_message_and_on_the_chat_appearing(
    emu: TelegramEmulator, api: Api
) -> None:
    user = emu.ctl.user("Chen")
    watch = ChatWatch(emu.bot(), user.id, recheck=0.05)
    got: list[list[tuple[str, int]]] = []

    async def reader() -> None:
        for _ in range(2):
            changes = await watch.next_changes()
            got.append([(c.kind.value, c.message.message_id) for c in changes])

    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(reader)
            await trio.sleep(0.1)
            emu.ctl.send_text(user, "first")  # no signal: found by the recheck
            while not got:
                await trio.sleep(0.01)
            await api.ok("sendMessage", chat_id=user.id, text="reply")
    assert got == [[("new", 1)], [("new", 2)]]


async def test_next_changes_waits_while_nothing_changes(emu: TelegramEmulator) -> None:
    user = emu.ctl.user("Dana")
    emu.ctl.send_text(user, "x")
    watch = ChatWatch(emu.bot(), user.id, recheck=0.01)
    assert len(await watch.next_changes()) == 1
    with trio.move_on_after(0.1) as scope:
        await watch.next_changes()
    assert scope.cancelled_caught
