"""Importing the old bot's JSON files into our database (SQLite): what comes over, a dry run
changes nothing, a second run adds nothing, the money agrees, and what it enables (a Stars
refund of an old payment, an old referral link, allowances untouched by old generations)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trt_actors.domain.money_effects import JoinWithReferral, MoneyOutcome, RefundStars
from trt_actors.domain.state import JourneyState
from trt_actors.importer import ImportFailed, Report, run_import
from trt_actors.money import perform
from trt_actors.storage import Currency, PaymentMethod, PaymentStatus, Tx, open_store

from .old_bot import (
    ADMIN,
    ANN,
    BOB,
    CID,
    DAN,
    EVE,
    FAY,
    KEPT_KOPECKS,
    STARS_CHARGE,
    TODAY,
    UNREADABLE,
    write_directory,
)
from .support import command, dump, plan, rows, sqlite_url

TENANT = "acme"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_directory(tmp_path / "old")


@pytest.fixture
def url(tmp_path: Path) -> str:
    return sqlite_url(tmp_path / "trt.db")


async def one_partner(url: str, source: Path, **overrides: object) -> Report:
    values: dict[str, object] = {
        "source_dir": source, "partner": "partner-01", "tenant": TENANT, **overrides,
    }  # fmt: skip
    return await run_import(plan(url, **values))


def counts(report: Report) -> dict[str, tuple[int, int, int, int]]:
    (partner,) = report.partners
    return {
        kind: (tally.imported, tally.already, partner.skipped_count(kind), tally.nothing)
        for kind, tally in partner.tallies.items()
    }


EXPECTED = {  # kind: (imported, already, skipped, nothing to bring)
    "user": (7, 0, 0, 0),
    "balance": (4, 0, 1, 3),
    "payment": (4, 0, 2, 0),
    "generation": (5, 0, 3, 0),
    "referral": (4, 0, 2, 0),
    "bonus": (1, 0, 1, 1),
    "free_uses": (2, 0, 0, 1),
    "allowance": (1, 0, 0, 0),
}


async def test_a_dry_run_changes_nothing(url: str, source: Path, tmp_path: Path) -> None:
    report = await one_partner(url, source, dry_run=True)
    assert not (tmp_path / "trt.db").exists()  # not even created
    assert counts(report) == EXPECTED  # what would come over
    assert report.partners[0].money.agree is None and report.money_agrees

    await one_partner(url, source)
    before = dump(url)
    again = await one_partner(url, source, dry_run=True)
    assert dump(url) == before
    assert {kind: c[0] for kind, c in counts(again).items()} == dict.fromkeys(EXPECTED, 0)


async def test_import_then_a_second_import_adds_nothing(url: str, source: Path) -> None:
    first = await one_partner(url, source)
    assert counts(first) == EXPECTED
    before = dump(url)
    second = await one_partner(url, source)
    assert dump(url) == before
    for kind, (imported, already, skipped, nothing) in counts(second).items():
        assert (imported, already) == (0, EXPECTED[kind][0]), kind
        assert (skipped, nothing) == EXPECTED[kind][2:], kind


async def test_money_agrees_to_the_kopeck_in_the_ledger(url: str, source: Path) -> None:
    report = await one_partner(url, source)
    money = report.partners[0].money
    assert (money.kept, money.credited, money.agree) == (21079, 21079, True)
    assert money.not_amounts == 2 and money.rounding_text == "-0.500000000000004"
    async with open_store(url) as store:

        def read(tx: Tx) -> tuple[dict[int, int], list[object], list[str]]:
            balances = {u: tx.ledger.account(u, Currency.RUB).balance for u in KEPT_KOPECKS}
            kinds = [e.kind for u in KEPT_KOPECKS for e in tx.ledger.entries(u)]
            return balances, tx.ledger.reconcile(), [str(k) for k in kinds]

        balances, discrepancies, kinds = await store.read(TENANT, read)
    assert balances == KEPT_KOPECKS and discrepancies == []
    assert kinds == ["opening"] * 4  # one opening credit per user with money, nothing else
    text = report.text()
    assert "kept 210.79 ₽" in text and "opening credits here 210.79 ₽: agree" in text
    assert "balance 987654321: 48.125 → 48.12 ₽ (rounded)" in text
    assert "balance 5550002: NaN → 0.00 ₽ (not a number)" in text


async def test_what_comes_over(url: str, source: Path) -> None:
    await one_partner(url, source)
    async with open_store(url) as store:

        def read(tx: Tx) -> dict[str, object]:
            return {
                "users": {u: tx.users.get(u) for u in (ANN, BOB, CID, EVE)},
                "sessions": {u: tx.sessions.load(u).state for u in (ANN, EVE)},
                "payments": tx.payments.for_user(ANN),
                "fay": tx.payments.for_user(FAY),
                "jobs": tx.jobs.for_user(ANN),
                "referrals": {u: tx.referrals.get(u) for u in (BOB, CID, EVE, FAY, DAN)},
                "bonus": (tx.free_bonus.left(ANN), tx.free_bonus.left(BOB)),
                "free": (tx.quota.used(ANN, TODAY), tx.quota.used(CID, TODAY)),
                "allowances": tx.settings.get("admin_allowances"),
                "spent": tx.stats.allowance_spent(ANN),
            }

        got = await store.read(TENANT, read)
    users = got["users"]
    assert isinstance(users, dict)
    ann, bob, cid, eve = users[ANN], users[BOB], users[CID], users[EVE]
    assert (ann.first_name, ann.username, ann.language, ann.is_blocked) == (
        "Ann", "ann_old", "en", False,
    )  # fmt: skip
    assert bob.referrer_id == ANN and cid.is_blocked and eve.referrer_id == BOB
    assert ann.created_at == 1768500000000  # the earliest time the old bot had for her
    sessions = got["sessions"]
    assert isinstance(sessions, dict)
    ann_state, eve_state = (JourneyState.load(sessions[u]) for u in (ANN, EVE))
    assert (ann_state.language, ann_state.language_chosen, ann_state.tutorial_done) == (
        "en", True, True,
    )  # fmt: skip
    assert not eve_state.language_chosen and eve_state.tutorial_done

    payments = got["payments"]
    assert isinstance(payments, list)
    shown = sorted((p.method, p.status, p.amount, p.currency, p.external_id) for p in payments)
    assert shown == [
        (PaymentMethod.BANK_TRANSFER, PaymentStatus.APPROVED, 5050, Currency.RUB,
         "trt:partner-01:2"),
        (PaymentMethod.BANK_TRANSFER, PaymentStatus.APPROVED, 10000, Currency.RUB,
         "trt:partner-01:1"),
        (PaymentMethod.STARS, PaymentStatus.APPROVED, 77, Currency.XTR, STARS_CHARGE),
    ]  # fmt: skip
    assert {p.created_at for p in payments} == {1768800000000, 1768900000120, 1768950000500}

    jobs = got["jobs"]
    assert isinstance(jobs, list)
    assert [(j.model_id, j.price, j.state.value) for j in jobs] == [
        ("flux-2-pro", 300, "delivered"),  # KIE's flux-2/pro-text-to-image: our flux-2-pro
        ("flux-2-pro", 2400, "delivered"),
        ("flux-2-pro", 712, "delivered"),
        ("flux-2-pro", 1250, "delivered"),
    ]  # History: newest first
    assert all(j.imported_at is not None and j.hold_id is None for j in jobs)
    assert [j.created_at for j in jobs] == sorted((j.created_at for j in jobs), reverse=True)
    assert got["spent"] == 0  # her old generations drew on no allowance

    referrals = got["referrals"]
    assert isinstance(referrals, dict)
    assert {u: r.referrer_id for u, r in referrals.items() if r} == {
        BOB: ANN, CID: ANN, EVE: BOB, FAY: ANN,
    }  # fmt: skip
    assert referrals[BOB].rewarded_at is not None and referrals[FAY].rewarded_at is None
    assert got["bonus"] == (10, 0)
    assert got["free"] == (2, 1)
    assert got["allowances"] == [[ADMIN, 8750]]


async def test_refunding_an_imported_stars_payment_takes_back_what_it_credited(
    url: str, source: Path
) -> None:
    await one_partner(url, source)
    refund = RefundStars(ANN, STARS_CHARGE, None, "disputed")
    async with open_store(url) as store:
        first = await store.run(TENANT, lambda tx: perform(tx, refund))
        again = await store.run(TENANT, lambda tx: perform(tx, refund))

        def read(tx: Tx) -> tuple[int, PaymentStatus | None]:
            payment = tx.payments.find_external(PaymentMethod.STARS, STARS_CHARGE)
            balance = tx.ledger.account(ANN, Currency.RUB).balance
            return balance, payment.status if payment else None

        balance, status = await store.read(TENANT, read)
    assert (first.outcome, first.amount) == (MoneyOutcome.REFUNDED, 4812)
    assert again.outcome is MoneyOutcome.DUPLICATE
    assert (balance, status) == (15237 - 4812, PaymentStatus.REFUNDED)


async def test_an_old_link_refers_only_to_a_user_brought_over(url: str, source: Path) -> None:
    await one_partner(url, source)
    newcomer, other_newcomer, local = 31337, 31338, 4040

    def join(tx: Tx) -> list[MoneyOutcome]:
        for user_id in (newcomer, other_newcomer, local):
            tx.users.upsert(user_id, first_name="New")
        return [
            perform(tx, JoinWithReferral(newcomer, ANN, 10, True, old_link=True)).outcome,
            perform(tx, JoinWithReferral(other_newcomer, local, 10, True, old_link=True)).outcome,
            perform(tx, JoinWithReferral(BOB, ANN, 10, True, old_link=True)).outcome,
        ]

    async with open_store(url) as store:
        outcomes = await store.run(TENANT, join)
        left = await store.read(
            TENANT, lambda tx: (tx.free_bonus.left(ANN), tx.free_bonus.left(newcomer))
        )
    # Ann came over: her old link works. A local user's id in an old-style link refers nobody.
    # Bob was referred in the old bot already: no second referral, no second bonus.
    assert outcomes == [MoneyOutcome.GRANTED, MoneyOutcome.REFUSED, MoneyOutcome.DUPLICATE]
    assert left == (20, 10)


async def test_a_file_that_cannot_be_read_stops_the_import_before_anything_is_written(
    url: str, source: Path, tmp_path: Path
) -> None:
    with pytest.raises(ImportFailed, match=f"partner-02/{UNREADABLE}: invalid JSON"):
        await run_import(plan(url, source_dir=source, all_partners=True))
    assert not (tmp_path / "trt.db").exists()

    report = await run_import(plan(url, source_dir=source, all_partners=True, skip_unreadable=True))
    assert [(p.partner, p.tenant) for p in report.partners] == [
        ("partner-01", "partner-01"), ("partner-02", "partner-02"),
    ]  # fmt: skip
    assert report.partners[1].unreadable[0][0] == UNREADABLE
    # The same person in two partners: two tenants, two balances.
    both = rows(
        url,
        "SELECT tenant_id, balance FROM accounts WHERE user_id = ? ORDER BY tenant_id",
        (ANN,),
    )
    assert both == [("partner-01", 15237), ("partner-02", 700)]


async def test_files_beside_the_partner_directories_are_named_not_read(
    url: str, source: Path
) -> None:
    (source / "user_balances.json").write_text('{"1": 5.0}', encoding="utf-8")
    report = await one_partner(url, source, dry_run=True)
    assert any("1 file(s) beside the partner directories" in note for note in report.notes)
    assert "not read" in report.text()
    alone = await run_import(plan(url, source_dir=source / "partner-02", skip_unreadable=True))
    assert [p.partner for p in alone.partners] == ["partner-02"]  # a directory of its own files


async def test_choosing_a_partner(url: str, source: Path) -> None:
    with pytest.raises(ImportFailed, match="holds 2 partners"):
        await run_import(plan(url, source_dir=source))
    with pytest.raises(ImportFailed, match="no partner 'nope'"):
        await run_import(plan(url, source_dir=source, partner="nope"))
    with pytest.raises(ImportFailed, match="'Acme Bot' is not a tenant id"):
        await run_import(plan(url, source_dir=source, partner="partner-01", tenant="Acme Bot"))
    with pytest.raises(ImportFailed, match="not a directory"):
        await run_import(plan(url, source_dir=source / "missing", partner="partner-01"))


def test_the_command_prints_the_report_and_writes_its_json(
    url: str, source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_path = tmp_path / "report.json"
    argv = ["import", "trt", "--from-dir", str(source), "--partner", "partner-01"]
    assert command([*argv, "--report-json", str(report_path)], url, TENANT) == 0
    printed = capsys.readouterr()
    assert "partner partner-01 → tenant acme" in printed.out
    assert "users batch 1 done (7/7)" in printed.err
    report = json.loads(report_path.read_text(encoding="utf-8"))
    (partner,) = report["partners"]
    assert partner["counts"]["balance"] == {
        "found": 8, "imported": 4, "already": 0, "skipped": 1, "nothing": 3,
    }  # fmt: skip
    assert partner["money"]["agree"] is True
    assert partner["money"]["balances_in_source_rubles"] == "210.79500000000000004"
    assert {"kind": "balance", "key": str(CID), "original": "-5.0", "kopecks": 0,
            "reason": "negative"} in partner["adjustments"]  # fmt: skip

    assert command([*argv, "--dry-run"], url, TENANT) == 0
    assert "would bring      0" in capsys.readouterr().out
    assert command(["import", "trt", "--from-dir", str(source)], url, TENANT) == 1
    assert "--all-partners" in capsys.readouterr().err  # two partners: choose
