"""A tenant's current business terms: configured, with the admin's overrides from storage.

`TenantTerms` holds the effective terms in memory; sessions read `terms.current` and
`terms.tariff` for every update (no storage read per update). They change:

- at the tenant's start and then every `REFRESH_EVERY` seconds: the `terms` child of the
  tenant's subtree reads the overrides (`tenant_settings` rows), so several instances
  converge on what an admin stored through any of them;
- at once in this process after `await terms.update(key, value, admin_id)` (or `reset`),
  which writes the row and an audit entry in one transaction.

An override that does not parse (written by hand, or by an older version) is skipped and
logged; the configured value stays in force.

It also keeps the users an admin blocked, read in the same transaction as the overrides, so
a session answering from memory (a menu, /start) needs no storage read to know it must
refuse. An admin's block or unblock through this process is current at once
(`mark_blocked`, called once its transaction committed); one made through another instance
reaches this one at the next refresh (the session's reads for updates that show money read
the flag from storage anyway). Until the first refresh succeeded, `blocked` answers None: the
session then reads storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import structlog
import trio

from trt_actors.catalog import Tariff
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.tenant_terms import TERMS, TermError, effective_terms, stored_value
from trt_actors.storage import StorageError, Store, Tx

log = structlog.get_logger(__name__)

REFRESH_EVERY = 30.0  # seconds between re-reads of the overrides
READ_DEADLINE = 5.0
WRITE_DEADLINE = 10.0
AUDIT_UPDATE = "settings.update"
AUDIT_RESET = "settings.reset"


class TenantTerms:
    """The effective terms of one tenant, kept current (see the module docstring)."""

    def __init__(self, tenant_id: str, configured: TenantSettings, default_tariff: Tariff) -> None:
        self.tenant_id = tenant_id
        self.configured = configured
        self.default_tariff = default_tariff
        self.store: Store | None = None  # set by the running `terms` child
        self.overrides: dict[str, Any] = {}
        self.current = configured
        self.tariff = self._tariff(configured)
        self.skipped: list[str] = []
        self.refreshed = 0
        self._blocked: set[int] | None = None  # None until the first refresh
        self._marked_meanwhile: dict[int, bool] | None = None  # during a refresh's read

    def _tariff(self, terms: TenantSettings) -> Tariff:
        default = self.default_tariff
        return Tariff(
            default.credit_usd,
            terms.rub_per_usd or default.rub_per_usd,
            terms.markup or default.markup,
        )

    def apply(self, overrides: Mapping[str, Any]) -> list[str]:
        """Make `overrides` (the stored rows) current; the keys skipped as invalid."""
        terms, skipped = effective_terms(self.configured, overrides)
        if skipped and skipped != self.skipped:  # once per change, not at every refresh
            log.warning("terms.overrides_skipped", tenant=self.tenant_id, keys=skipped)
        self.skipped = skipped
        self.overrides = dict(overrides)
        self.current = terms
        self.tariff = self._tariff(terms)
        self.refreshed += 1
        return skipped

    async def refresh(self, store: Store) -> None:
        """Read the overrides and the blocked users now (under a deadline); make them current."""
        self._marked_meanwhile = {}
        try:
            with trio.fail_after(READ_DEADLINE):
                rows, blocked = await store.read(
                    self.tenant_id, lambda tx: (tx.settings.all(), set(tx.users.blocked_ids()))
                )
            for user_id, is_blocked in self._marked_meanwhile.items():  # newer than the read
                _mark(blocked, user_id, is_blocked)
        finally:
            self._marked_meanwhile = None
        self.apply(rows)
        self._blocked = blocked

    def blocked(self, user_id: int) -> bool | None:
        """Whether an admin blocked the user, from memory; None when not known yet."""
        return None if self._blocked is None else user_id in self._blocked

    def mark_blocked(self, user_id: int, blocked: bool) -> None:
        """What storage now says of the user (an admin's decision committed, or read)."""
        if self._marked_meanwhile is not None:
            self._marked_meanwhile[user_id] = blocked
        if self._blocked is not None:
            _mark(self._blocked, user_id, blocked)

    async def update(self, key: str, value: Any, admin_id: int) -> TenantSettings:
        """Store an admin's override of `key` with an audit entry; current at once.

        Raises `TermError` (its text says what the term expects) for an unknown key, one an
        admin may not change, or a value that does not fit."""
        term = TERMS.get(key)
        if term is None or not term.overridable:
            raise TermError(f"{key} cannot be changed here")
        stored = stored_value(key, value)
        if key == "timezone":
            _check_timezone(stored)
        _, skipped = effective_terms(self.configured, {**self.overrides, key: stored})
        if key in skipped:
            raise TermError(f"{key} does not fit the other settings")

        def write(tx: Tx) -> dict[str, Any]:
            old = tx.settings.get(key)
            tx.settings.set(key, stored, updated_by=admin_id)
            tx.audit.record(admin_id, AUDIT_UPDATE, target=key, details={"old": old, "new": stored})
            return tx.settings.all()

        self.apply(await self._write(write))
        return self.current

    async def reset(self, key: str, admin_id: int) -> TenantSettings:
        """Drop the override of `key` (the configured value applies again), audited."""

        def write(tx: Tx) -> dict[str, Any]:
            old = tx.settings.get(key)
            if tx.settings.delete(key):
                tx.audit.record(admin_id, AUDIT_RESET, target=key, details={"old": old})
            return tx.settings.all()

        self.apply(await self._write(write))
        return self.current

    async def _write(self, write: Any) -> dict[str, Any]:
        if self.store is None:
            raise StorageError("the tenant's storage is not running")
        with trio.fail_after(WRITE_DEADLINE):
            rows: dict[str, Any] = await self.store.run(self.tenant_id, write)
        return rows


def _mark(users: set[int], user_id: int, blocked: bool) -> None:
    if blocked:
        users.add(user_id)
    else:
        users.discard(user_id)


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise TermError(TERMS["timezone"].expected) from None


async def keep_terms_current(
    terms: TenantTerms,
    store: Store,
    *,
    every: float | None = None,
    task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED,
) -> None:
    """The `terms` child: read the overrides before reporting started (so the first update
    sees them), then re-read them every `every` seconds. Storage trouble keeps the last
    terms and is retried at the next period."""
    terms.store = store
    try:
        await _refresh_logged(terms, store)
        task_status.started(terms)
        while True:
            await trio.sleep(REFRESH_EVERY if every is None else every)
            await _refresh_logged(terms, store)
    finally:
        if terms.store is store:
            terms.store = None


async def _refresh_logged(terms: TenantTerms, store: Store) -> None:
    try:
        await terms.refresh(store)
    except (StorageError, trio.TooSlowError) as exc:
        log.warning("terms.refresh_failed", tenant=terms.tenant_id, error_type=type(exc).__name__)
