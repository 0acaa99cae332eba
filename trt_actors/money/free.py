"""Free generations: today's quota (by the tenant's day) first, then bonus generations.

A free job uses one at capture (delivery), once per job: the quota counter of the job's day
in the tenant's time zone, else one bonus generation (key ``free:job:<id>``). Admins are
exempt: their generations are free and use nothing.
"""

from __future__ import annotations

import datetime

from trt_actors.domain.quota import quota_day
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.storage import Tx


def free_left(tx: Tx, terms: TenantSettings, user_id: int, now: datetime.datetime) -> int:
    """Today's free generations the user has not used (the quota only)."""
    used = tx.quota.used(user_id, quota_day(now, terms.timezone))
    return max(0, terms.free_per_day - used)


def consume_free(
    tx: Tx, terms: TenantSettings, user_id: int, job_id: int, now: datetime.datetime
) -> str:
    """Use one free generation for job `job_id`: "admin", "quota", "bonus" or "none"."""
    if terms.is_admin(user_id):
        return "admin"
    day = quota_day(now, terms.timezone)
    if terms.free_per_day > 0 and tx.quota.try_consume(user_id, day, limit=terms.free_per_day):
        return "quota"
    if tx.free_bonus.use(user_id, key=f"free:job:{job_id}", reason="generation"):
        return "bonus"
    return "none"
