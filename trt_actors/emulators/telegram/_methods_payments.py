"""Callbacks and Stars payments: answerCallbackQuery, sendInvoice, answerPreCheckoutQuery,
refundStarPayment."""

from __future__ import annotations

from typing import Any

from trt_actors.emulators.telegram._errors import QUERY_TOO_OLD, bad_request
from trt_actors.emulators.telegram._registry import (
    Call,
    api_method,
    inline_markup,
    reply_to,
    resolve_chat,
)


@api_method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    record = call.bot.callbacks.get(call.args["callback_query_id"])
    if record is None or record.answer is not None:
        raise bad_request(QUERY_TOO_OLD)
    record.answer = dict(call.args)
    return True


@api_method("sendInvoice")
async def send_invoice(call: Call) -> dict[str, Any]:
    chat = resolve_chat(call, sending=True)
    args = call.args
    total = sum(int(price["amount"]) for price in args["prices"])
    content: dict[str, Any] = {
        "invoice": {
            "title": args["title"],
            "description": args["description"],
            "start_parameter": args.get("start_parameter", ""),
            "currency": args["currency"],
            "total_amount": total,
        }
    }
    content.update(reply_to(call, chat))
    markup = inline_markup(args)
    if not markup:
        star = "⭐️" if args["currency"] == "XTR" else args["currency"] + " "
        button = {"text": f"Pay {star}{total}", "pay": True}
        markup = {"reply_markup": {"inline_keyboard": [[button]]}}
    content.update(markup)
    stored = call.bot.add_message(chat, call.bot.user, content, method=call.method, args=args)
    return stored.data


@api_method("answerPreCheckoutQuery")
async def answer_pre_checkout_query(call: Call) -> bool:
    record = call.bot.pre_checkouts.get(call.args["pre_checkout_query_id"])
    if record is None or record.expired or record.answer is not None:
        raise bad_request(QUERY_TOO_OLD)
    record.answer = dict(call.args)
    record.answered.notify()
    return True


@api_method("refundStarPayment")
async def refund_star_payment(call: Call) -> bool:
    charge = call.bot.charges.get(call.args["telegram_payment_charge_id"])
    if charge is None or charge.user_id != call.args["user_id"]:
        raise bad_request("CHARGE_NOT_FOUND")
    if charge.refunded:
        raise bad_request("CHARGE_ALREADY_REFUNDED")
    charge.refunded = True
    user = call.world.users[charge.user_id]
    chat = call.bot.private_chat(user)
    refund = {
        "currency": charge.currency,
        "total_amount": charge.total_amount,
        "invoice_payload": charge.payload,
        "telegram_payment_charge_id": charge.charge_id,
    }
    message = call.bot.add_message(chat, user, {"refunded_payment": refund})
    call.bot.updates.push("message", message.data)
    return True
