"""Importing from the old bot's PostgreSQL — two partners in one database, its `referrals`
table, its own diagnostics rows — read-only, into our SQLite and into our PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from trt_actors.importer import DatabaseSource, ImportFailed, run_import
from trt_actors.testing.postgres import scratch_schema

from .old_bot import ANN, BOB, KEPT_KOPECKS, UNREADABLE, create_old_database
from .support import dump, plan, rows, sqlite_url

EXPECTED = {  # partner-01, kind: (imported, skipped, nothing to bring)
    "user": (7, 0, 0),
    "balance": (4, 1, 3),
    "payment": (4, 2, 0),
    "generation": (5, 3, 0),
    "referral": (4, 2, 0),
    "bonus": (1, 1, 1),
    "free_uses": (2, 0, 1),
    "allowance": (1, 0, 0),
}


@pytest.fixture
def old(postgres_database: str) -> Iterator[str]:
    """The old bot's database (a schema of its own), holding both partners."""
    with scratch_schema(postgres_database, "old") as url:
        create_old_database(url)
        yield url


@pytest.fixture
def ours_pg(postgres_database: str) -> Iterator[str]:
    """An empty PostgreSQL schema for our tables."""
    with scratch_schema(postgres_database, "ours") as url:
        yield url


def old_rows(url: str) -> list[tuple[object, ...]]:
    return rows(
        url, "SELECT partner_id, filename, payload, updated_at FROM storage_json ORDER BY 1, 2"
    )


async def test_two_partners_of_one_database_read_only(old: str, tmp_path: Path) -> None:
    before = old_rows(old), rows(old, "SELECT * FROM referrals ORDER BY 1, 2")
    url = sqlite_url(tmp_path / "trt.db")
    with pytest.raises(ImportFailed, match=f"partner-02/{UNREADABLE}"):
        await run_import(plan(url, source_url=old, all_partners=True))
    report = await run_import(plan(url, source_url=old, all_partners=True, skip_unreadable=True))
    assert (old_rows(old), rows(old, "SELECT * FROM referrals ORDER BY 1, 2")) == before

    one, two = report.partners
    assert (one.partner, two.partner) == ("partner-01", "partner-02")  # not "diagnostics"
    got = {
        kind: (tally.imported, one.skipped_count(kind), tally.nothing)
        for kind, tally in one.tallies.items()
    }
    assert got == EXPECTED
    assert one.money.agree and one.money.credited == sum(KEPT_KOPECKS.values())
    assert two.money.agree and two.money.credited == 700 + 100  # 1.005 → 1.00 (half to even)
    referrals = rows(url, "SELECT tenant_id, referred_id, referrer_id FROM referrals ORDER BY 1, 2")
    assert ("partner-01", BOB, ANN) in referrals  # from the table, partner-01's row
    assert ("partner-02", ANN, BOB) in referrals  # the same ids, partner-02's row
    text = report.text()
    assert "partner partner-02 → tenant partner-02" in text
    assert f"unreadable files (1):\n    {UNREADABLE}: invalid JSON" in text


async def test_into_postgres_a_second_run_adds_nothing(old: str, ours_pg: str) -> None:
    args = {"source_url": old, "partner": "partner-01", "tenant": "acme"}
    first = await run_import(plan(ours_pg, **args))
    assert first.money_agrees and first.partners[0].money.credited == 21079
    before = dump(ours_pg)
    second = await run_import(plan(ours_pg, **args))
    assert dump(ours_pg) == before
    assert all(t.imported == 0 for t in second.partners[0].tallies.values())
    dry = await run_import(plan(ours_pg, dry_run=True, **args))
    assert dump(ours_pg) == before and all(
        t.imported == 0 for t in dry.partners[0].tallies.values()
    )


def test_the_source_is_read_in_a_read_only_transaction(old: str) -> None:
    with DatabaseSource(old) as source:
        assert source.partners() == ["partner-01", "partner-02"]
        assert source._rows("SHOW transaction_read_only") == [{"transaction_read_only": "on"}]
        loaded = source.load("partner-01")
        assert len(loaded.referral_rows) == 1 and "payments.json" in loaded.files


async def test_a_database_that_is_not_the_old_bots(ours_pg: str, tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "trt.db")
    with pytest.raises(ImportFailed, match="no table storage_json"):
        await run_import(plan(url, source_url=ours_pg))
    with pytest.raises(ImportFailed, match="cannot connect") as failed:
        await run_import(plan(url, source_url="postgresql://nobody:secret@127.0.0.1:1/old"))
    assert "secret" not in str(failed.value) and "nobody:***@" in str(failed.value)
    assert not (tmp_path / "trt.db").exists()
