"""Promo codes, welcome and referral bonuses: the journey's side.

- `/promo CODE` (or the Promo code button, then the code typed on `pp`) is `RedeemPromo`;
  every refusal has its own answer (unknown, expired, used up, switched off, already used).
- `/newpromo CODE AMOUNT_RUB [USES] [DAYS]` (admins) is `CreatePromo` — the minimal way to
  make codes until the admin panel comes.
- How the welcome and referral bonuses are answered (`settle_welcome`, `settle_referral`);
  `/start` asks for them (`areas.welcome.start_with_bonuses`: a ``ref_<code>`` deep link of
  another user, or a link of the old bot, ``ref_<id>``, whose referrer came over with
  `trt import`).
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from .callbacks import encode
from .effects import BotCall
from .money_effects import (
    CreatePromo,
    JoinWithReferral,
    MoneyResult,
    RedeemPromo,
    WelcomeBonus,
)
from .moves import Move
from .state import JourneyState
from .turn import Turn
from .view import Button, Screen

PROMO = "pp"
CODE_LIMIT = 32
FREE_AMOUNT = re.compile(r"(\d{1,4})(?:free|gen)", re.IGNORECASE)  # "/newpromo CODE 5free"


def promo_screen(turn: Turn, state: JourneyState) -> Screen:
    return Screen(turn.t("pay_promo_ask"), ((Button(turn.t("btn_back"), encode("u")),),))


def redeem(turn: Turn, state: JourneyState, code: str) -> Move:
    code = code.strip().split(" ", 1)[0]
    if not code:
        return Move(state.at(PROMO))
    if len(code) > CODE_LIMIT:
        return Move(state.at(PROMO), note=turn.t("pay_promo_unknown"))
    return Move(state.at("b"), effects=(RedeemPromo(turn.user_id, code),))


def promo_command(turn: Turn, state: JourneyState, argument: str) -> Move:
    return redeem(turn, state, argument)


def new_promo_command(turn: Turn, state: JourneyState, argument: str) -> Move:
    """`/newpromo CODE AMOUNT_RUB [USES] [DAYS]`, admins only."""
    if not turn.context.is_admin:
        return Move(state, note=turn.t("pay_admin_only"))
    parts = argument.split()
    free = FREE_AMOUNT.fullmatch(parts[1]) if len(parts) > 1 else None
    try:
        code = parts[0]
        generations = int(free.group(1)) if free else 0
        kopecks = generations if free else int(Decimal(parts[1].replace(",", ".")) * 100)
        uses = int(parts[2]) if len(parts) > 2 and parts[2] != "-" else None
        days = int(parts[3]) if len(parts) > 3 else None
    except (IndexError, ValueError, InvalidOperation):
        return Move(state, note=turn.t("pay_newpromo_usage"))
    if len(code) > CODE_LIMIT or kopecks <= 0 or (uses is not None and uses <= 0):
        return Move(state, note=turn.t("pay_newpromo_usage"))
    expires = None
    if days is not None:
        expires = int((turn.context.now + datetime.timedelta(days=days)).timestamp() * 1000)
    op = CreatePromo(turn.user_id, code, kopecks, uses, expires, True, generations)
    return Move(state, effects=(op,))


_PROMO_ANSWERS = {
    "unknown": "pay_promo_unknown",
    "expired": "pay_promo_expired",
    "exhausted": "pay_promo_exhausted",
    "inactive": "pay_promo_inactive",
    "already_redeemed": "pay_promo_already",
}


def settle_redeem(turn: Turn, state: JourneyState, op: RedeemPromo, result: MoneyResult) -> Move:
    if result.outcome == "redeemed_free":
        return Move(state.at("b"), note=turn.t("pay_promo_redeemed_free", n=result.amount))
    if result.outcome == "redeemed":
        note = turn.t("pay_promo_redeemed", amount=turn.money(result.amount),
                      balance=turn.money(result.balance_after or 0))  # fmt: skip
        return Move(state.at("b"), note=note)
    return Move(
        state.at(PROMO), note=turn.t(_PROMO_ANSWERS.get(result.outcome, "pay_promo_unknown"))
    )


def settle_create(turn: Turn, state: JourneyState, op: CreatePromo, result: MoneyResult) -> Move:
    if result.outcome == "created" and op.free_generations:
        uses = str(op.max_uses) if op.max_uses is not None else "∞"
        note = turn.t("pay_newpromo_done_free", code=op.code.upper(), n=op.free_generations,
                      uses=uses)  # fmt: skip
    elif result.outcome == "created":
        uses = str(op.max_uses) if op.max_uses is not None else "∞"
        note = turn.t("pay_newpromo_done", code=op.code.upper(), amount=turn.money(op.kopecks),
                      uses=uses)  # fmt: skip
    elif result.outcome == "exists":
        note = turn.t("pay_newpromo_exists", code=op.code.upper())
    else:
        note = turn.t("pay_admin_only")
    return Move(state, note=note)


def settle_referral(
    turn: Turn, state: JourneyState, op: JoinWithReferral, result: MoneyResult
) -> Move:
    if result.outcome != "granted":
        return Move(state)
    told = turn.t("pay_referral_friend_joined", n=op.bonus_free)
    call = BotCall("sendMessage", {"chat_id": op.referrer_id, "text": told})
    return Move(state, note=turn.t("pay_referral_welcome", n=op.bonus_free), calls=(call,))


def settle_welcome(turn: Turn, state: JourneyState, op: WelcomeBonus, result: MoneyResult) -> Move:
    if result.outcome != "granted":
        return Move(state)
    return Move(state, note=turn.t("pay_welcome_bonus", amount=turn.money(op.kopecks)))
