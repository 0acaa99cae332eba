"""A tenant's node in the root: runs its subtree, and parks it when the bot cannot work.

One bot failing must not touch the others. Two failures are contained here:

- Telegram rejects the bot's token (401: revoked, or the bot was deleted). Any Bot API call
  of the tenant that gets `InvalidToken` (getUpdates, setWebhook, getMe, a send) trips the
  tenant's `TokenWatch`; once a getMe confirms it (a 404 for one method reads the same), the
  node stops the subtree and parks the tenant.
- The subtree gives up (a child kept crashing past the tenant's restart intensity). The node
  parks the tenant instead of failing the root, which would restart the other tenants.

A parked tenant is reported: a `parked` lifecycle event (logged at error level), its state
and reason in `/readyz` (`tenant_failures`), `trt_tenant_up{tenant}` at 0 and a count in
`trt_tenant_parked_total{tenant,reason}`. It is checked again after a backoff (from
`RECHECK_INITIAL` doubling to `RECHECK_MAX`, with jitter): a getMe that Telegram answers
(or cannot answer: a network failure is not a token problem) starts the subtree again. So a
revoked token costs one getMe per check, never a restart loop. The others keep serving.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import structlog
import trio

from trt_actors.observability.events import EventKind, current_bus, new_event
from trt_actors.observability.metrics import metrics
from trt_actors.supervisors import Backoff, Supervisor, SupervisorGaveUp, current_path
from trt_actors.telegram.bot_api import BotApi
from trt_actors.telegram.errors import InvalidToken, TelegramError

log = structlog.get_logger(__name__)

RECHECK_INITIAL = 30.0
RECHECK_MAX = 900.0
PROBE_DEADLINE = 10.0
TOKEN_REJECTED = "token_rejected"
GAVE_UP = "gave_up"


class TokenWatch:
    """A `BotApi` that notes when Telegram rejects the token, then raises as usual."""

    def __init__(self, api: BotApi) -> None:
        self.api = api
        self.rejected = trio.Event()
        self.where = ""

    def reset(self) -> None:
        self.rejected = trio.Event()
        self.where = ""

    async def call(
        self, method: str, params: Mapping[str, Any], *, read_timeout: float | None = None
    ) -> Any:
        try:
            return await self.api.call(method, params, read_timeout=read_timeout)
        except InvalidToken:
            if not self.rejected.is_set():
                self.where = method
                self.rejected.set()
            raise

    async def close(self) -> None:
        await self.api.close()


@dataclass(slots=True)
class TenantHealth:
    """What `/readyz` and the operator see of one tenant."""

    state: str = "starting"  # starting | serving | parked | stopped
    reason: str = ""
    since: float = 0.0  # wall-clock seconds
    next_check_in: float | None = None
    parked_times: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "reason": self.reason,
            "since": round(self.since, 3),
            "next_check_in": self.next_check_in,
        }


class TenantNode:
    """The handle of `tenant:<id>` in the root: the running subtree's `child`, `kill` and
    `describe`, and `request_stop`. `build` makes a fresh subtree for each (re)start."""

    def __init__(
        self,
        tenant_id: str,
        watch: TokenWatch,
        build: Callable[[], Supervisor],
        *,
        recheck: Backoff | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.watch = watch
        self.build = build
        self.recheck = recheck or Backoff(RECHECK_INITIAL, RECHECK_MAX, 2.0, 0.1, random.Random())
        self.health = TenantHealth()
        self.supervisor: Supervisor | None = None
        self._stop = trio.Event()

    # -- the handle --------------------------------------------------------------------------

    def child(self, child_id: str) -> Any:
        return self.supervisor.child(child_id) if self.supervisor is not None else None

    def kill(self, child_id: str) -> bool:
        return self.supervisor.kill(child_id) if self.supervisor is not None else False

    def describe(self) -> list[dict[str, Any]]:
        return self.supervisor.describe() if self.supervisor is not None else []

    def request_stop(self) -> None:
        self._stop.set()
        if self.supervisor is not None:
            self.supervisor.request_stop()

    # -- running -----------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        started = False
        try:
            while not self._stop.is_set():
                reason = await self._serve(task_status if not started else None)
                started = True
                if reason is None:
                    return
                if not await self._park(reason):
                    return
        finally:
            self.supervisor = None
            self.health.state = "stopped"
            metrics.tenant_up.labels(self.tenant_id).set(0)

    async def _serve(self, task_status: trio.TaskStatus[Any] | None) -> str | None:
        """Run a fresh subtree until a stop (None) or a reason to park the tenant."""
        self.watch.reset()
        supervisor = self.build()
        self.supervisor = supervisor
        reason: str | None = None
        try:
            async with trio.open_nursery() as nursery:
                await nursery.start(supervisor.run)
                self._set_serving()
                if task_status is not None:
                    task_status.started(self)
                    task_status = None
                nursery.start_soon(self._stop_on, supervisor)
        except* SupervisorGaveUp as group:
            reason = f"{GAVE_UP}: {group.exceptions[0]}"
        if reason is None and self.watch.rejected.is_set() and not self._stop.is_set():
            reason = f"{TOKEN_REJECTED}: Telegram answered 401 to {self.watch.where}"
        if reason is not None and task_status is not None:
            task_status.started(self)  # parked at once: still a started node, reported
        return reason

    async def _stop_on(self, supervisor: Supervisor) -> None:
        """Stop the subtree on a stop request, or once getMe confirms a rejected token (a
        404 on one method also reads as `InvalidToken`; getMe tells them apart)."""
        while not self._stop.is_set():
            async with trio.open_nursery() as waits:

                async def wait(event: trio.Event) -> None:
                    await event.wait()
                    waits.cancel_scope.cancel()

                waits.start_soon(wait, self._stop)
                waits.start_soon(wait, self.watch.rejected)
            if self._stop.is_set() or not await self._token_accepted():
                break
            log.warning("tenant.token_still_valid", tenant=self.tenant_id, call=self.watch.where)
            self.watch.reset()
        supervisor.request_stop()

    def _set_serving(self) -> None:
        recovered = self.health.state == "parked"
        self.health = TenantHealth("serving", "", time.time(), None, self.health.parked_times)
        metrics.tenant_up.labels(self.tenant_id).set(1)
        if recovered:
            log.info("tenant.resumed", tenant=self.tenant_id)
            self._publish(EventKind.STARTED, reason="resumed after a check")

    async def _park(self, reason: str) -> bool:
        """Wait, check, repeat; True when the tenant may serve again, False on a stop."""
        self.supervisor = None
        kind = reason.split(":", 1)[0]
        self.health = TenantHealth(
            "parked", reason, time.time(), None, self.health.parked_times + 1
        )
        metrics.tenant_up.labels(self.tenant_id).set(0)
        metrics.tenant_parked.labels(self.tenant_id, kind).inc()
        attempt = 0
        while True:
            attempt += 1
            delay = self.recheck.delay(attempt)
            self.health.next_check_in = round(delay, 3)
            log.error("tenant.parked", tenant=self.tenant_id, reason=reason, check_in=delay)
            self._publish(EventKind.PARKED, reason=f"{reason}; next check in {delay:.0f}s")
            with trio.move_on_after(delay):
                await self._stop.wait()
            if self._stop.is_set():
                return False
            if kind != TOKEN_REJECTED or await self._token_accepted():
                return True

    async def _token_accepted(self) -> bool:
        """getMe on the bare client: False only when Telegram rejects the token again."""
        try:
            with trio.fail_after(PROBE_DEADLINE):
                await self.watch.api.call("getMe", {})
        except InvalidToken:
            return False
        except (TelegramError, trio.TooSlowError) as exc:
            log.warning(
                "tenant.check_inconclusive", tenant=self.tenant_id, error=type(exc).__name__
            )
        return True

    def _publish(self, kind: EventKind, **fields: Any) -> None:
        event = new_event(kind, current_path.get(), f"tenant:{self.tenant_id}", **fields)
        current_bus.get().publish(event)
