"""The users an admin blocked, kept in memory per tenant: menus answer without a storage
read, an admin's decision is current at once, another instance's at the next refresh."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import trio

from trt_actors.catalog import load_catalog
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.storage import Store, open_store
from trt_actors.tenants.live_terms import TenantTerms
from trt_actors.testing.kit import running_bot


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with open_store(f"sqlite:///{tmp_path / 'terms.db'}") as opened:
        yield opened


def terms_of(tenant: str) -> TenantTerms:
    return TenantTerms(tenant, TenantSettings(), load_catalog().default_tariff())


async def add_user(store: Store, tenant: str, user_id: int, *, blocked: bool = False) -> None:
    def write(tx: Any) -> None:
        tx.users.upsert(user_id, first_name="U", username=None, last_name=None, language=None)
        if blocked:
            tx.users.set_blocked(user_id, True)

    await store.run(tenant, write)


async def test_unknown_until_the_first_refresh_then_read_per_tenant(store: Store) -> None:
    await add_user(store, "a", 1)
    await add_user(store, "a", 2, blocked=True)
    await add_user(store, "b", 1, blocked=True)  # the same id, blocked in the other bot only
    terms = terms_of("a")
    assert terms.blocked(2) is None  # not known: the session reads storage
    await terms.refresh(store)
    assert (terms.blocked(1), terms.blocked(2), terms.blocked(3)) == (False, True, False)


async def test_a_block_made_elsewhere_arrives_at_the_next_refresh(store: Store) -> None:
    await add_user(store, "a", 1)
    terms = terms_of("a")
    await terms.refresh(store)
    await store.run("a", lambda tx: tx.users.set_blocked(1, True))  # through another instance
    assert terms.blocked(1) is False
    await terms.refresh(store)
    assert terms.blocked(1) is True


async def test_a_decision_marked_during_a_refresh_is_not_undone_by_its_older_read(
    store: Store,
) -> None:
    await add_user(store, "a", 1)
    terms = terms_of("a")
    await terms.refresh(store)
    read_started, go_on = trio.Event(), trio.Event()
    original = store.read

    async def slow_read(tenant: str, fn: Callable[[Any], Any], **kw: Any) -> Any:
        result = await original(tenant, fn, **kw)  # the snapshot: user 1 not blocked
        read_started.set()
        await go_on.wait()
        return result

    store.read = slow_read  # type: ignore[method-assign]
    async with trio.open_nursery() as nursery:
        nursery.start_soon(terms.refresh, store)
        await read_started.wait()
        terms.mark_blocked(1, True)  # an admin's block committed meanwhile
        go_on.set()
    assert terms.blocked(1) is True


async def test_a_returning_users_start_and_menu_read_no_storage(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    async with running_bot(tmp_path, emulator=telegram_emulator) as bot:
        ann = bot.user("Ann", language_code="en")
        await ann.send("/start")
        await ann.next_message()
        store = bot.tree.root.child("store")
        reads: list[str] = []
        original = store.read

        async def counting(tenant: str, fn: Callable[[Any], Any], **kw: Any) -> Any:
            reads.append(getattr(fn, "__qualname__", ""))
            return await original(tenant, fn, **kw)

        store.read = counting
        await ann.send("/start")
        assert "inline_keyboard" in (await ann.next_message())["reply_markup"]
        await ann.send("/menu")
        await ann.next_message()
        assert not [name for name in reads if name.startswith("SessionActor")], reads
        await ann.send("/balance")  # shows money: read from storage, with the block flag
        await ann.next_message()
        assert [name for name in reads if name.startswith("SessionActor")]
