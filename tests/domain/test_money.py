"""The money area of the pure handler: signed invoices, the pre-checkout verdict, payments
turned into operations and answered from their results, promo answers, referral and welcome
bonuses for new users only, the free quota's reset time and admins' free generations."""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

import pytest

from tests.domain.support import (
    CHAT,
    NOW,
    Chat,
    callback_update,
    context,
    journey,
    message_update,
    text_update,
)
from tests.domain.test_wizard import at_settings
from trt_actors.domain.admin.facts import Denied
from trt_actors.domain.callbacks import encode
from trt_actors.domain.context import Context
from trt_actors.domain.effects import Operation, Outcome, StartGeneration
from trt_actors.domain.invoice import InvoiceClaim, read_invoice, sign_invoice
from trt_actors.domain.money_effects import (
    CreditStars,
    JoinWithReferral,
    MoneyResult,
    RedeemPromo,
    RefundStars,
    Standing,
    UserStanding,
    WelcomeBonus,
)
from trt_actors.domain.referral_code import referral_code, referrer_of
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.tenant_terms import TermError, parse_term
from trt_actors.domain.texts import LANGUAGES, text
from trt_actors.domain.updates import read

SECRET = b"s" * 32
TERMS = TenantSettings(stars_rate_kopecks=150, welcome_bonus_kopecks=5_000)


def money_context(**overrides: Any) -> Context:
    return context(**{"tenant_id": "default", "secret": SECRET, "settings": TERMS, **overrides})


def t(language: str, key: str, **values: object) -> str:
    return text(language, key, **values)


def payload(user: int = CHAT, stars: int = 100, at: datetime.datetime = NOW) -> str:
    return sign_invoice(SECRET, InvoiceClaim("default", user, stars, int(at.timestamp())))


def test_an_invoice_payload_is_refused_when_forged_altered_foreign_or_stale() -> None:
    good = payload()
    claim = read_invoice(SECRET, good, tenant_id="default", user_id=CHAT, now=NOW)
    assert claim == InvoiceClaim("default", CHAT, 100, int(NOW.timestamp()))
    altered = good.replace(":100:", ":1000:")
    stale = payload(at=NOW - datetime.timedelta(hours=25))
    for bad, user, tenant, secret in (
        (altered, CHAT, "default", SECRET),
        (good, CHAT + 1, "default", SECRET),  # issued to someone else
        (good, CHAT, "other", SECRET),  # another tenant
        (good, CHAT, "default", b"x" * 32),  # another bot's key
        (stale, CHAT, "default", SECRET),
        ("s1:default:4242:100:1:AAAA", CHAT, "default", SECRET),
        ("", CHAT, "default", SECRET),
    ):
        assert read_invoice(secret, bad, tenant_id=tenant, user_id=user, now=NOW) is None


def test_referral_codes_name_their_user_and_nothing_else() -> None:
    codes = {referral_code(SECRET, user) for user in range(1, 200)}
    assert len(codes) == 199
    assert all(referrer_of(SECRET, referral_code(SECRET, u)) == u for u in (1, 99, 2**40 + 7))
    code = referral_code(SECRET, 5)
    assert referrer_of(b"other" * 8, code) is None
    assert referrer_of(SECRET, code[:-1] + ("a" if code[-1] != "a" else "b")) is None
    assert str(5) not in code


def pre_checkout_update(
    invoice_payload: str, stars: int = 100, currency: str = "XTR"
) -> dict[str, Any]:
    query = {
        "id": "pcq-1",
        "from": {"id": CHAT, "is_bot": False, "first_name": "Ann", "language_code": "en"},
        "currency": currency,
        "total_amount": stars,
        "invoice_payload": invoice_payload,
    }
    return {"update_id": 9, "pre_checkout_query": query}


@pytest.mark.parametrize(
    ("update", "blocked", "ok"),
    [
        (pre_checkout_update(payload()), False, True),
        (pre_checkout_update(payload()), True, False),  # a blocked user
        (pre_checkout_update(payload(), stars=10), False, False),  # paying another amount
        (pre_checkout_update(payload(), currency="USD"), False, False),
        (pre_checkout_update(payload().replace(":100:", ":10:"), stars=10), False, False),
        (pre_checkout_update("garbage"), False, False),
    ],
)
def test_the_pre_checkout_verdict(update: dict[str, Any], blocked: bool, ok: bool) -> None:
    incoming = read(update)
    outcome = journey()({}, incoming, money_context(blocked=blocked))
    [call] = outcome.calls
    assert call.method == "answerPreCheckoutQuery" and call.params["ok"] is ok
    assert ok or call.params["error_message"]


def settle(
    outcome: Outcome, update: dict[str, Any], ctx: Context, *results: MoneyResult
) -> Outcome:
    return journey().settle(outcome, read(update), ctx, list(results))


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_package_press_sends_an_xtr_invoice_with_a_signed_payload(language: str) -> None:
    ctx = money_context()
    chat = Chat(language, ctx=ctx).started()
    outcome = chat.feed(callback_update(language, encode("ps", 250)))
    methods = [call.method for call in outcome.calls]
    assert methods == ["answerCallbackQuery", "sendInvoice", "editMessageText"]
    invoice = outcome.calls[1].params
    assert (invoice["currency"], invoice["provider_token"]) == ("XTR", "")
    assert invoice["prices"][0]["amount"] == 250
    claim = read_invoice(SECRET, invoice["payload"], tenant_id="default", user_id=CHAT, now=NOW)
    assert claim is not None and claim.stars == 250
    chat.feed(callback_update(language, encode("pc")))
    typed = chat.feed(text_update(language, "100000"))  # above the limit: no invoice
    assert [c.method for c in typed.calls] == ["sendMessage"]
    typed = chat.feed(text_update(language, "42"))
    assert (
        typed.calls[0].method == "sendInvoice"
        and typed.calls[0].params["prices"][0]["amount"] == 42
    )


def test_a_successful_payment_is_credited_by_operation_and_answered_from_its_result() -> None:
    ctx = money_context()
    paid = {"currency": "XTR", "total_amount": 100, "invoice_payload": payload(),
            "telegram_payment_charge_id": "ch-1", "provider_payment_charge_id": ""}  # fmt: skip
    update = message_update("en", successful_payment=paid)
    outcome = journey()({}, read(update), ctx)
    assert outcome.calls == [] and outcome.effects == [CreditStars(CHAT, "ch-1", 100, 15_000)]
    op = outcome.effects[0]
    assert isinstance(op, Operation)
    first = settle(outcome, update, ctx, MoneyResult(op, "credited", 15_000, 15_000))  # type: ignore[arg-type]
    assert "150 ₽ credited" in first.calls[0].params["text"]
    again = settle(outcome, update, ctx, MoneyResult(op, "duplicate", 0, 15_000))  # type: ignore[arg-type]
    assert t("en", "pay_stars_duplicate", balance="150 ₽") in again.calls[0].params["text"]
    refund = {"currency": "XTR", "total_amount": 100, "invoice_payload": payload(),
              "telegram_payment_charge_id": "ch-1"}  # fmt: skip
    refunded = journey()({}, read(message_update("en", refunded_payment=refund)), ctx)
    assert refunded.effects == [RefundStars(CHAT, "ch-1", None, "refunded_payment from Telegram")]


@pytest.mark.parametrize(
    ("outcome", "key"),
    [
        ("unknown", "pay_promo_unknown"),
        ("expired", "pay_promo_expired"),
        ("exhausted", "pay_promo_exhausted"),
        ("inactive", "pay_promo_inactive"),
        ("already_redeemed", "pay_promo_already"),
    ],
)
def test_every_promo_refusal_has_its_answer(outcome: str, key: str) -> None:
    ctx = money_context()
    update = text_update("en", "/promo spring")
    handled = journey()({}, read(update), ctx)
    assert handled.effects == [RedeemPromo(CHAT, "spring")]
    op = handled.effects[0]
    answered = settle(handled, update, ctx, MoneyResult(op, outcome))  # type: ignore[arg-type]
    assert answered.calls[0].params["text"].startswith(t("en", key))


def test_start_bonuses_only_for_a_user_storage_does_not_know() -> None:
    code = referral_code(SECRET, 77)
    update = text_update("en", f"/start ref_{code}")
    incoming = read(update)
    assert UserStanding(CHAT) in journey().lookups({}, incoming)
    returning = {"screen": "m", "last_update_id": 5}  # a state saved before: a known user
    assert UserStanding(CHAT) not in journey().lookups(returning, incoming)
    assert journey()(returning, incoming, money_context()).effects == []
    new = money_context(found={UserStanding(CHAT): Standing(known=False)})
    effects = journey()({}, incoming, new).effects
    assert effects == [JoinWithReferral(CHAT, 77, 10, True), WelcomeBonus(CHAT, 5_000, True)]
    known = money_context(found={UserStanding(CHAT): Standing(known=True)})
    assert journey()({}, incoming, known).effects == []
    own = text_update("en", f"/start ref_{referral_code(SECRET, CHAT)}")
    assert journey()({}, read(own), new).effects == [WelcomeBonus(CHAT, 5_000, True)]
    forged = text_update("en", f"/start ref_{CHAT}")  # a raw id is not a code
    assert journey()({}, read(forged), new).effects == [WelcomeBonus(CHAT, 5_000, True)]
    old = text_update("en", "/start ref_77")  # the old bot's link: honoured for its users only
    assert journey()({}, read(old), new).effects == [
        JoinWithReferral(CHAT, 77, 10, True, old_link=True),
        WelcomeBonus(CHAT, 5_000, True),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sixth_free_generation_is_refused_with_the_reset_time(language: str) -> None:
    late = datetime.datetime(2026, 12, 1, 18, 30, tzinfo=datetime.UTC)  # 21:30 in Moscow
    chat = at_settings("z-image", language, free_left_today=0, balance_kopecks=0, now=late)
    chat.tap(t(language, "btn_continue"))
    reset = t(language, "pay_free_used_up", per_day=5, at="00:00", zone="Europe/Moscow",
              hours=2, minutes=30)  # fmt: skip
    assert reset in chat.text
    assert encode("u") in chat.buttons().values()  # Top-up instead of Confirm
    assert not any(d.startswith("v1|ok|") for d in chat.buttons().values())
    chat = at_settings("z-image", language, free_left_today=0, free_bonus_left=1, balance_kopecks=0)
    chat.tap(t(language, "btn_continue"))
    assert t(language, "confirm_free", left=0) in chat.text  # a referral bonus covers it


@pytest.mark.parametrize("language", LANGUAGES)
def test_admins_generate_free_and_the_confirmation_says_so(language: str) -> None:
    chat = at_settings("runway-t2v", language, is_admin=True, balance_kopecks=0, free_left_today=0)
    chat.tap(t(language, "btn_continue"))
    assert (
        t(language, "pay_confirm_admin_free", price="9,60 ₽" if language == "ru" else "9.60 ₽")
        in chat.text
    )
    chat.tap(t(language, "btn_confirm_free"))
    effect = chat.effects[-1]
    assert isinstance(effect, StartGeneration) and effect.free


def test_a_non_admin_cannot_approve_and_admins_are_notified_of_a_transfer() -> None:
    terms = replace(TERMS, bank_requisites="SBP 123", admins=(1, 2))
    ctx = money_context(settings=terms)
    chat = Chat("en", ctx=ctx).started()
    outcome = chat.feed(callback_update("en", encode("pa", 5)))
    assert outcome.effects == [Denied(CHAT, "pa|5", by_command=False)]  # like any admin button
    chat.feed(callback_update("en", encode("pb")))
    chat.feed(text_update("en", "1 500"))
    assert "SBP 123" in chat.text
    update = message_update(
        "en", photo=[{"file_id": "shot", "file_unique_id": "u", "width": 9, "height": 9}]
    )
    handled = chat.feed(update)
    [submit] = handled.effects
    result = MoneyResult(submit, "submitted", 150_000, user_id=CHAT, payment_id=8, proof="shot")  # type: ignore[arg-type]
    answered = settle(handled, update, ctx, result)
    photos = [c for c in answered.calls if c.method == "sendPhoto"]
    assert sorted(c.params["chat_id"] for c in photos) == [1, 2]
    assert all(c.params["photo"] == "shot" for c in photos)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_limited_admin_generates_free_within_the_allowance_then_pays(language: str) -> None:
    price = "9,60 ₽" if language == "ru" else "9.60 ₽"
    chat = at_settings(
        "runway-t2v", language, is_admin=True, allowance_left=1_000, balance_kopecks=0
    )
    chat.tap(t(language, "btn_continue"))
    left = "0,40 ₽" if language == "ru" else "0.40 ₽"
    assert t(language, "pay_confirm_allowance", price=price, left=left) in chat.text
    chat.tap(t(language, "btn_confirm_free"))
    effect = chat.effects[-1]
    assert isinstance(effect, StartGeneration) and effect.free and effect.allowance
    assert effect.price_kopecks == 960  # recorded at its price: the allowance spent

    spent = at_settings(
        "runway-t2v", language, is_admin=True, allowance_left=500, balance_kopecks=0
    )
    spent.tap(t(language, "btn_continue"))
    assert t(language, "pay_confirm_allowance", price=price, left=left) not in spent.text
    assert encode("u") in spent.buttons().values()  # past the allowance: top up and pay
    assert not any(d.startswith("v1|ok|") for d in spent.buttons().values())


def test_admin_allowances_read_from_text_pairs_and_mappings() -> None:
    assert parse_term("admin_allowances", "12345:50000, 678:100") == ((678, 100), (12345, 50000))
    assert parse_term("admin_allowances", {"12345": 7}) == ((12345, 7),)
    with pytest.raises(TermError):
        parse_term("admin_allowances", "12345")
    terms = TenantSettings(admins=(12345,), admin_allowances=((12345, 7),))
    assert terms.allowance_of(12345) == 7 and terms.allowance_of(1) is None


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_limited_admins_balance_shows_the_allowance_left_not_free_generations(
    language: str,
) -> None:
    limited = Chat(language, ctx=context(is_admin=True, allowance_left=12_345)).started()
    limited.press(encode("b"))
    assert (
        t(language, "pay_balance_allowance", left="123,45 ₽" if language == "ru" else "123.45 ₽")
        in limited.text
    )
    assert t(language, "pay_balance_admin") not in limited.text
    admin = Chat(language, ctx=context(is_admin=True)).started()
    admin.press(encode("b"))
    assert t(language, "pay_balance_admin") in admin.text
