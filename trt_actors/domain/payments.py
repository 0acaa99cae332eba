"""Telegram Stars top-ups: invoices, the pre-checkout verdict, payments and refunds.

- A package button (`ps|<stars>`) or a custom amount typed on `pc` sends an invoice in XTR
  with an empty provider token and a signed payload (`invoice.sign_invoice`).
- `pre_checkout_query` is answered from memory: the payload must be genuine, fresh, issued
  to this payer by this tenant, for the amount being paid, within the tenant's limits, and the
  payer not blocked (`Context.blocked`, read before every update). No storage write, no
  wait: well within 10 s.
- `successful_payment` becomes `CreditStars` (the charge id is the idempotency key); the answer
  comes from its result: thanks with the new balance, or "already credited" for a replay.
- `refunded_payment` becomes `RefundStars` by Telegram; an admin's `/refund <charge> [reason]`
  takes the credit back first (`RefundStars` by the admin) and then calls refundStarPayment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .callbacks import Args, encode
from .effects import BotCall
from .invoice import InvoiceClaim, read_invoice, sign_invoice
from .money_effects import (
    AdminRefundStars,
    ChargeFacts,
    CreditStars,
    MoneyResult,
    RefundStars,
    StarsCharge,
)
from .moves import Move
from .state import JourneyState
from .turn import Turn
from .updates import Incoming
from .view import Button, Screen

TOPUP = "u"
CUSTOM_STARS = "pc"
NO_EXPIRY = 10**9  # seconds: a paid invoice is credited however old its payload


def stars_kopecks(turn: Turn, stars: int) -> int:
    return stars * turn.context.settings.stars_rate_kopecks


def invoice_call(turn: Turn, stars: int) -> BotCall | None:
    """The sendInvoice call for `stars` (None when out of the tenant's limits or no chat)."""
    terms = turn.context.settings
    if turn.chat_id is None or not terms.stars_min <= stars <= terms.stars_max:
        return None
    issued = int(turn.context.now.timestamp())
    claim = InvoiceClaim(turn.context.tenant_id or "default", turn.user_id, stars, issued)
    amount = turn.money(stars_kopecks(turn, stars))
    params: dict[str, Any] = {
        "chat_id": turn.chat_id,
        "title": turn.t("pay_invoice_title", amount=amount),
        "description": turn.t("pay_invoice_description", stars=stars, amount=amount),
        "payload": sign_invoice(turn.context.secret, claim),
        "provider_token": "",
        "currency": "XTR",
        "prices": [{"label": turn.t("pay_invoice_label", stars=stars), "amount": stars}],
    }
    return BotCall("sendInvoice", params)


@dataclass(frozen=True, slots=True)
class StarsArgs(Args):
    """`ps|<stars>`: a Stars package."""

    stars: int


def buy_package(turn: Turn, state: JourneyState, args: StarsArgs) -> Move | None:
    stars = args.stars
    call = invoice_call(turn, stars) if stars else None
    if call is None:
        return None
    note = turn.t("pay_invoice_sent")
    return Move(state.at(TOPUP), note=note, toast=note, calls=(call,))


def custom_amount(turn: Turn, state: JourneyState, typed: str) -> Move:
    """The custom number of Stars typed on `pc`."""
    terms = turn.context.settings
    digits = typed.strip().replace(" ", "")
    call = invoice_call(turn, int(digits)) if digits.isdigit() and len(digits) < 9 else None
    if call is None:
        note = turn.t("pay_custom_invalid", low=terms.stars_min, high=terms.stars_max)
        return Move(state.at(CUSTOM_STARS), note=note)
    return Move(state.at(TOPUP), note=turn.t("pay_invoice_sent"), calls=(call,))


def custom_screen(turn: Turn, state: JourneyState) -> Screen:
    terms = turn.context.settings
    body = turn.t(
        "pay_custom_ask",
        low=terms.stars_min,
        high=terms.stars_max,
        rate=turn.money(terms.stars_rate_kopecks),
    )
    return Screen(body, ((Button(turn.t("btn_back"), encode(TOPUP)),),))


def pre_checkout(turn: Turn, incoming: Incoming) -> BotCall:
    """answerPreCheckoutQuery: ok only for a genuine, fresh invoice of this payer."""
    query = (incoming.raw or {}).get("pre_checkout_query") or {}
    error = _pre_checkout_problem(turn, query)
    params: dict[str, Any] = {"pre_checkout_query_id": incoming.callback_id, "ok": error is None}
    if error is not None:
        params["error_message"] = turn.t(error)
    return BotCall("answerPreCheckoutQuery", params)


def _pre_checkout_problem(turn: Turn, query: dict[str, Any]) -> str | None:
    if turn.context.blocked:  # read with the balance, before every update
        return "pay_refused_blocked"
    terms = turn.context.settings
    claim = read_invoice(
        turn.context.secret,
        str(query.get("invoice_payload", "")),
        tenant_id=turn.context.tenant_id or "default",
        user_id=turn.user_id,
        now=turn.context.now,
    )
    if claim is None:
        return "pay_refused_invoice"
    if query.get("currency") != "XTR" or query.get("total_amount") != claim.stars:
        return "pay_refused_invoice"
    if not terms.stars_min <= claim.stars <= terms.stars_max:
        return "pay_refused_invoice"
    return None


def payment_move(turn: Turn, state: JourneyState, incoming: Incoming) -> Move | None:
    """A successful or refunded Stars payment in the chat: the operation it calls for. None
    when the message names no payer (no `from`): there is no one to credit or debit."""
    if incoming.user is None:
        return None
    message = (incoming.raw or {}).get("message") or {}
    paid, refunded = message.get("successful_payment"), message.get("refunded_payment")
    if isinstance(paid, dict) and paid.get("currency") == "XTR":
        stars = paid.get("total_amount")
        charge = paid.get("telegram_payment_charge_id")
        if isinstance(stars, int) and stars > 0 and isinstance(charge, str) and charge:
            credit = CreditStars(turn.user_id, charge, stars, stars_kopecks(turn, stars))
            return Move(state, effects=(credit,))
    if isinstance(refunded, dict) and isinstance(refunded.get("telegram_payment_charge_id"), str):
        charge = refunded["telegram_payment_charge_id"]
        refund = RefundStars(turn.user_id, charge, None, "refunded_payment from Telegram")
        return Move(state, effects=(refund,))
    return None


def refund_command(turn: Turn, state: JourneyState, argument: str) -> Move:
    """Admin: `/refund <charge id> [reason]`."""
    charge_id, _, reason = argument.strip().partition(" ")
    if not turn.context.is_admin:
        return Move(state, note=turn.t("pay_admin_only"))
    facts = turn.context.lookup(StarsCharge(charge_id)) if charge_id else None
    if not isinstance(facts, ChargeFacts):
        return Move(state, note=turn.t("pay_refund_usage"))
    refund = RefundStars(facts.user_id, charge_id, turn.user_id, reason.strip() or "admin refund")
    return Move(state, effects=(AdminRefundStars(refund),))


def refund_needs(argument: str) -> list[StarsCharge]:
    charge_id = argument.strip().partition(" ")[0]
    return [StarsCharge(charge_id)] if charge_id else []


def settle_credit(turn: Turn, state: JourneyState, op: CreditStars, result: MoneyResult) -> Move:
    balance = turn.money(result.balance_after or 0)
    if result.outcome == "credited":
        note = turn.t("pay_stars_thanks", amount=turn.money(result.amount), balance=balance)
    else:
        note = turn.t("pay_stars_duplicate", balance=balance)
    return Move(state.at("b"), note=note)


def settle_refund(turn: Turn, state: JourneyState, op: RefundStars, result: MoneyResult) -> Move:
    """Telegram's own refunded_payment, told in the payer's chat."""
    balance = turn.money(result.balance_after or 0)
    return Move(state.at("b"), note=turn.t("pay_refunded_user", balance=balance))


def settle_admin_refund(
    turn: Turn, state: JourneyState, op: AdminRefundStars, result: MoneyResult
) -> Move:
    """An admin's refund: Telegram returned the Stars first, then the credit was taken back
    (or the balance no longer covered it); nothing happened when Telegram refused."""
    refund = op.refund
    if result.outcome in ("refunded", "not_covered"):
        key = "pay_refund_done" if result.outcome == "refunded" else "pay_refund_not_covered"
        return Move(state, note=turn.t(key, amount=turn.money(result.amount), user=refund.user_id))
    if result.outcome == "telegram_refused":
        return Move(state, note=turn.t("pay_refund_refused"))
    return Move(state, note=turn.t("pay_refund_already"))
