"""Reading the old bot's documents into records: every shape of the reference, every trap."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from trt_actors.catalog import load_catalog
from trt_actors.importer import Extract, PartnerData, decode_document, extract
from trt_actors.importer._models import model_ids
from trt_actors.storage import Currency, PaymentMethod, PaymentStatus

from .old_bot import (
    ADMIN,
    ANN,
    BOB,
    CID,
    DAN,
    EVE,
    FAY,
    KEPT_KOPECKS,
    REFERRAL_ROWS,
    STARS_CHARGE,
    STRANGER,
    TODAY,
    UNREADABLE,
    partner_01,
    partner_02,
)


def data(partner: str, documents: Mapping[str, Any], rows: list[Any] | None = None) -> PartnerData:
    files = {name: decode_document(name, doc) for name, doc in documents.items()}
    referral_rows = tuple(r for r in rows or [] if r["partner_id"] == partner)
    return PartnerData(partner, files, referral_rows)


def partner_one(today: datetime.date = TODAY) -> Extract:
    return extract(data("partner-01", partner_01(today), REFERRAL_ROWS), today)


def test_users_from_every_file_with_string_keys_and_int_fields() -> None:
    found = partner_one()
    assert sorted(found.users) == sorted([ANN, BOB, CID, DAN, EVE, FAY, ADMIN])
    assert STRANGER not in found.users  # named only by a referral that does not come over
    ann, bob, cid, eve = (found.users[u] for u in (ANN, BOB, CID, EVE))
    assert (ann.first_name, ann.username, ann.last_name, ann.language) == (
        "Ann", "ann_old", None, "en",
    )  # fmt: skip
    assert (bob.first_name, bob.username, bob.last_name, bob.language) == ("Bob", None, "B", "ru")
    assert cid.blocked and not ann.blocked
    assert eve.language is None  # "de" is not a language here: reported, the user comes over
    skipped = {(s.kind, s.key): s.reason for s in found.findings.skipped}
    assert skipped[("language", str(EVE))] == "'de' is not ru or en"
    assert skipped[("balance", "user_balances.json: 'abc'")] == "not a Telegram user id"


def test_balances_by_the_rule_with_the_originals_of_what_is_no_amount() -> None:
    found = partner_one()
    kept = {uid: user.balance.kopecks for uid, user in found.users.items() if user.balance}
    assert kept == KEPT_KOPECKS
    in_source, total = found.balance_totals()
    assert in_source == Decimal("210.79500000000000004")
    assert total == sum(KEPT_KOPECKS.values()) == 21079
    adjusted = {(a.kind, a.key): (a.original, a.reason) for a in found.findings.adjustments}
    assert adjusted[("balance", str(BOB))] == ("48.125", "rounded")
    assert adjusted[("balance", str(CID))] == ("-5.0", "negative")
    assert adjusted[("balance", str(DAN))] == ("NaN", "not a number")
    assert adjusted[("balance", str(EVE))] == ("0.30000000000000004", "rounded")
    assert ("balance", str(ANN)) not in adjusted


def test_the_three_payment_shapes() -> None:
    found = partner_one()
    payments = {p.key: p for p in found.payments}
    transfer, top_up = payments["1"], payments["2"]
    assert (transfer.method, transfer.amount, transfer.currency) == (
        PaymentMethod.BANK_TRANSFER, 10000, Currency.RUB,
    )  # fmt: skip
    assert transfer.proof == "AgACAgIAAxkBAAIBold" and transfer.created_at == 1768900000120
    assert (top_up.amount, top_up.proof, top_up.note) == (5050, None, "top-up by an admin")
    assert top_up.status is PaymentStatus.APPROVED and top_up.credited == 5050
    stars = payments[f"stars_{ANN}_1768950000"]
    assert (stars.method, stars.amount, stars.currency) == (
        PaymentMethod.STARS, 77, Currency.XTR,
    )  # fmt: skip
    assert stars.external_id == STARS_CHARGE and stars.credited == 4812  # 48.125 ₽ credited
    no_charge = payments[f"stars_{FAY}_1768950100"]
    assert no_charge.external_id == f"trt:partner-01:stars_{FAY}_1768950100"
    skipped = {s.key: s.reason for s in found.findings.skipped if s.kind == "payment"}
    assert skipped["5d0c7e7e-0000-4000-8000-000000000001"].startswith("waiting for review")
    assert skipped["3"] == "no user: user_id is 'nobody'"
    assert set(payments) | set(skipped) == set(partner_01()["payments.json"])
    assert any("without a Telegram charge id" in note for note in found.findings.notes)


def test_mixed_history_sorted_by_time_each_generation_once() -> None:
    found = partner_one()
    ann = [g for g in found.generations if g.user_id == ANN]
    assert [g.key for g in ann] == [
        f"{ANN}:task-ann-legacy",  # 2026-01-15, epoch
        f"{ANN}:task-ann-github",  # 2026-01-18, ISO
        f"{ANN}:task-ann-current",  # 2026-01-19 09:30, naive ISO (the first of its repeats)
        f"{ANN}:task-ann-event",  # 2026-01-19 11:00, only in history_events.json
    ]
    assert [g.created_at for g in ann] == sorted(g.created_at for g in ann)
    assert [g.price for g in ann] == [1250, 712, 2400, 300]  # 7.125 → 7.12
    assert ann[0].params == {"prompt": "a lighthouse"}
    assert ann[2].result_urls == ("https://tempfile.example/ann-current.png",)
    bob = [g for g in found.generations if g.user_id == BOB]
    assert [(g.key, g.price) for g in bob] == [(f"{BOB}:task-bob-free", 0)]  # is_free
    reasons = sorted(s.reason for s in found.findings.skipped if s.kind == "generation")
    assert reasons == [
        "no readable time (generations_history.json)",
        "the same generation again (generations_history.json)",
        "the same generation again (history_events.json)",
    ]
    assert found.found["generation"] == len(ann) + len(bob) + len(reasons)
    assert any("still running in the old bot" in note for note in found.findings.notes)


def test_old_model_ids_become_our_catalogs() -> None:
    models = model_ids(load_catalog().models(visible_only=False))
    assert models["flux-2/pro-text-to-image"] == "flux-2-pro"
    assert models["flux-2-pro"] == "flux-2-pro"
    documents = partner_01()
    history = documents["generations_history.json"]
    history[str(BOB)][0]["model_id"] = "retired/model-v1"
    found = extract(data("partner-01", documents), TODAY, models)
    assert {g.model_id for g in found.generations} == {"flux-2-pro", "retired/model-v1"}
    assert any("retired/model-v1" in note for note in found.findings.notes)


def test_an_event_of_the_same_model_at_the_same_time_is_the_same_generation() -> None:
    documents = partner_01()
    events = documents["history_events.json"][str(ANN)]
    for event_id, at in (
        ("ev-uuid-1", "2026-01-18T08:00:40"),
        ("ev-uuid-2", "2026-01-18T08:05:00"),
    ):
        events.append(
            {
                "event_id": event_id,
                "kind": "generation",
                "payload": {"model_id": "flux-2/pro-text-to-image", "price": 7.125},
                "created_at": at,
            }
        )  # the GitHub-shaped entry of the history was made at 08:00:00
    found = extract(data("partner-01", documents), TODAY)
    keys = {g.key for g in found.generations}
    assert f"{ANN}:ev-uuid-1" not in keys and f"{ANN}:ev-uuid-2" in keys
    reasons = [s.reason for s in found.findings.skipped if s.key == f"{ANN}:ev-uuid-1"]
    assert reasons == [
        "the same generation again (history_events.json: same model, within 120 s of one in"
        " the history)"
    ]


def test_referrals_from_the_table_the_events_and_three_mixed_file_shapes() -> None:
    found = partner_one()
    got = {(r.referred_id, r.referrer_id, r.origin) for r in found.referrals}
    assert got == {
        (BOB, ANN, "referrals table"),
        (CID, ANN, "referrals.json"),  # shape (a), with its time: before the timeless (c)
        (EVE, BOB, "referral_events.json"),  # also in shape (c): one referral
        (FAY, ANN, "referrals.json"),  # shape (b)
    }
    by_referred = {r.referred_id: r for r in found.referrals}
    assert by_referred[BOB].rewarded_at is not None and by_referred[FAY].rewarded_at is None
    skipped = sorted((s.key, s.reason) for s in found.findings.skipped if s.kind == "referral")
    assert skipped == [
        (f"'{DAN}' ← {DAN} (referrals.json)", "a user named as their own referrer"),
        (f"{CID} ← {STRANGER} (referrals.json)", f"{CID} was referred by {ANN} first"),
    ]
    assert found.found["referral"] == 6


def test_bonuses_free_uses_of_today_only_and_allowances() -> None:
    found = partner_one()
    users = found.users
    assert (users[ANN].bonus_left, users[BOB].bonus_left, users[EVE].bonus_left) == (10, 0, None)
    assert users[ANN].free_used_today == 2 and users[CID].free_used_today == 1
    assert users[BOB].free_used_today == 0  # yesterday's count: nothing to carry
    tomorrow = TODAY + datetime.timedelta(days=1)
    later = extract(data("partner-01", partner_01(TODAY), REFERRAL_ROWS), tomorrow)
    assert all(not u.free_used_today for u in later.users.values())
    (allowance,) = found.allowances
    assert (allowance.admin_id, allowance.limit, allowance.spent, allowance.left) == (
        ADMIN, 10000, 1250, 8750,
    )  # fmt: skip


def test_a_file_that_cannot_be_read_is_reported_and_reads_empty() -> None:
    found = extract(data("partner-02", partner_02(), REFERRAL_ROWS), TODAY)
    assert [name for name, _ in found.unreadable] == [UNREADABLE]
    assert found.unreadable[0][1].startswith("invalid JSON")
    assert found.users[ANN].language is None and found.users[ANN].first_name == "Ann2"
    assert found.users[ANN].balance is not None and found.users[ANN].balance.kopecks == 700
    assert found.users[BOB].balance is not None and found.users[BOB].balance.kopecks == 100
    assert [(r.referred_id, r.referrer_id) for r in found.referrals] == [(ANN, BOB)]  # its own


def test_decoding_a_stored_document() -> None:
    assert decode_document("a.json", '{"1": 2.5}').content == {"1": 2.5}
    assert decode_document("a.json", b'{"1": 2.5}').content == {"1": 2.5}
    assert decode_document("a.json", {"x": 1}).content == {"x": 1}
    assert decode_document("a.json", "[1, 2]").problem == "a JSON list, not an object"
    assert decode_document("a.json", b"\xff").problem == "not UTF-8 text"
    assert (decode_document("a.json", "{").problem or "").startswith("invalid JSON")
