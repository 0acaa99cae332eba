"""The business terms a session works with: the tenant's live ones, or fixed ones.

`TermsSource` is what a session needs of them (`tenants.live_terms.TenantTerms` in the tree: stored,
audited, current at once; docs/configuration.md); `FixedTerms` is the stand-in for tests and
tools, where nothing changes and every block is read from storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from trt_actors.catalog import Tariff
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.tenant_terms import TermError

__all__ = ["FixedTerms", "TermsSource"]


class TermsSource(Protocol):
    """The tenant's current business terms and tariff, and an admin's change of them
    (`tenants.live_terms.TenantTerms`: stored, audited, current at once; docs/configuration.md)."""

    @property
    def current(self) -> TenantSettings: ...

    @property
    def tariff(self) -> Tariff: ...

    async def update(self, key: str, value: Any, admin_id: int) -> TenantSettings: ...

    async def reset(self, key: str, admin_id: int) -> TenantSettings: ...

    def blocked(self, user_id: int) -> bool | None:
        """Whether an admin blocked the user, from memory (None: read storage)."""

    def mark_blocked(self, user_id: int, blocked: bool) -> None:
        """What storage now says of the user."""


@dataclass(frozen=True, slots=True)
class FixedTerms:
    """Terms that never change (tests, tools): an admin's change is refused; blocked users
    are always read from storage."""

    current: TenantSettings
    tariff: Tariff

    async def update(self, key: str, value: Any, admin_id: int) -> TenantSettings:
        raise TermError(f"{key} cannot be changed here")

    async def reset(self, key: str, admin_id: int) -> TenantSettings:
        raise TermError(f"{key} cannot be changed here")

    def blocked(self, user_id: int) -> bool | None:
        return None

    def mark_blocked(self, user_id: int, blocked: bool) -> None:
        return None
