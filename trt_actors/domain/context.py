"""What a handler knows besides the state and the update: time, money, the user's standing.

The session actor builds one `Context` per update from storage and settings; the handler
only reads it, so screens stay pure functions of (state, update, context).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar, cast

from trt_actors.catalog import Tariff
from trt_actors.model import JobState

from .lookup import Lookup
from .tenant_settings import TenantSettings

R = TypeVar("R")

DEFAULT_FREE_PER_DAY = 5
"""Free generations per user and day until the tenant setting `free_per_day` is read."""


@dataclass(frozen=True, slots=True)
class JobView:
    """One generation as history, /status and the result's buttons see it.

    `params` are the job's parameters as `StartGeneration` carried them (Again and Change
    parameters rebuild the wizard's draft from them); `result_urls` what KIE made; `error`
    the stored failure reason (`job_reasons` codes or KIE's words)."""

    job_id: str
    model_id: str
    state: JobState
    created_at: datetime.datetime
    price_kopecks: int
    free: bool
    owner_id: int
    params: Mapping[str, object] = field(default_factory=dict)
    result_urls: tuple[str, ...] = ()
    error: str | None = None


NO_SETTINGS = TenantSettings()  # a tenant with nothing configured


@dataclass(frozen=True, slots=True)
class Context:
    """The facts of one update that are not in the user's state.

    Money is in integer kopecks. `free_left_today` counts the free generations the user may
    still start today (free-flagged models only). `language` is the language stored for the
    user outside the session state (None when unknown). `recent_jobs` is the user's latest
    generations, newest first; `requested_job` is the job named by `/status <id>` when the
    session found it (owner or admin), else None. `settings` are the tenant's effective
    business settings (`tenant_settings.TenantSettings`). `found` maps each lookup the handler
    asked for (`effects.Lookup`) to what the session read. `tenant_id` and `secret` (the
    tenant's key, derived from its bot token) sign invoices and referral codes;
    `free_bonus_left` counts bonus free generations (referrals) beyond today's quota. Both
    free counts leave out what is reserved by orders not finished yet (a free generation is
    reserved at Confirm). `generation_paused` is True while KIE is out of credits: new
    orders are refused as temporarily unavailable.
    """

    now: datetime.datetime
    tariff: Tariff
    balance_kopecks: int = 0
    free_left_today: int = DEFAULT_FREE_PER_DAY
    free_per_day: int = DEFAULT_FREE_PER_DAY
    is_admin: bool = False
    blocked: bool = False  # an admin blocked this user
    allowance_left: int | None = None  # a limited admin's allowance left (kopecks); else None
    support_contact: str = ""
    bot_username: str | None = None
    language: str | None = None
    recent_jobs: tuple[JobView, ...] = ()
    requested_job: JobView | None = None
    settings: TenantSettings = NO_SETTINGS
    found: Mapping[Lookup[object], object] = field(default_factory=dict)
    tenant_id: str = ""
    secret: bytes = b""
    free_bonus_left: int = 0
    generation_paused: bool = False

    def lookup(self, key: Lookup[R]) -> R | None:
        """What the session found for lookup `key`: None when it was not looked up, or could
        not be answered (a live probe that failed or overran its deadline: the session keeps
        such answers out of `found`). Each value is what the lookup's reader returned, whose
        type the performers' registration checks against `R`."""
        return cast("R | None", self.found.get(key))
