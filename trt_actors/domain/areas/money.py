"""The money area: the balance, top-ups (Telegram Stars, bank transfers reviewed by an
admin), promo codes, referrals, refunds — its screens, presses, commands, lookups, settlers,
and the messages it takes (payments, typed amounts and codes, screenshots).

Callback codes: the account screens `b` (balance), `u` (top-up), `r` (referral) and the `p…`
codes below.

| code | kind | does |
|---|---|---|
| `ps\\|<stars>` | action | send an invoice for a Stars package |
| `pc` | screen | ask for a custom number of Stars (typed) |
| `pb` | screen | bank transfer: ask for the amount in roubles (typed) |
| `pt\\|<kopecks>` | screen | bank transfer: the requisites; the screenshot is expected here |
| `pp` | screen | ask for a promo code (typed) |
| `pq` | screen | payment support (`/paysupport`) |
| `pa\\|<payment>` / `pr\\|<payment>` | action | admin: approve / reject (others: denied) |
| `pj\\|<payment>` | screen | admin: type the reason of a rejection |
| `pl` | screen | admin: the transfers waiting for review (`/transfers`) |
"""

from __future__ import annotations

from .. import payments, promos, transfers
from ..admin.actions import command as admin_command
from ..admin.actions import guarded
from ..area import Area, Command, acts, shows
from ..callbacks import Press, parse_path
from ..money_effects import (
    AdminRefundStars,
    CreatePromo,
    CreditStars,
    MoneySummary,
    PendingTransfers,
    RedeemPromo,
    ReferralStats,
    RefundStars,
    ReviewTransfer,
    StarsCharge,
    SubmitTransfer,
)
from ..moves import Move
from ..payments import StarsArgs
from ..screens import account
from ..state import JourneyState
from ..transfers import AmountArgs, PaymentArgs
from ..turn import Turn
from ..updates import Incoming, Kind
from .menus import go


def money_message(turn: Turn, state: JourneyState, incoming: Incoming) -> Move | None:
    """A message the money area takes: a payment, or input typed / sent on one of its
    screens. None when it is not for this area."""
    if incoming.kind is Kind.PAYMENT:
        return payments.payment_move(turn, state, incoming)
    shown = parse_path(state.screen) or Press("m")
    typed = incoming.text if incoming.kind is Kind.TEXT else None
    if shown.code == "pc" and typed is not None:
        return payments.custom_amount(turn, state, typed)
    if shown.code == "pb" and typed is not None:
        return transfers.typed_amount(turn, state, typed)
    if shown.code == "pp" and typed is not None:
        return promos.redeem(turn, state, typed)
    review = PaymentArgs.parse(shown)
    if shown.code == "pj" and typed is not None and review is not None:
        return transfers.typed_reason(turn, state, review.payment_id, typed)
    if shown.code == "pt" and incoming.kind in (Kind.MEDIA, Kind.TEXT):
        amount = AmountArgs.parse(shown)
        return transfers.screenshot(turn, state, incoming, amount.kopecks if amount else 0)
    return None


AREA = Area(
    "money",
    screens={
        "b": lambda turn, state, press: account.balance(turn, state),
        "u": lambda turn, state, press: account.topup(turn, state),
        "r": lambda turn, state, press: account.referral(turn, state),
        "pc": lambda turn, state, press: payments.custom_screen(turn, state),
        "pb": lambda turn, state, press: transfers.amount_screen(turn, state),
        "pt": shows(
            AmountArgs,
            lambda turn, state, args: transfers.requisites_screen(turn, state, args.kopecks),
        ),
        "pp": lambda turn, state, press: promos.promo_screen(turn, state),
        "pq": lambda turn, state, press: account.pay_support(turn, state),
        "pj": shows(
            PaymentArgs,
            lambda turn, state, args: transfers.reason_screen(turn, state, args.payment_id),
        ),
        "pl": lambda turn, state, press: transfers.queue_screen(turn, state),
    },
    # Approve / Reject: a non-admin's press is denied like any admin's
    actions={
        "ps": acts(StarsArgs, payments.buy_package),
        "pa": guarded(acts(PaymentArgs, transfers.approve)),
        "pr": guarded(acts(PaymentArgs, transfers.reject)),
        "pl": guarded(lambda turn, state, press: transfers.open_queue(turn, state)),
    },
    commands=(
        Command("balance", go("b")),
        Command("paysupport", go("pq")),
        Command("promo", promos.promo_command),
        Command("topup", go("u"), listed=False),
        # admins' commands: anyone else gets the unknown-command answer (and an audit entry)
        Command("newpromo", admin_command(promos.new_promo_command), listed=False),
        Command("refund", admin_command(payments.refund_command), listed=False),
        Command(
            "transfers",
            admin_command(lambda turn, state, argument: transfers.open_queue(turn, state)),
            listed=False,
        ),
    ),
    messages=money_message,
    command_needs={
        "refund": payments.refund_needs,
        "transfers": lambda argument: [PendingTransfers()],
    },
    press_needs={"pl": lambda press: [PendingTransfers()]},
    screen_needs={"pl": lambda press: [PendingTransfers()]},
    user_needs={
        "screen:b": lambda user: [MoneySummary(user)],
        "screen:r": lambda user: [ReferralStats(user)],
    },
    settlers={
        CreditStars: payments.settle_credit,
        RefundStars: payments.settle_refund,
        AdminRefundStars: payments.settle_admin_refund,
        SubmitTransfer: transfers.settle_submit,
        ReviewTransfer: transfers.settle_review,
        RedeemPromo: promos.settle_redeem,
        CreatePromo: promos.settle_create,
    },
    lookups=(MoneySummary, ReferralStats, StarsCharge, PendingTransfers),
)
