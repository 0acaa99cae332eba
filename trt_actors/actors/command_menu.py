"""The command menu: registers the bot's commands (`setMyCommands`) once at start. Leader only.

The tenant subtree starts it after the intake, so it never delays readiness. It campaigns
for `command_menu:<tenant>` (with one instance, or no Redis, it leads at once; with several
only the leader registers), then makes each call under its own deadline. A call that fails
or hangs is retried with exponential backoff and jitter until it succeeds; calls already
made are not repeated. Once every call went through it logs `command_menu.registered` and
exits normally (a transient child: restarted only if it crashed).
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import structlog
import trio

from trt_actors.coordination import Coordination, Leader, run_as_leader
from trt_actors.domain.effects import BotCall
from trt_actors.supervisors import Backoff, ChildSpec, Restart
from trt_actors.telegram.bot_api import BotApi
from trt_actors.telegram.errors import TelegramError

from ._actor import Actor, actor_child

log = structlog.get_logger(__name__)

CALL_DEADLINE = 10.0  # one setMyCommands call
RETRY_INITIAL = 1.0
RETRY_MAX = 300.0
RETRY_JITTER = 0.25


class CommandMenuActor(Actor[None]):
    """Makes `calls` (the setMyCommands of every language) once, as the tenant's leader."""

    def __init__(
        self,
        api: BotApi,
        coordination: Coordination,
        calls: Sequence[BotCall],
        *,
        tenant: str,
        rng: random.Random | None = None,
    ) -> None:
        self.api = api
        self.coordination = coordination
        self.calls = list(calls)
        self.tenant = tenant
        self._backoff = Backoff(RETRY_INITIAL, RETRY_MAX, 2.0, RETRY_JITTER, rng or random.Random())
        self.done = trio.Event()

    async def on_start(self) -> None:
        self.tasks.start_soon(self._campaign)

    async def handle(self, message: None) -> None:
        return None

    async def _campaign(self) -> None:
        await run_as_leader(self.coordination, f"command_menu:{self.tenant}", self._register)
        log.info("command_menu.registered", calls=len(self.calls))
        self.done.set()
        self.ref.request_stop()

    async def _register(self, leader: Leader) -> None:
        for call in self.calls:
            await self._until_done(call)

    async def _until_done(self, call: BotCall) -> None:
        failures = 0
        while True:
            try:
                with trio.fail_after(CALL_DEADLINE):
                    await self.api.call(call.method, call.params)
            except (TelegramError, trio.TooSlowError) as exc:
                failures += 1
                delay = self._backoff.delay(failures)
                log.warning(
                    "command_menu.failed",
                    method=call.method,
                    language=call.params.get("language_code"),
                    error_type=type(exc).__name__,
                    retry_in=round(delay, 3),
                )
                await trio.sleep(delay)
            else:
                return


def command_menu_child(
    api: BotApi, coordination: Coordination, calls: Sequence[BotCall], tenant: str
) -> ChildSpec:
    """The tenant's `command_menu` child, making `calls` (the handler's `command_menu`)."""
    spec, _ = actor_child(
        "command_menu",
        lambda: CommandMenuActor(api, coordination, calls, tenant=tenant),
        restart=Restart.TRANSIENT,
        tenant=tenant,
    )
    return spec
