"""The money area's lookups and operations (see `domain.money_effects`)."""

from __future__ import annotations

import structlog
import trio

from trt_actors.domain.effects import Operation
from trt_actors.domain.money_effects import (
    AdminRefundStars,
    ChargeFacts,
    CreatePromo,
    CreditStars,
    JoinWithReferral,
    MoneyFacts,
    MoneyOutcome,
    MoneyResult,
    MoneySummary,
    Movement,
    PendingTransfers,
    RedeemPromo,
    ReferralFacts,
    ReferralStats,
    RefundStars,
    ReviewTransfer,
    Standing,
    StarsCharge,
    SubmitTransfer,
    TransferView,
    UserStanding,
    WelcomeBonus,
)
from trt_actors.money import perform
from trt_actors.money.perform import REFERRAL_REASON
from trt_actors.storage import Currency, PaymentMethod, PaymentStatus, Tx
from trt_actors.telegram.errors import TelegramError

from .performers import AreaPerformers, Services, Site

PERFORMERS = AreaPerformers("money")

MOVEMENTS_SHOWN = 5
STORE_DEADLINE = 5.0
REFUND_DEADLINE = 5.0  # the live operation itself is bounded by the session's probe deadline
log = structlog.get_logger(__name__)


def _perform(tx: Tx, operation: object, site: Site) -> MoneyResult:
    return perform(tx, operation)  # type: ignore[arg-type]


MONEY_OPERATIONS: tuple[type[Operation], ...] = (
    CreditStars,
    RefundStars,
    SubmitTransfer,
    ReviewTransfer,
    RedeemPromo,
    CreatePromo,
    JoinWithReferral,
    WelcomeBonus,
)
for _kind in MONEY_OPERATIONS:
    PERFORMERS.performs(_kind)(_perform)


@PERFORMERS.reads(MoneySummary)
def _money_summary(tx: Tx, lookup: MoneySummary, site: Site) -> MoneyFacts:
    account = tx.ledger.account(lookup.user_id, Currency.RUB)
    entries = tx.ledger.entries(lookup.user_id, currency=Currency.RUB, limit=MOVEMENTS_SHOWN)
    movements = tuple(
        Movement(str(e.kind), e.amount if e.amount else -e.held_delta, e.created_at)
        for e in entries
    )
    return MoneyFacts(account.balance, account.held, tx.free_bonus.left(lookup.user_id), movements)


@PERFORMERS.reads(UserStanding)
def _user_standing(tx: Tx, lookup: UserStanding, site: Site) -> Standing:
    user = tx.users.find(lookup.user_id)
    return Standing(known=user is not None, blocked=user is not None and user.is_blocked)


@PERFORMERS.reads(ReferralStats)
def _referral_stats(tx: Tx, lookup: ReferralStats, site: Site) -> ReferralFacts:
    return ReferralFacts(
        invited=tx.referrals.count_for(lookup.user_id),
        activated=tx.referrals.rewarded_for(lookup.user_id),
        bonus_earned=tx.free_bonus.granted(lookup.user_id, reason=REFERRAL_REASON),
    )


@PERFORMERS.reads(StarsCharge)
def _stars_charge(tx: Tx, lookup: StarsCharge, site: Site) -> ChargeFacts | None:
    payment = tx.payments.find_external(PaymentMethod.STARS, lookup.charge_id)
    if payment is None:
        return None
    return ChargeFacts(payment.user_id, payment.amount, str(payment.status), payment.id)


@PERFORMERS.reads(PendingTransfers)
def _pending_transfers(tx: Tx, lookup: PendingTransfers, site: Site) -> tuple[TransferView, ...]:
    pending = tx.payments.by_status(PaymentStatus.PENDING, limit=lookup.limit)
    return tuple(
        TransferView(p.id, p.user_id, p.amount, p.created_at, p.proof)
        for p in pending
        if p.method is PaymentMethod.BANK_TRANSFER
    )


@PERFORMERS.performs_live(AdminRefundStars)
async def _admin_refund(services: Services, op: AdminRefundStars, site: Site) -> MoneyResult:
    """Telegram first: the Stars go back to the payer, and only then is the credit taken back
    (in one transaction with the payment's mark). Telegram answering that the charge was
    refunded already (a retry after a crash) counts as done; any other refusal changes
    nothing here."""
    refund = op.refund

    def charge(tx: Tx) -> bool:
        paid = tx.payments.find_external(PaymentMethod.STARS, refund.charge_id)
        return paid is not None and paid.status is PaymentStatus.REFUNDED

    async def book() -> MoneyResult:
        with trio.fail_after(STORE_DEADLINE):
            result: MoneyResult = await services.store.run(
                site.tenant, lambda tx: perform(tx, refund)
            )
        return result

    with trio.fail_after(STORE_DEADLINE):
        if await services.store.read(site.tenant, charge):
            return await book()
    params = {"user_id": refund.user_id, "telegram_payment_charge_id": refund.charge_id}
    try:
        await services.outbound.call("refundStarPayment", params, timeout=REFUND_DEADLINE)
    except TelegramError as exc:
        if "REFUNDED" not in str(exc).upper():
            log.warning("money.refund_refused", charge=refund.charge_id, error=str(exc))
            return MoneyResult(refund, MoneyOutcome.TELEGRAM_REFUSED)
    return await book()
