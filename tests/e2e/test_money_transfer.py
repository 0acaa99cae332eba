"""Bank transfer top-ups end to end against the Telegram emulator: amount → requisites →
screenshot → review queue → admins get the photo with Approve / Reject → credited once even
when Approve is pressed twice, the reviewer recorded, the user told; Reject with a reason;
a non-admin's Approve refused."""

from __future__ import annotations

from pathlib import Path

from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.texts import text
from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.storage import Currency, PaymentStatus, Store
from trt_actors.testing.kit import BotService, Conversation, running_bot

ADMIN = 7_000_002
REQUISITES = "SBP +7 900 000-00-00, Bank Example, Ivan I."


def store_of(bot: BotService) -> Store:
    store: Store = bot.tree.root.child("store")
    return store


async def balance(bot: BotService, user: int) -> int:
    account = await store_of(bot).read("default", lambda tx: tx.ledger.account(user, Currency.RUB))
    return account.balance


async def transfer(bot: BotService, ann: Conversation, roubles: str, admin: Conversation) -> int:
    """Ann asks to top up by transfer and sends a screenshot; the admin's notice's id."""
    await ann.send("/topup")
    await ann.next_message()
    await ann.press(text("en", "pay_btn_transfer"))
    await ann.next_edit()
    await ann.send(roubles)
    requisites = await ann.next_message()
    assert REQUISITES in requisites["text"]
    bot.emulator.ctl.send_photo(ann.user, b"\x89PNG screenshot")
    queued = await ann.next_message()
    assert "sent for review" in queued["text"]
    notice = await admin.next_message()
    assert "photo" in notice and f"id {ann.id}" in notice["caption"]
    return int(notice["message_id"])


async def test_transfer_reviewed_by_an_admin_is_credited_once(
    tmp_path: Path, telegram_emulator: TelegramEmulator
) -> None:
    terms = TenantSettings(admins=(ADMIN,), bank_requisites=REQUISITES)
    async with running_bot(tmp_path, emulator=telegram_emulator, terms=terms) as bot:
        ctl = bot.emulator.ctl
        admin = bot.user("Boss", language_code="en", user_id=ADMIN)
        ann = bot.user("Ann", language_code="en")
        mallory = bot.user("Mallory", language_code="en")
        for person in (admin, ann, mallory):
            await person.send("/start")
            await person.next_message()

        notice = await transfer(bot, ann, "1500", admin)
        queue = await store_of(bot).read(
            "default", lambda tx: tx.payments.by_status(PaymentStatus.PENDING)
        )
        assert [(p.user_id, p.amount) for p in queue] == [(ann.id, 150_000)]
        payment_id = queue[0].id
        await admin.send("/transfers")  # the review queue, for admins: each screenshot first
        shot = await admin.next_message()
        assert "photo" in shot and f"#{payment_id}" in shot["caption"]
        listed = await admin.next_message()
        assert text("en", "pay_queue_title", n=1) in listed["text"]
        assert f"#{payment_id} · 1,500 ₽ · user {ann.id}" in listed["text"]
        await mallory.send("/transfers")  # not for others: the main menu
        assert "Transfers waiting" not in (await mallory.next_message())["text"]

        # a non-admin pressing Approve (a forged press on the admin's notice) is refused like
        # any admin button: a stale button's answer, and a `denied` entry in the audit log
        ctl.press_button(mallory.user, notice, chat=admin.user, label="✅ Approve")
        refused = await admin.next_message()
        assert text("en", "note_stale") in refused["text"]
        assert await balance(bot, ann.id) == 0
        audit = await store_of(bot).read("default", lambda tx: tx.audit.recent(action="denied"))
        assert [(e.actor_id, e.target) for e in audit] == [
            (mallory.id, f"pa|{payment_id}"),
            (mallory.id, "command"),  # her /transfers above
        ]

        first = ctl.press_button(admin.user, notice, label="✅ Approve")
        second = ctl.press_button(admin.user, notice, label="✅ Approve")
        told = await ann.next_message()
        assert told["text"] == text(
            "en", "pay_transfer_approved_user", amount="1,500 ₽", balance="1,500 ₽"
        )
        await admin.next_message()
        await admin.next_message()
        answers = [ctl.callback_answer(first), ctl.callback_answer(second)]
        assert any(a and "already reviewed" in a.get("text", "") for a in answers)
        assert await balance(bot, ann.id) == 150_000
        payment = await store_of(bot).read("default", lambda tx: tx.payments.get(payment_id))
        assert payment.status is PaymentStatus.APPROVED and payment.reviewer_id == ADMIN
        await admin.send("/transfers")
        assert text("en", "pay_queue_title", n=0) in (await admin.next_message())["text"]

        notice = await transfer(bot, ann, "700", admin)
        ctl.press_button(admin.user, notice, label="❌ Reject")
        asked = await admin.next_message()
        assert "Send the reason" in asked["text"]
        await admin.send("no such transfer in the statement")
        await admin.next_message()
        rejected = await ann.next_message()
        assert rejected["text"] == text(
            "en",
            "pay_transfer_rejected_user",
            amount="700 ₽",
            reason="no such transfer in the statement",
        )
        assert await balance(bot, ann.id) == 150_000
        assert ann.messages()[-1]["text"] == rejected["text"]
        confirmed = [m for m in ann.messages() if m.get("text") == told["text"]]
        assert len(confirmed) == 1  # Approve pressed twice: told (and credited) once


async def test_a_screenshot_whose_handling_crashed_after_it_was_queued_still_reaches_the_admins(
    tmp_path: Path, telegram_emulator: TelegramEmulator
) -> None:
    """The transfer is queued (the operations' transaction committed), then the admins'
    notice fails and the session crashes: the next attempt answers as the first did — the
    notice goes out and the user is told it was sent for review, not "already under review"."""
    terms = TenantSettings(admins=(ADMIN,), bank_requisites=REQUISITES)
    async with running_bot(tmp_path, emulator=telegram_emulator, terms=terms) as bot:
        admin = bot.user("Boss", language_code="en", user_id=ADMIN)
        ann = bot.user("Ann", language_code="en")
        for person in (admin, ann):
            await person.send("/start")
            await person.next_message()
        telegram_emulator.faults.inject(
            "bad_request", method="sendPhoto", description="wrong file identifier"
        )
        notice = await transfer(bot, ann, "900", admin)
        assert text("en", "pay_transfer_already") not in str(ann.messages())
        bot.emulator.ctl.press_button(admin.user, notice, label="✅ Approve")
        told = await ann.next_message()
        assert "900 ₽" in told["text"] and await balance(bot, ann.id) == 90_000
        assert len(bot.failures()) == 1  # the one crash, tried again


async def test_an_image_sent_as_a_file_reaches_the_admins_and_the_queue_shows_each_screenshot(
    tmp_path: Path, telegram_emulator: TelegramEmulator
) -> None:
    terms = TenantSettings(admins=(ADMIN,), bank_requisites=REQUISITES)
    async with running_bot(tmp_path, emulator=telegram_emulator, terms=terms) as bot:
        ctl = bot.emulator.ctl
        admin = bot.user("Boss", language_code="en", user_id=ADMIN)
        ann, bob = bot.user("Ann", language_code="en"), bot.user("Bob", language_code="en")
        for person in (admin, ann, bob):
            await person.send("/start")
            await person.next_message()
        await ann.send("/topup")
        await ann.next_message()
        await ann.press(text("en", "pay_btn_transfer"))
        await ann.next_edit()
        await ann.send("900")
        await ann.next_message()
        ctl.send_document(ann.user, b"\x89PNG file", file_name="receipt.png", mime_type="image/png")
        assert "sent for review" in (await ann.next_message())["text"]
        notice = await admin.next_message()  # sendPhoto would be refused for a document
        assert (
            notice["document"]["file_name"] == "receipt.png" and f"id {ann.id}" in notice["caption"]
        )
        await transfer(bot, bob, "300", admin)

        await admin.send("/transfers")
        shots = [await admin.next_message(), await admin.next_message()]
        listed = await admin.next_message()
        assert text("en", "pay_queue_title", n=2) in listed["text"]
        assert {"document" in shots[0], "photo" in shots[1]} == {True}
        for shot in shots:
            labels = [b["text"] for row in shot["reply_markup"]["inline_keyboard"] for b in row]
            assert labels == [text("en", "pay_btn_approve"), text("en", "pay_btn_reject")]
        ctl.press_button(admin.user, shots[0]["message_id"], label=text("en", "pay_btn_approve"))
        told = await ann.next_message()
        assert told["text"] == text(
            "en", "pay_transfer_approved_user", amount="900 ₽", balance="900 ₽"
        )
        assert await balance(bot, ann.id) == 90_000
