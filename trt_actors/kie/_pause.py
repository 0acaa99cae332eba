"""`CreditPause`: whether a tenant's generations are paused because KIE is out of credits.

KIE answers 402 ("Insufficient Credits") to a task it will not run for lack of credits.
Retrying does not help and every new order would fail the same way, so the first 402 a job
of the tenant gets pauses its generations *in this process*: new confirmations are refused
("temporarily unavailable", nothing held), and the tenant's credits watcher alerts the
admins and checks KIE's balance until credits are back, which resumes them. A task KIE
accepts meanwhile (credits came back before the watcher looked) resumes them too.

The state is in memory, per tenant and process: with several instances, each one pauses
on its own first 402 and resumes by its own check (docs/money.md, "KIE out of credits").
Every change is one log event (`kie.generation_paused` / `kie.generation_resumed`) and the
gauge `trt_kie_paused{tenant}`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import structlog
import trio

from trt_actors.observability.metrics import metrics

log = structlog.get_logger(__name__)

CHECK_EVERY = 60.0  # seconds between two checks of KIE's balance while paused
ALERT_QUIET = 3600.0  # seconds after an alert during which a new pause alerts nobody
RESUME_AT = Fraction(100)  # credits that resume generations whatever the balance was


@dataclass(frozen=True, slots=True)
class PauseView:
    """What the operator sees of a pause: since when (Unix seconds) and KIE's words."""

    since: float
    reason: str


class CreditPause:
    """The paused state of one tenant's generations. Never raises; safe to share between
    the tenant's job actors, sessions and watcher (all in one trio loop)."""

    def __init__(
        self,
        tenant: str,
        *,
        wall_clock: Callable[[], float] = time.time,
        check_every: float = CHECK_EVERY,
        alert_quiet: float = ALERT_QUIET,
        resume_at: Fraction = RESUME_AT,
    ) -> None:
        self.tenant = tenant
        self.wall_clock = wall_clock
        self.check_every = check_every  # the watcher's period while paused
        self.alert_quiet = alert_quiet  # no second alert within this after one
        self.resume_at = resume_at  # a balance this high resumes, whatever it was
        self._view: PauseView | None = None
        self._paused = trio.Event()  # set while paused; a new one after each resume
        metrics.kie_paused.labels(tenant).set(0)

    @property
    def paused(self) -> bool:
        return self._view is not None

    @property
    def view(self) -> PauseView | None:
        """Since when and why generations are paused; None while they run."""
        return self._view

    def pause(self, reason: str) -> bool:
        """KIE said it is out of credits (`reason`: its words). True when this call paused
        the generations (they ran until now); False when they were paused already."""
        if self._view is not None:
            return False
        self._view = PauseView(self.wall_clock(), reason[:300])
        self._paused.set()
        metrics.kie_paused.labels(self.tenant).set(1)
        log.error("kie.generation_paused", tenant=self.tenant, reason=self._view.reason)
        return True

    def resume(self, why: str) -> bool:
        """Credits are back (`why`: how it was seen). True when this call resumed the
        generations; False when they were running."""
        view = self._view
        if view is None:
            return False
        self._view = None
        self._paused = trio.Event()
        metrics.kie_paused.labels(self.tenant).set(0)
        log.warning(
            "kie.generation_resumed",
            tenant=self.tenant,
            why=why,
            paused_for=round(self.wall_clock() - view.since, 1),
        )
        return True

    async def wait_paused(self) -> PauseView:
        """Return once generations are paused (at once if they are)."""
        while self._view is None:
            await self._paused.wait()
        return self._view
