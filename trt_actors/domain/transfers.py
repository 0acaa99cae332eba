"""Bank transfer (SBP) top-ups, reviewed by an admin — on when the tenant has requisites.

The user picks an amount (`pb`, typed in roubles), sees the requisites (`pt|<kopecks>`) and
sends a screenshot: `SubmitTransfer` puts it in the review queue and every admin gets the
photo with Approve / Reject. Approve (`pa|<payment>`) is `ReviewTransfer`, credited once by
payment id however often it is pressed; Reject (`pr|<payment>`) asks the admin for a reason
(`pj|<payment>`), then rejects with it. The user is told either way. Nothing is ever credited
from an image by itself. A non-admin's press is refused (and the performer logs it).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .callbacks import Args, encode
from .effects import BotCall
from .money_effects import (
    MoneyResult,
    PendingTransfers,
    ReviewTransfer,
    SubmitTransfer,
    TransferView,
    proof_file,
    stored_proof,
)
from .moves import Move
from .state import MENU, JourneyState
from .turn import Turn
from .updates import Incoming
from .view import Button, Screen

AMOUNT = "pb"
REQUISITES = "pt"
REASON = "pj"
QUEUE = "pl"
QUEUE_SHOWN = 10  # screenshots sent with the queue at once
MIN_KOPECKS = 100 * 100  # 100 ₽
MAX_KOPECKS = 1_000_000 * 100


def enabled(turn: Turn) -> bool:
    return bool(turn.context.settings.bank_requisites)


def amount_screen(turn: Turn, state: JourneyState) -> Screen | None:
    if not enabled(turn):
        return None
    body = turn.t("pay_transfer_ask", low=turn.money(MIN_KOPECKS), high=turn.money(MAX_KOPECKS))
    return Screen(body, ((Button(turn.t("btn_back"), encode("u")),),))


def requisites_screen(turn: Turn, state: JourneyState, kopecks: int) -> Screen | None:
    if not enabled(turn) or not MIN_KOPECKS <= kopecks <= MAX_KOPECKS:
        return None
    body = turn.t(
        "pay_transfer_requisites",
        amount=turn.money(kopecks),
        requisites=turn.context.settings.bank_requisites or "",
    )
    return Screen(body, ((Button(turn.t("btn_back"), encode(AMOUNT)),),))


def reason_screen(turn: Turn, state: JourneyState, payment_id: int) -> Screen | None:
    if not turn.context.is_admin:
        return None
    return Screen(turn.t("pay_reject_ask", payment=payment_id), ())


def _pending(turn: Turn) -> tuple[TransferView, ...]:
    found = turn.context.lookup(PendingTransfers())
    return tuple(item for item in found or () if isinstance(item, TransferView))


def open_queue(turn: Turn, state: JourneyState) -> Move:
    """Admins: the queue, and each waiting transfer's screenshot with Approve / Reject under
    it (the first `QUEUE_SHOWN`; the list names the rest)."""
    calls = tuple(
        review_call(
            turn,
            turn.chat_id,
            item.payment_id,
            item.proof,
            turn.t(
                "pay_queue_item",
                payment=item.payment_id,
                amount=turn.money(item.kopecks),
                user=item.user_id,
            ),
        )
        for item in _pending(turn)[:QUEUE_SHOWN]
        if item.proof and turn.chat_id is not None
    )
    return Move(state.at(QUEUE), calls=calls)


def queue_screen(turn: Turn, state: JourneyState) -> Screen | None:
    """Admins: the transfers waiting for review (`/transfers`); a transfer whose screenshot
    is not shown above the list (none stored, or past the first `QUEUE_SHOWN`) has its
    Approve / Reject here."""
    if not turn.context.is_admin:
        return None
    pending = _pending(turn)
    rows: list[tuple[Button, ...]] = []
    lines = [turn.t("pay_queue_title", n=len(pending))]
    for index, item in enumerate(pending):
        lines.append(
            turn.t(
                "pay_queue_line",
                payment=item.payment_id,
                amount=turn.money(item.kopecks),
                user=item.user_id,
            )
        )
        if item.proof and index < QUEUE_SHOWN:
            continue  # its screenshot came with its buttons
        rows.append(
            (
                Button(f"✅ #{item.payment_id}", encode("pa", item.payment_id)),
                Button(f"❌ #{item.payment_id}", encode("pr", item.payment_id)),
            )
        )
    rows.append((Button(turn.t("btn_menu"), encode(MENU)),))
    return Screen("\n".join(lines), tuple(rows))


def typed_amount(turn: Turn, state: JourneyState, typed: str) -> Move:
    """Roubles typed on `pb` ("1500", "1 500,50")."""
    cleaned = typed.strip().replace(" ", "").replace("\u202f", "").replace(",", ".")
    try:
        kopecks = int(Decimal(cleaned) * 100)
    except InvalidOperation:
        kopecks = 0
    if not MIN_KOPECKS <= kopecks <= MAX_KOPECKS or not enabled(turn):
        low, high = turn.money(MIN_KOPECKS), turn.money(MAX_KOPECKS)
        return Move(state.at(AMOUNT), note=turn.t("pay_transfer_invalid", low=low, high=high))
    return Move(state.at(f"{REQUISITES}|{kopecks}"))


def screenshot(turn: Turn, state: JourneyState, incoming: Incoming, kopecks: int) -> Move:
    """A photo (or image file) sent on the requisites screen: the transfer to review."""
    message = (incoming.raw or {}).get("message") or {}
    photos = message.get("photo")
    document = message.get("document") or {}
    proof = None
    if isinstance(photos, list) and photos and isinstance(photos[-1], dict):
        file_id = photos[-1].get("file_id")
        proof = stored_proof("photo", file_id) if isinstance(file_id, str) else None
    elif str(document.get("mime_type", "")).startswith("image/"):
        file_id = document.get("file_id")
        proof = stored_proof("document", file_id) if isinstance(file_id, str) else None
    if proof is None or not enabled(turn):
        return Move(state, note=turn.t("pay_transfer_need_photo"))
    reference = f"msg:{incoming.chat_id}:{incoming.message_id}"
    return Move(state, effects=(SubmitTransfer(turn.user_id, kopecks, proof, reference),))


def review_call(turn: Turn, chat_id: int, payment_id: int, proof: str, caption: str) -> BotCall:
    """The screenshot of transfer `payment_id` to an admin, with Approve / Reject under it —
    sent with the method that takes it (a photo, or an image sent as a file)."""
    kind, file_id = proof_file(proof)
    markup = {
        "inline_keyboard": [
            [
                {"text": turn.t("pay_btn_approve"), "callback_data": encode("pa", payment_id)},
                {"text": turn.t("pay_btn_reject"), "callback_data": encode("pr", payment_id)},
            ]
        ]
    }
    method = "sendPhoto" if kind == "photo" else "sendDocument"
    params = {"chat_id": chat_id, kind: file_id, "caption": caption, "reply_markup": markup}
    return BotCall(method, params)


@dataclass(frozen=True, slots=True)
class PaymentArgs(Args):
    """`pa|<payment>`, `pr|<payment>`, `pj|<payment>`: a bank transfer under review."""

    payment_id: int


@dataclass(frozen=True, slots=True)
class AmountArgs(Args):
    """`pt|<kopecks>`: the amount of a bank transfer the user is about to make."""

    kopecks: int


def approve(turn: Turn, state: JourneyState, args: PaymentArgs) -> Move | None:
    payment_id = args.payment_id
    review = ReviewTransfer(payment_id, turn.user_id, True, turn.context.is_admin)
    return Move(state, effects=(review,))


def reject(turn: Turn, state: JourneyState, args: PaymentArgs) -> Move | None:
    payment_id = args.payment_id
    if not turn.context.is_admin:  # refused and logged by the performer
        return Move(state, effects=(ReviewTransfer(payment_id, turn.user_id, False, False),))
    return Move(state.at(f"{REASON}|{payment_id}"))


def typed_reason(turn: Turn, state: JourneyState, payment_id: int, typed: str) -> Move:
    review = ReviewTransfer(payment_id, turn.user_id, False, turn.context.is_admin, typed[:300])
    return Move(state.at(MENU), effects=(review,))


def settle_submit(turn: Turn, state: JourneyState, op: SubmitTransfer, result: MoneyResult) -> Move:
    if result.outcome != "submitted" or result.payment_id is None:
        return Move(state.at(MENU), note=turn.t("pay_transfer_already"))
    pid = result.payment_id
    caption = turn.t(
        "pay_transfer_review",
        payment=pid,
        user=op.user_id,
        name=turn.name,
        amount=turn.money(op.kopecks),
    )
    notices = tuple(review_call(turn, admin, pid, op.proof, caption) for admin in _admins(turn))
    note = turn.t("pay_transfer_submitted", amount=turn.money(op.kopecks), payment=pid)
    return Move(state.at(MENU), note=note, calls=notices)


def settle_review(turn: Turn, state: JourneyState, op: ReviewTransfer, result: MoneyResult) -> Move:
    if result.outcome == "not_admin":
        note = turn.t("pay_admin_only")
        return Move(state, note=note, toast=note)
    if result.outcome == "not_found":
        return Move(state, note=turn.t("pay_transfer_not_found"))
    if result.outcome == "already_reviewed":
        note = turn.t("pay_transfer_reviewed_before", payment=op.payment_id)
        return Move(state, note=note, toast=note)
    amount = turn.money(result.amount)
    if result.outcome == "approved":
        told = turn.t("pay_transfer_approved_user", amount=amount,
                      balance=turn.money(result.balance_after or 0))  # fmt: skip
        note = turn.t("pay_transfer_approved_admin", payment=op.payment_id, amount=amount)
    else:
        told = turn.t("pay_transfer_rejected_user", amount=amount, reason=op.reason or "—")
        note = turn.t("pay_transfer_rejected_admin", payment=op.payment_id)
    calls: tuple[BotCall, ...] = ()
    if result.user_id is not None:
        calls = (BotCall("sendMessage", {"chat_id": result.user_id, "text": told}),)
    return Move(state, note=note, toast=note, calls=calls)


def _admins(turn: Turn) -> list[int]:
    terms = turn.context.settings
    admins = list(terms.admins)
    if terms.main_admin is not None and terms.main_admin not in admins:
        admins.append(terms.main_admin)
    return admins
