"""sendMessage, edits, deletes, chat actions, chat resolution."""

from __future__ import annotations

from trt_actors.emulators.telegram import TelegramEmulator

from .conftest import Api, assert_conforms

KEYBOARD = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}


async def test_send_message_stores_it_with_increasing_ids(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user("Ann", username="ann")
    first = emu.ctl.send_text(user, "hello")
    sent = await api.ok("sendMessage", chat_id=user.id, text="hi there", reply_markup=KEYBOARD)
    again = await api.ok("sendMessage", chat_id=str(user.id), text="second")
    assert sent["message_id"] == first["message_id"] + 1
    assert again["message_id"] == sent["message_id"] + 1
    assert sent["chat"] == {
        "id": user.id,
        "type": "private",
        "first_name": "Ann",
        "username": "ann",
    }
    assert sent["from"]["is_bot"] is True
    assert sent["reply_markup"] == KEYBOARD
    assert [m["text"] for m in emu.ctl.bot_messages(user)] == ["hi there", "second"]
    assert emu.ctl.messages(user)[-1].args["text"] == "second"
    emu.assert_no_violations()
    assert_conforms(emu)


async def test_parse_mode_text_and_entities(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    html = await api.ok(
        "sendMessage", chat_id=user.id, text="<b>bold</b> &amp; plain", parse_mode="HTML"
    )
    assert html["text"] == "bold & plain"
    assert html["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    md = await api.ok("sendMessage", chat_id=user.id, text="*a* b\\.", parse_mode="MarkdownV2")
    assert md["text"] == "a b."


async def test_reply_keyboard_is_accepted_but_not_echoed(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    markup = {"keyboard": [[{"text": "Menu"}]], "resize_keyboard": True}
    sent = await api.ok("sendMessage", chat_id=user.id, text="k", reply_markup=markup)
    assert "reply_markup" not in sent
    removed = await api.ok(
        "sendMessage", chat_id=user.id, text="r", reply_markup={"remove_keyboard": True}
    )
    assert "reply_markup" not in removed
    emu.assert_no_violations()
    assert_conforms(emu)


async def test_reply_parameters(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    asked = emu.ctl.send_text(user, "question")
    sent = await api.ok(
        "sendMessage",
        chat_id=user.id,
        text="answer",
        reply_parameters={"message_id": asked["message_id"]},
    )
    assert sent["reply_to_message"]["text"] == "question"
    missing = await api.call(
        "sendMessage", chat_id=user.id, text="a", reply_parameters={"message_id": 999}
    )
    assert missing["description"] == "Bad Request: message to be replied not found"


async def test_edit_text_caption_markup_and_not_modified(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    sent = await api.ok("sendMessage", chat_id=user.id, text="v1", reply_markup=KEYBOARD)
    ids = {"chat_id": user.id, "message_id": sent["message_id"]}
    edited = await api.ok("editMessageText", **ids, text="v2", reply_markup=KEYBOARD)
    assert edited["text"] == "v2" and "edit_date" in edited
    same = await api.call("editMessageText", **ids, text="v2", reply_markup=KEYBOARD)
    assert same["error_code"] == 400
    assert same["description"].startswith("Bad Request: message is not modified")
    no_markup = await api.ok("editMessageReplyMarkup", **ids)
    assert "reply_markup" not in no_markup
    caption = await api.call("editMessageCaption", **ids, caption="c")
    assert caption["description"] == "Bad Request: there is no caption in the message to edit"
    assert [m["text"] for m in emu.ctl.bot_messages(user)] == ["v2"]
    assert len(emu.ctl.messages(user)[-1].history) == 2
    emu.assert_no_violations()
    assert_conforms(emu)


async def test_edit_missing_or_foreign_message(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    theirs = emu.ctl.send_text(user, "mine")
    missing = await api.call("editMessageText", chat_id=user.id, message_id=77, text="t")
    assert missing["description"] == "Bad Request: message to edit not found"
    foreign = await api.call(
        "editMessageText", chat_id=user.id, message_id=theirs["message_id"], text="t"
    )
    assert foreign["description"] == "Bad Request: message can't be edited"


async def test_delete_message(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    sent = await api.ok("sendMessage", chat_id=user.id, text="bye")
    assert await api.ok("deleteMessage", chat_id=user.id, message_id=sent["message_id"]) is True
    again = await api.call("deleteMessage", chat_id=user.id, message_id=sent["message_id"])
    assert again["description"] == "Bad Request: message to delete not found"
    assert emu.ctl.bot_messages(user) == []
    assert emu.ctl.messages(user, include_deleted=True)[-1].deleted


async def test_chat_action_and_unknown_chat(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    stranger = emu.ctl.user("Never started")
    emu.ctl.send_text(user, "x")
    assert await api.ok("sendChatAction", chat_id=user.id, action="typing") is True
    assert emu.ctl.chat_actions(user) == ["typing"]
    unknown = await api.call("sendMessage", chat_id=123, text="x")
    assert (unknown["error_code"], unknown["description"]) == (400, "Bad Request: chat not found")
    cold = await api.call("sendMessage", chat_id=stranger.id, text="x")
    assert cold["error_code"] == 403
    assert cold["description"] == "Forbidden: bot can't initiate conversation with a user"


async def test_next_bot_message_waits_and_advances(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    await api.ok("sendMessage", chat_id=user.id, text="one")
    assert (await emu.ctl.next_bot_message(user))["text"] == "one"
    await api.ok("sendMessage", chat_id=user.id, text="two")
    assert (await emu.ctl.next_bot_message(user, timeout=1))["text"] == "two"
    edited = await api.ok("sendMessage", chat_id=user.id, text="draft")
    await api.ok("editMessageText", chat_id=user.id, message_id=edited["message_id"], text="final")
    found = await emu.ctl.wait_for(user, lambda m: m.get("text") == "final", timeout=1)
    assert found["message_id"] == edited["message_id"]


async def test_group_chat(emu: TelegramEmulator, api: Api) -> None:
    ann, bob = emu.ctl.user("Ann"), emu.ctl.user("Bob")
    group = emu.ctl.group("Friends", [ann, bob])
    said = emu.ctl.send_text(bob, "hi all", chat=group)
    assert said["chat"]["type"] == "supergroup" and said["from"]["first_name"] == "Bob"
    sent = await api.ok("sendMessage", chat_id=group.id, text="hello group")
    assert sent["chat"]["title"] == "Friends"
    by_name = await api.ok("sendMessage", chat_id="@Friends", text="by name")
    assert by_name["chat"]["id"] == group.id
