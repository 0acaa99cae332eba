"""python-telegram-bot 22's Bot against the emulator, inside trio: no violation."""

from __future__ import annotations

import struct

import pytest
import telegram
import trio
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    InputMediaVideo,
    LabeledPrice,
    ReplyKeyboardMarkup,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter

from trt_actors.emulators.telegram import FaultKind, TelegramEmulator

from .conftest import Api, assert_conforms

PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + struct.pack(">II", 320, 200) + b"\0" * 20
MENU = InlineKeyboardMarkup(
    [
        [InlineKeyboardButton("Image", callback_data="m:image")],
        [InlineKeyboardButton("Docs", url="https://x.y")],
    ]
)


async def test_ptb_messages_edits_and_callbacks(emu: TelegramEmulator, ptb: telegram.Bot) -> None:
    me = await ptb.get_me()
    assert me.is_bot and me.username == emu.config.bot_username
    user = emu.ctl.user("Ann")
    emu.ctl.send_command(user, "start", "ref_42")
    updates = await ptb.get_updates(timeout=1, allowed_updates=["message", "callback_query"])
    assert updates[0].message.text == "/start ref_42"
    assert updates[0].message.entities[0].type == "bot_command"
    sent = await ptb.send_message(
        user.id, "<b>Menu</b>", parse_mode=ParseMode.HTML, reply_markup=MENU
    )
    assert sent.text == "Menu" and sent.reply_markup == MENU
    await ptb.send_message(
        user.id, "kb", reply_markup=ReplyKeyboardMarkup([["A", "B"]], resize_keyboard=True)
    )
    await ptb.send_chat_action(user.id, ChatAction.TYPING)
    query_id = emu.ctl.press_button(user, sent.message_id, label="Image")
    updates = await ptb.get_updates(offset=updates[-1].update_id + 1, timeout=1)
    assert updates[0].callback_query.data == "m:image"
    assert await ptb.answer_callback_query(query_id, text="Chosen")
    edited = await ptb.edit_message_text(
        "Menu *2*", user.id, sent.message_id, parse_mode=ParseMode.MARKDOWN_V2, reply_markup=MENU
    )
    assert isinstance(edited, telegram.Message) and edited.text == "Menu 2"
    await ptb.edit_message_reply_markup(user.id, sent.message_id, reply_markup=None)
    assert await ptb.delete_message(user.id, sent.message_id)
    emu.assert_no_violations()
    assert_conforms(emu)
    assert emu.ctl.unanswered_callbacks() == []


async def test_ptb_files_and_media(emu: TelegramEmulator, ptb: telegram.Bot) -> None:
    user = emu.ctl.user()
    incoming = emu.ctl.send_photo(user, PNG, caption="make it move")
    photo = await ptb.send_photo(
        user.id, PNG, caption="<i>result</i>", parse_mode="HTML", reply_markup=MENU
    )
    assert photo.photo[-1].width == 320 and photo.caption == "result"
    await ptb.edit_message_caption(user.id, photo.message_id, caption="new caption")
    document = await ptb.send_document(user.id, b"%PDF-1.4 test", filename="report.pdf")
    assert document.document.file_name == "report.pdf"
    await ptb.send_video(user.id, b"video-bytes", filename="v.mp4")
    await ptb.send_audio(user.id, b"audio-bytes", filename="a.mp3")
    await ptb.send_animation(user.id, b"gif-bytes", filename="a.gif")
    await ptb.send_voice(user.id, b"voice-bytes", filename="v.ogg")
    await ptb.send_photo(user.id, photo.photo[-1].file_id)
    group = await ptb.send_media_group(
        user.id, [InputMediaPhoto(PNG, caption="one"), InputMediaVideo(b"vid")]
    )
    assert len(group) == 2 and group[0].media_group_id == group[1].media_group_id
    file = await ptb.get_file(incoming["photo"][-1]["file_id"])
    assert bytes(await file.download_as_bytearray()) == PNG
    emu.assert_no_violations()
    assert_conforms(emu)


async def test_ptb_payments_commands_and_webhook(emu: TelegramEmulator, ptb: telegram.Bot) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "buy")
    invoice = await ptb.send_invoice(
        user.id, "250 credits", "Top up", "topup:250", "XTR", [LabeledPrice("250 credits", 250)]
    )
    results = []

    async def pay() -> None:
        results.append(await emu.ctl.pay_invoice(user, invoice.message_id, timeout=5))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(pay)
        with trio.fail_after(5):
            while not emu.bot().pre_checkouts:
                await trio.sleep(0.01)
        updates = await ptb.get_updates(timeout=1)
        query = next(u.pre_checkout_query for u in updates if u.pre_checkout_query)
        assert query.total_amount == 250 and query.invoice_payload == "topup:250"
        assert await ptb.answer_pre_checkout_query(query.id, ok=True)
    paid = results[0]
    assert paid.status == "paid"
    assert await ptb.refund_star_payment(user.id, paid.charge_id)
    commands = [BotCommand("start", "Start"), BotCommand("balance", "Balance")]
    assert await ptb.set_my_commands(commands)
    assert await ptb.set_my_commands(
        commands[:1], scope=BotCommandScopeAllPrivateChats(), language_code="ru"
    )
    assert await ptb.get_my_commands() == tuple(commands)
    assert await ptb.set_webhook(
        "https://example.com/webhook/t1", secret_token="abc_DEF-1", allowed_updates=["message"]
    )
    info = await ptb.get_webhook_info()
    assert info.url == "https://example.com/webhook/t1"
    assert await ptb.delete_webhook()
    emu.assert_no_violations()
    assert_conforms(emu)
    assert emu.drop_records == []


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_ptb_sees_telegram_errors(emu: TelegramEmulator, ptb: telegram.Bot) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    emu.faults.inject(FaultKind.FLOOD, method="sendMessage", retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await ptb.send_message(user.id, "a")
    emu.ctl.block_bot(user)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await ptb.send_message(user.id, "a")
    with pytest.raises(BadRequest, match="Chat not found"):
        await ptb.send_message(424242, "a")
    emu.assert_no_violations()
    assert_conforms(emu)


async def test_wrong_raw_request_is_rejected_like_telegram(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    response = await api.raw(
        "sendMessage",
        data={
            "chat_id": str(user.id),
            "text": "hi",
            "reply_markup": '{"inline_keyboard": [[{"text": "x"}]]}',
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: can't parse inline keyboard button: "
        "Text buttons are unallowed in the inline keyboard",
    }
    assert len(emu.violations) == 1
