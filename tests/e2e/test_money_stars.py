"""Stars top-ups end to end against the Telegram emulator: invoice → pre-checkout answered in
time → successful_payment credited once; a repeated payment update credits nothing; a
tampered payload is refused at pre-checkout; an admin's refund debits and is recorded, and
Telegram's own refund is handled the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.texts import text
from trt_actors.emulators.telegram import FaultKind, TelegramEmulator
from trt_actors.storage import Currency, PaymentStatus, Store
from trt_actors.testing.kit import BotService, Conversation, running_bot

ADMIN = 7_000_001


def store_of(bot: BotService) -> Store:
    store: Store = bot.tree.root.child("store")
    return store


async def balance(bot: BotService, user: int) -> int:
    account = await store_of(bot).read("default", lambda tx: tx.ledger.account(user, Currency.RUB))
    return account.balance


async def invoice_for(ann: Conversation, stars_label: str) -> dict[str, Any]:
    await ann.send("/topup")
    await ann.next_message()
    await ann.press(stars_label)
    invoice = await ann.next_message()
    assert "invoice" in invoice and invoice["invoice"]["currency"] == "XTR"
    return invoice


async def test_stars_payment_credited_once_refused_when_forged_refunded_by_admin(
    tmp_path: Path, telegram_emulator: TelegramEmulator
) -> None:
    terms = TenantSettings(admins=(ADMIN,), stars_rate_kopecks=150)
    async with running_bot(tmp_path, emulator=telegram_emulator, terms=terms) as bot:
        ctl = bot.emulator.ctl
        ann = bot.user("Ann", language_code="en")
        await ann.send("/start")
        await ann.next_message()
        invoice = await invoice_for(ann, "⭐ 100 → 150 ₽")
        assert invoice["invoice"]["total_amount"] == 100

        started = trio.current_time()
        paid = await ctl.pay_invoice(ann.user, invoice["message_id"])
        assert paid.status == "paid" and trio.current_time() - started < 10
        thanks = await ann.next_message()
        assert "150 ₽ credited" in thanks["text"] and "Balance: 150 ₽" in thanks["text"]
        assert await balance(bot, ann.id) == 15_000

        assert paid.message is not None
        ctl.redeliver(paid.message)  # Telegram repeats the update: nothing more is credited
        again = await ann.next_message()
        assert text("en", "pay_stars_duplicate", balance="150 ₽") in again["text"]
        assert await balance(bot, ann.id) == 15_000

        second = await invoice_for(ann, "⭐ 50 → 75 ₽")
        forged = second["invoice"]
        tampered = await ctl.pay_invoice(
            ann.user, second["message_id"], payload=f"s1:default:{ann.id}:5000:1:AAAA"
        )
        assert tampered.status == "declined"
        assert tampered.error_message == text("en", "pay_refused_invoice")
        assert forged["total_amount"] == 50 and await balance(bot, ann.id) == 15_000

        admin = bot.user("Boss", language_code="en", user_id=ADMIN)
        await admin.send("/start")
        await admin.next_message()
        telegram_emulator.faults.inject(
            FaultKind.BAD_REQUEST, method="refundStarPayment", description="CHARGE_NOT_FOUND"
        )
        await admin.send(f"/refund {paid.charge_id} asked by the user")
        refused = await admin.next_message()  # Telegram first: nothing was taken back
        assert refused["text"].startswith(text("en", "pay_refund_refused"))
        assert await balance(bot, ann.id) == 15_000
        assert not ctl.bot.charges[paid.charge_id or ""].refunded
        await admin.send(f"/refund {paid.charge_id} asked by the user")
        done = await admin.next_message()
        assert "150 ₽ debited" in done["text"]
        told = await ann.next_message()
        assert told["text"].startswith(text("en", "pay_refunded_user", balance="0 ₽"))
        assert await balance(bot, ann.id) == 0
        payment = (await store_of(bot).read("default", lambda tx: tx.payments.for_user(ann.id)))[0]
        assert payment.status is PaymentStatus.REFUNDED
        assert (payment.reviewer_id, payment.note) == (ADMIN, "asked by the user")
        assert ctl.bot.charges[paid.charge_id or ""].refunded

        third = await invoice_for(ann, "⭐ 50 → 75 ₽")
        paid_again = await ctl.pay_invoice(ann.user, third["message_id"])
        await ann.next_message()
        assert await balance(bot, ann.id) == 7_500
        ctl.refund_by_telegram(paid_again.charge_id or "")  # Telegram's own refund
        await ann.next_message()
        assert await balance(bot, ann.id) == 0
        store = store_of(bot)
        assert await store.read("default", lambda tx: tx.ledger.reconcile()) == []
