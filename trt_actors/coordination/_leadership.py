"""Leadership: hold a lease in the background and run leader-only work under it.

`leadership` waits until this process holds the lease, renews it in the background every
third of its TTL, and runs the body inside a cancel scope that is cancelled AT ONCE when
the lease is lost:

* a renewal finds the lease held by someone else (or gone): cancelled immediately;
* renewals cannot reach Redis: the body keeps running only while the lease is certainly
  still ours, and is cancelled at the lease's conservative expiry minus a safety margin
  (`LEASE_SAFETY_FRACTION` of the TTL), before anyone else can acquire it.

The scope's deadline is the proof of leadership: each successful renewal moves it forward.
`run_as_leader` wraps this in a campaign that never ends: it waits for leadership again
(with jitter) each time it is lost.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import structlog
import trio

from ._errors import CoordinationUnavailable
from ._groups import collapse_single_group
from ._lease import Lease, default_owner

if TYPE_CHECKING:
    from ._coordination import Coordination

__all__ = ["DEFAULT_LEASE_TTL", "Leader", "leadership", "run_as_leader"]

log = structlog.get_logger(__name__)

DEFAULT_LEASE_TTL = 15.0
"""Default leadership lease TTL (seconds): how long a crashed leader blocks a successor."""
LEASE_RENEW_FRACTION = 1 / 3
"""Renew after this fraction of the TTL."""
LEASE_RETRY_FRACTION = 1 / 10
"""After a failed renewal, try again after this fraction of the TTL."""
LEASE_SAFETY_FRACTION = 0.1
"""The body stops this fraction of the TTL before the lease's conservative expiry."""
CAMPAIGN_PAUSE_FRACTION = 1 / 4
"""A non-leader retries acquisition after about this fraction of the TTL (with jitter)."""
CAMPAIGN_PAUSE_MAX = 2.0
"""...but never waits longer than this between attempts (seconds)."""
LEASE_RELEASE_TIMEOUT = 2.0
"""Deadline on releasing the lease at exit (shielded)."""


class Leader:
    """What the leader-only body gets: the current lease and how leadership ended.

    `lease` is replaced at each renewal (same token). `lost` becomes True when the body was
    cancelled because leadership could no longer be proven; `lost_reason` is ``"taken"``
    (someone else holds it or it vanished) or ``"expired"`` (renewals failed until the
    safety deadline).
    """

    def __init__(self, lease: Lease) -> None:
        self.lease = lease
        self.cancel_scope = trio.CancelScope(deadline=_stop_at(lease))
        self.lost = False
        self.lost_reason: str | None = None

    @property
    def token(self) -> int:
        """The fencing token: pass it to every write a stale leader must not make."""
        return self.lease.token

    def _extend(self, lease: Lease) -> None:
        self.lease = lease
        if not self.lost:
            self.cancel_scope.deadline = _stop_at(lease)

    def _lose(self, reason: str) -> None:
        if self.lost:
            return
        self.lost, self.lost_reason = True, reason
        self.cancel_scope.cancel()
        lease = self.lease
        log.warning(
            "coordination.leadership_lost",
            lease=lease.name,
            owner=lease.owner,
            token=lease.token,
            reason=reason,
        )


def _stop_at(lease: Lease) -> float:
    return lease.expires_at - lease.ttl * LEASE_SAFETY_FRACTION


@asynccontextmanager
async def leadership(
    coord: Coordination,
    name: str,
    *,
    ttl: float = DEFAULT_LEASE_TTL,
    owner: str | None = None,
) -> AsyncIterator[Leader]:
    """Wait until this process leads `name`, then run the body as leader.

    Guarantees: the body starts only once the lease is held; it is cancelled at once when
    the lease is lost (see the module docstring), after which the ``async with`` block ends
    normally with ``leader.lost`` set; exceptions from the body propagate unchanged; the
    lease is released on every exit (shielded, owner-checked). Waiting for leadership has
    no deadline of its own: bound it with a trio scope if needed.
    """
    if ttl <= 0:
        raise ValueError(f"lease ttl must be > 0, got {ttl!r}")
    leader = Leader(await _campaign(coord, name, owner or default_owner(), ttl))
    log.info(
        "coordination.leadership_acquired", lease=name, owner=leader.lease.owner, token=leader.token
    )
    coord.leading.add(name)
    try:
        with collapse_single_group():
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_keep_alive, coord, leader)
                with leader.cancel_scope:
                    yield leader
                nursery.cancel_scope.cancel()
    finally:
        coord.leading.discard(name)
        if leader.cancel_scope.cancelled_caught:
            leader._lose("expired")
        await _release(coord, leader)


async def run_as_leader(
    coord: Coordination,
    name: str,
    body: Callable[[Leader], Awaitable[object]],
    *,
    ttl: float = DEFAULT_LEASE_TTL,
    owner: str | None = None,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Campaign for `name` until `body` completes as leader.

    Reports started (for `nursery.start`) as soon as the campaign begins. Each time this
    process becomes leader, ``body(leader)`` runs; if leadership is lost it is cancelled at
    once and the campaign resumes. Returns when `body` returns while still leader;
    exceptions from `body` propagate (the lease is released first).
    """
    owner = owner or default_owner()
    task_status.started()
    while True:
        async with leadership(coord, name, ttl=ttl, owner=owner) as leader:
            await body(leader)
        if not leader.lost:
            return


async def _campaign(coord: Coordination, name: str, owner: str, ttl: float) -> Lease:
    """Try to acquire until it works, pausing with jitter between attempts."""
    pause = min(ttl * CAMPAIGN_PAUSE_FRACTION, CAMPAIGN_PAUSE_MAX)
    while True:
        try:
            lease = await coord.acquire_lease(name, owner, ttl)
        except CoordinationUnavailable:
            lease = None  # Redis down: no one may lead through it; the health log says why
        if lease is not None:
            return lease
        await trio.sleep(pause * random.uniform(0.5, 1.5))


async def _keep_alive(coord: Coordination, leader: Leader) -> None:
    """Renew until cancelled or the lease is found taken. Never raises (but Cancelled)."""
    ttl = leader.lease.ttl
    next_at = leader.lease.expires_at - ttl + ttl * LEASE_RENEW_FRACTION
    failing = False
    while True:
        await trio.sleep_until(next_at)
        try:
            renewed = await coord.renew_lease(leader.lease, ttl)
        except CoordinationUnavailable as exc:
            if not failing:
                failing = True
                log.warning(
                    "coordination.lease_renew_failed",
                    lease=leader.lease.name,
                    error=str(exc),
                    stop_in_s=round(leader.cancel_scope.deadline - trio.current_time(), 3),
                )
            next_at = trio.current_time() + ttl * LEASE_RETRY_FRACTION
            continue
        if renewed is None:
            leader._lose("taken")
            return
        failing = False
        leader._extend(renewed)
        next_at = trio.current_time() + ttl * LEASE_RENEW_FRACTION


async def _release(coord: Coordination, leader: Leader) -> None:
    """Release the lease if it may still be ours; shielded and bounded."""
    lease = leader.lease
    if leader.lost_reason == "taken":
        return
    with trio.move_on_after(LEASE_RELEASE_TIMEOUT, shield=True):
        try:
            await coord.release_lease(lease)
        except CoordinationUnavailable as exc:
            log.warning("coordination.lease_release_failed", lease=lease.name, error=str(exc))
            return
        log.info("coordination.leadership_released", lease=lease.name, token=lease.token)
