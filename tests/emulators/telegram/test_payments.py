"""Stars invoices, pre-checkout, successful and refunded payments."""

from __future__ import annotations

from typing import Any

import trio

from trt_actors.emulators.telegram import PaymentResult, TelegramEmulator
from trt_actors.emulators.telegram._watch import ChatWatch

from .conftest import Api, assert_conforms

INVOICE = {
    "title": "250 credits",
    "description": "Top up your balance",
    "payload": "topup:pack_250",
    "currency": "XTR",
    "prices": [{"label": "250 credits", "amount": 250}],
}


async def _answer_pre_checkout(api: Api, ok: bool, **extra: Any) -> dict[str, Any]:
    with trio.fail_after(5):
        while True:
            updates = await api.ok("getUpdates", timeout=1)
            queries = [u for u in updates if "pre_checkout_query" in u]
            if queries:
                break
    query = queries[0]["pre_checkout_query"]
    await api.ok("getUpdates", offset=queries[0]["update_id"] + 1)
    await api.ok("answerPreCheckoutQuery", pre_checkout_query_id=query["id"], ok=ok, **extra)
    return dict(query)


async def _pay(
    emu: TelegramEmulator, api: Api, ok: bool, **extra: Any
) -> tuple[PaymentResult, dict[str, Any]]:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "buy")
    invoice = await api.ok("sendInvoice", chat_id=user.id, **INVOICE)
    results: list[PaymentResult] = []
    query: dict[str, Any] = {}

    async def pay() -> None:
        results.append(await emu.ctl.pay_invoice(user, invoice["message_id"], timeout=5))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(pay)
        query = await _answer_pre_checkout(api, ok, **extra)
    return results[0], query


async def test_invoice_message_has_pay_button(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    sent = await api.ok("sendInvoice", chat_id=user.id, **INVOICE)
    assert sent["invoice"]["total_amount"] == 250 and sent["invoice"]["currency"] == "XTR"
    assert sent["reply_markup"]["inline_keyboard"][0][0]["pay"] is True
    emu.assert_no_violations()
    assert_conforms(emu)


async def test_successful_payment_then_refund(emu: TelegramEmulator, api: Api) -> None:
    result, query = await _pay(emu, api, ok=True)
    assert query["invoice_payload"] == "topup:pack_250" and query["total_amount"] == 250
    assert result.status == "paid" and result.charge_id
    updates = await api.ok("getUpdates")
    paid = updates[-1]["message"]["successful_payment"]
    assert paid["telegram_payment_charge_id"] == result.charge_id
    assert paid["provider_payment_charge_id"] == ""
    user_id = updates[-1]["message"]["from"]["id"]
    await api.ok("getUpdates", offset=updates[-1]["update_id"] + 1)
    refund = {"user_id": user_id, "telegram_payment_charge_id": result.charge_id}
    assert await api.ok("refundStarPayment", **refund) is True
    refunded = (await api.ok("getUpdates"))[-1]["message"]["refunded_payment"]
    assert refunded["total_amount"] == 250 and refunded["invoice_payload"] == "topup:pack_250"
    again = await api.call("refundStarPayment", **refund)
    assert again["description"] == "Bad Request: CHARGE_ALREADY_REFUNDED"
    wrong = await api.call("refundStarPayment", user_id=user_id, telegram_payment_charge_id="no")
    assert wrong["description"] == "Bad Request: CHARGE_NOT_FOUND"
    emu.assert_no_violations()
    assert_conforms(emu)


async def test_declined_payment(emu: TelegramEmulator, api: Api) -> None:
    result, _ = await _pay(emu, api, ok=False, error_message="Sold out")
    assert result.status == "declined" and result.error_message == "Sold out"
    assert not any("successful_payment" in u.get("message", {}) for u in await api.ok("getUpdates"))


async def test_unanswered_pre_checkout_times_out(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    invoice = await api.ok("sendInvoice", chat_id=user.id, **INVOICE)
    result = await emu.ctl.pay_invoice(user, invoice["message_id"], timeout=0.1)
    assert result.status == "timeout"
    late = await api.call(
        "answerPreCheckoutQuery", pre_checkout_query_id=result.pre_checkout_query_id, ok=True
    )
    assert late["description"].startswith("Bad Request: query is too old")


async def test_invoice_limits_are_checked(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "x")
    two_prices = dict(INVOICE, prices=[{"label": "a", "amount": 1}, {"label": "b", "amount": 2}])
    bad = await api.call("sendInvoice", chat_id=user.id, **two_prices)
    assert bad["error_code"] == 400
    long_payload = dict(INVOICE, payload="p" * 129)
    assert (await api.call("sendInvoice", chat_id=user.id, **long_payload))["error_code"] == 400
    no_message = await api.call("answerPreCheckoutQuery", pre_checkout_query_id="1", ok=False)
    assert no_message["description"] == "Bad Request: ERROR_MESSAGE_EMPTY"
    assert {v.path for v in emu.violations} == {"prices", "payload", "error_message"}


async def test_a_paid_invoice_cannot_be_paid_again(emu: TelegramEmulator, api: Api) -> None:
    first, _ = await _pay(emu, api, ok=True)
    assert first.status == "paid"
    user_id = next(iter(emu.ctl.bot.charges.values())).user_id
    [invoice] = [m for m in emu.ctl.messages(user_id) if "invoice" in m.data]
    assert invoice.receipt == first.charge_id
    watch = ChatWatch(emu.ctl.bot, user_id)
    watch.poll()  # everything so far

    again = await emu.ctl.pay_invoice(user_id, invoice.message_id, timeout=1)
    assert again.status == "already_paid" and again.charge_id == first.charge_id
    assert again.message is None and again.pre_checkout_query_id == ""
    updates = await api.ok("getUpdates")
    assert not any("pre_checkout_query" in u for u in updates)  # the bot is not asked
    paid = [u for u in updates if "successful_payment" in u.get("message", {})]
    assert len(paid) == 1 and len(emu.ctl.bot.charges) == 1  # one payment, one charge
    assert watch.poll() == []  # nothing changed on the second press


async def test_a_watch_reports_the_invoice_once_it_is_paid(emu: TelegramEmulator, api: Api) -> None:
    user = emu.ctl.user()
    emu.ctl.send_text(user, "buy")
    invoice = await api.ok("sendInvoice", chat_id=user.id, **INVOICE)
    watch = ChatWatch(emu.ctl.bot, user.id)
    watch.poll()

    async def pay() -> None:
        await emu.ctl.pay_invoice(user, invoice["message_id"], timeout=5)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(pay)
        await _answer_pre_checkout(api, ok=True)
    changes = {(c.kind.value, c.message.message_id) for c in watch.poll()}
    assert ("edited", invoice["message_id"]) in changes  # the Pay button became a receipt
    assert emu.ctl.chat(user).messages[invoice["message_id"]].data == invoice  # the API's own
