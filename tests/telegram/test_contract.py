"""The `BotApi` contract, for every implementation, against the real emulator over HTTP.

Each test runs once per implementation (`sender` fixture): the same calls must give the same
results and the same typed errors. The emulator validates every request against the Bot API
spec; the `telegram_emulator` fixture fails the test if it recorded any violation.
"""

from __future__ import annotations

import socket
import struct
import traceback
from typing import Any

import pytest
import trio

from trt_actors.emulators.telegram import FaultKind, TelegramEmulator
from trt_actors.telegram.errors import (
    BadRequest,
    BotBlocked,
    Conflict,
    InvalidToken,
    RetryAfter,
    TelegramError,
    TransientError,
    harmless,
)
from trt_actors.telegram.http_bot_api import HttpBotApi
from trt_actors.telegram.ptb_bot_api import PtbBotApi

from .conftest import IMPLEMENTATIONS, Sender

KEYBOARD = {
    "inline_keyboard": [
        [{"text": "Yes", "callback_data": "yes"}, {"text": "No", "callback_data": "no"}],
        [{"text": "Site", "url": "https://example.org/"}],
    ]
}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + struct.pack(">II", 64, 48) + b"\0" * 40


def text_to(chat: int, text: str = "Hello <b>there</b>", **extra: Any) -> dict[str, Any]:
    return {"chat_id": chat, "text": text, "parse_mode": "HTML", **extra}


def assert_no_token(error: BaseException, token: str) -> None:
    shown = "".join(traceback.format_exception(error)) + repr(error)
    assert token not in shown
    assert token.partition(":")[2] not in shown


async def test_send_message_with_inline_keyboard(sender: Sender) -> None:
    ann = sender.user()
    message = await sender.api.call("sendMessage", text_to(ann.id, reply_markup=KEYBOARD))
    assert message["text"] == "Hello there"
    assert message["entities"] == [{"type": "bold", "offset": 6, "length": 5}]
    assert message["reply_markup"] == KEYBOARD
    assert sender.emu.ctl.bot_messages(ann)[-1]["message_id"] == message["message_id"]


async def test_none_parameters_are_left_out(sender: Sender) -> None:
    ann = sender.user()
    message = await sender.api.call("sendMessage", text_to(ann.id, reply_markup=None))
    assert "reply_markup" not in message


async def test_non_ascii_text_arrives_intact(sender: Sender) -> None:
    ann = sender.user()
    message = await sender.api.call("sendMessage", {"chat_id": ann.id, "text": "Привет 👋"})
    assert message["text"] == "Привет 👋"


async def test_edit_message_text(sender: Sender) -> None:
    ann = sender.user()
    sent = await sender.api.call("sendMessage", text_to(ann.id, reply_markup=KEYBOARD))
    edit = {"chat_id": ann.id, "message_id": sent["message_id"], "text": "Changed"}
    edited = await sender.api.call("editMessageText", {**edit, "reply_markup": KEYBOARD})
    assert (edited["text"], edited["reply_markup"]) == ("Changed", KEYBOARD)
    with pytest.raises(BadRequest) as caught:
        await sender.api.call("editMessageText", {**edit, "reply_markup": KEYBOARD})
    assert harmless(caught.value)  # "message is not modified"


async def test_answer_callback_query(sender: Sender) -> None:
    ann = sender.user()
    sent = await sender.api.call("sendMessage", text_to(ann.id, reply_markup=KEYBOARD))
    query = sender.emu.ctl.press_button(ann, sent["message_id"], callback_data="yes")
    answered = await sender.api.call(
        "answerCallbackQuery", {"callback_query_id": query, "text": "Done", "show_alert": True}
    )
    assert answered is True
    assert sender.emu.ctl.callback_answer(query) == {
        "callback_query_id": query,
        "text": "Done",
        "show_alert": True,
    }


async def test_get_updates_long_poll_wakes_on_a_new_update(sender: Sender) -> None:
    ann = sender.user()  # its "hi" is already pending
    pending = await sender.api.call("getUpdates", {"timeout": 0})
    assert [u["message"]["text"] for u in pending] == ["hi"]
    offset = pending[-1]["update_id"] + 1
    polled: list[Any] = []

    async def poll() -> None:
        params = {"offset": offset, "timeout": 10, "allowed_updates": ["message"]}
        polled.extend(await sender.api.call("getUpdates", params, read_timeout=15))

    began = trio.current_time()
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(poll)
            await trio.sleep(0.3)
            sender.emu.ctl.send_text(ann, "second")
    assert 0.3 <= trio.current_time() - began < 5
    assert [u["message"]["text"] for u in polled] == ["second"]
    assert await sender.api.call("getUpdates", {"offset": offset + 1, "timeout": 0}) == []


async def test_send_photo_bytes_as_multipart(sender: Sender) -> None:
    ann = sender.user()
    params = {
        "chat_id": ann.id,
        "photo": sender.upload("cat.png", PNG, "image/png"),
        "caption": "<i>cat</i>",
        "parse_mode": "HTML",
        "reply_markup": KEYBOARD,
        "disable_notification": True,
    }
    message = await sender.api.call("sendPhoto", params)
    photo = message["photo"][-1]
    assert (photo["width"], photo["height"]) == (64, 48)
    assert message["caption"] == "cat"
    assert message["reply_markup"] == KEYBOARD
    assert sender.emu.ctl.file_bytes(photo["file_id"]) == PNG
    upload = sender.emu.calls[-1].params["photo"]
    assert upload == {"file": "cat.png", "size": len(PNG)}


async def test_send_photo_plain_bytes(telegram_emulator: TelegramEmulator) -> None:
    """HttpBotApi only: plain `bytes` are a file too (PTB needs its InputFile)."""
    emu = telegram_emulator
    assert emu.base_url is not None
    api = HttpBotApi(emu.config.token, emu.base_url)
    ann = emu.ctl.user("Ann")
    emu.ctl.send_text(ann, "hi")
    try:
        message = await api.call("sendPhoto", {"chat_id": ann.id, "photo": PNG, "caption": None})
    finally:
        await api.close()
    assert emu.ctl.file_bytes(message["photo"][-1]["file_id"]) == PNG
    assert emu.calls[-1].params["photo"] == {"file": "photo", "size": len(PNG)}


FAULTS: list[tuple[FaultKind, dict[str, Any], type[TelegramError]]] = [
    (FaultKind.FLOOD, {"retry_after": 7}, RetryAfter),
    (FaultKind.BLOCKED, {}, BotBlocked),
    (FaultKind.BAD_REQUEST, {"description": "chat not found"}, BadRequest),
    (FaultKind.SERVER_ERROR, {"status": 502}, TransientError),
    (FaultKind.SERVER_ERROR, {"status": 500}, TransientError),
    (FaultKind.DROP, {}, TransientError),
]


@pytest.mark.parametrize(
    ("kind", "options", "expected"), FAULTS, ids=[f"{k}-{o}" for k, o, _ in FAULTS]
)
async def test_fault_maps_to_typed_error(
    sender: Sender, kind: FaultKind, options: dict[str, Any], expected: type[TelegramError]
) -> None:
    ann = sender.user()
    sender.emu.faults.inject(kind, method="sendMessage", **options)
    with pytest.raises(TelegramError) as caught:
        await sender.api.call("sendMessage", text_to(ann.id))
    assert type(caught.value) is expected
    assert_no_token(caught.value, sender.emu.config.token)
    if isinstance(caught.value, RetryAfter):
        assert caught.value.seconds == 7
    if isinstance(caught.value, BadRequest):
        assert "chat not found" in caught.value.description.lower()
    # The connection pool is not poisoned: the next call goes through.
    assert (await sender.api.call("sendMessage", text_to(ann.id)))["chat"]["id"] == ann.id


async def test_hang_ends_at_the_callers_deadline(sender: Sender) -> None:
    ann = sender.user()
    sender.emu.faults.inject(FaultKind.HANG, method="sendMessage")
    began = trio.current_time()
    with pytest.raises(trio.TooSlowError), trio.fail_after(0.5):
        await sender.api.call("sendMessage", text_to(ann.id))
    assert trio.current_time() - began < 2
    assert (await sender.api.call("sendMessage", text_to(ann.id)))["chat"]["id"] == ann.id


async def test_hang_ends_at_the_read_timeout(sender: Sender) -> None:
    sender.emu.faults.inject(FaultKind.HANG, method="getMe")
    began = trio.current_time()
    with pytest.raises(TransientError) as caught:
        await sender.api.call("getMe", {}, read_timeout=0.5)
    assert trio.current_time() - began < 3
    assert_no_token(caught.value, sender.emu.config.token)
    assert (await sender.api.call("getMe", {}))["is_bot"] is True


async def test_user_who_blocked_the_bot(sender: Sender) -> None:
    ann = sender.user()
    sender.emu.ctl.block_bot(ann)
    with pytest.raises(BotBlocked) as caught:
        await sender.api.call("sendMessage", text_to(ann.id))
    assert "blocked" in caught.value.description


async def test_unknown_chat_is_a_bad_request(sender: Sender) -> None:
    with pytest.raises(BadRequest) as caught:
        await sender.api.call("sendMessage", text_to(424242))
    assert "chat not found" in caught.value.description.lower()


async def test_conflict_while_a_webhook_is_set(sender: Sender) -> None:
    await sender.api.call("setWebhook", {"url": "https://example.org/hook"})
    with pytest.raises(Conflict):
        await sender.api.call("getUpdates", {"timeout": 0})
    await sender.api.call("deleteWebhook", {"drop_pending_updates": False})
    assert await sender.api.call("getUpdates", {"timeout": 0}) == []


@pytest.mark.parametrize("name", sorted(IMPLEMENTATIONS))
async def test_wrong_token_is_invalid_and_never_shown(
    telegram_emulator: TelegramEmulator, name: str
) -> None:
    assert telegram_emulator.base_url is not None
    token = "1234567:WrongTokenWrongTokenWrongToken_12345"
    api = IMPLEMENTATIONS[name][0](token, telegram_emulator.base_url)
    try:
        with pytest.raises(InvalidToken) as caught:
            await api.call("getMe", {})
    finally:
        await api.close()
    assert_no_token(caught.value, token)
    assert token not in repr(api)


@pytest.mark.parametrize("name", sorted(IMPLEMENTATIONS))
async def test_nothing_listening_is_transient(name: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        token = "7654321:AnotherTokenAnotherToken_1234567"
        api = IMPLEMENTATIONS[name][0](token, f"http://127.0.0.1:{port}")
        try:
            with pytest.raises(TransientError) as caught, trio.fail_after(10):
                await api.call("getMe", {})
        finally:
            await api.close()
    assert_no_token(caught.value, token)


async def test_no_violations_after_every_kind_of_call(sender: Sender) -> None:
    ann = sender.user()
    sent = await sender.api.call("sendMessage", text_to(ann.id, reply_markup=KEYBOARD))
    ref = {"chat_id": ann.id, "message_id": sent["message_id"]}
    smaller = {"inline_keyboard": KEYBOARD["inline_keyboard"][:1]}
    await sender.api.call("editMessageReplyMarkup", {**ref, "reply_markup": smaller})
    await sender.api.call("sendChatAction", {"chat_id": ann.id, "action": "typing"})
    await sender.api.call(
        "setMyCommands", {"commands": [{"command": "start", "description": "Go"}]}
    )
    await sender.api.call("getWebhookInfo", {})
    await sender.api.call("deleteMessage", ref)
    assert sender.emu.violations == []
    assert all(c.status == 200 for c in sender.emu.calls)


def test_both_implementations_are_covered() -> None:
    assert {build for build, _ in IMPLEMENTATIONS.values()} == {PtbBotApi, HttpBotApi}
