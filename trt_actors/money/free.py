"""Free generations: today's quota (by the tenant's day) first, then bonus generations.

A free generation is reserved when it is confirmed, the way money is held (`reserve_free`,
keyed by the confirmation's idempotency key, so a repeated Confirm reserves once): one of
today's quota uses in the tenant's time zone, else one bonus generation. Delivery captures
it (`settle_free(..., delivered=True)`): it stays used; a failure, a timeout or a Cancel
releases it: the use is given back. Admins are exempt: their generations are free and use
nothing.

`consume_free` is the older rule — one use taken at delivery — kept for the free jobs
confirmed before reservations existed (opened by an older version, still running).
"""

from __future__ import annotations

import datetime
from typing import Literal

from trt_actors.domain.quota import quota_day
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.storage import FreeHold, Tx

FreeUse = Literal["admin", "quota", "bonus", "none"]


def free_left(tx: Tx, terms: TenantSettings, user_id: int, now: datetime.datetime) -> int:
    """Today's free generations the user has neither used nor reserved (the quota only)."""
    used = tx.quota.used(user_id, quota_day(now, terms.timezone))
    return max(0, terms.free_per_day - used)


def reserve_free(
    tx: Tx, terms: TenantSettings, user_id: int, key: str, now: datetime.datetime
) -> FreeHold | None:
    """Reserve one free generation for the confirmation `key`, in the tenant's day of `now`:
    the hold (`replayed` when `key` reserved one before), or None when none is left."""
    day = quota_day(now, terms.timezone)
    return tx.free_holds.reserve(user_id, key=key, day=day, per_day=terms.free_per_day)


def settle_free(tx: Tx, job_id: int, *, delivered: bool) -> FreeHold | None:
    """Capture (`delivered`) or release the free generation reserved for job `job_id`; the
    hold, or None when the job reserved none (a paid job, an admin's, an older free one).
    Settling twice changes nothing the second time."""
    hold = tx.free_holds.of_job(job_id)
    if hold is None:
        return None
    if delivered:
        tx.free_holds.capture(hold.id)
    else:
        tx.free_holds.release(hold.id)
    return hold


def consume_free(
    tx: Tx, terms: TenantSettings, user_id: int, job_id: int, now: datetime.datetime
) -> FreeUse:
    """Use one free generation for job `job_id` at its delivery (jobs confirmed before
    reservations existed): "admin", "quota", "bonus" or "none"."""
    if terms.is_admin(user_id):
        return "admin"
    day = quota_day(now, terms.timezone)
    if terms.free_per_day > 0 and tx.quota.try_consume(user_id, day, limit=terms.free_per_day):
        return "quota"
    if tx.free_bonus.use(user_id, key=f"free:job:{job_id}", reason="generation"):
        return "bonus"
    return "none"
