"""The warmup actor: runs once, under a budget, and never delays readiness.

It reports started at once and does its work in the background: a first `getMe` (which also
checks the token, and tells the tenant's `BotIdentity` the bot's username for its links), and
the handler's first screens (menus built once, so the first /start of a real user costs no
more than any other). Past `BUDGET` seconds it stops where it is and
says so; nothing waits for it. Then it exits normally (a temporary child: not restarted).
"""

from __future__ import annotations

from collections.abc import Callable

import structlog
import trio

from trt_actors.telegram.bot_api import BotApi
from trt_actors.telegram.errors import TelegramError

from ._actor import Actor

log = structlog.get_logger(__name__)

BUDGET = 10.0


class WarmupActor(Actor[None]):
    def __init__(
        self,
        api: BotApi,
        warm_handler: Callable[[], object],
        *,
        on_identity: Callable[[str], None] | None = None,
        budget: float = BUDGET,
    ) -> None:
        self.api = api
        self.warm_handler = warm_handler
        self.on_identity = on_identity  # told the bot's username, as getMe gives it
        self.budget = budget
        self.done = trio.Event()

    async def on_start(self) -> None:
        self.tasks.start_soon(self._warm)

    async def handle(self, message: None) -> None:
        return None

    async def _warm(self) -> None:
        began = trio.current_time()
        with trio.move_on_after(self.budget) as scope:
            self.warm_handler()
            try:
                me = await self.api.call("getMe", {})
            except TelegramError as exc:
                log.warning("warmup.get_me_failed", error_type=type(exc).__name__, error=str(exc))
            else:
                username = me.get("username") if isinstance(me, dict) else None
                log.info("warmup.bot", username=username)
                if isinstance(username, str) and username and self.on_identity is not None:
                    self.on_identity(username)
        took = round(trio.current_time() - began, 3)
        if scope.cancelled_caught:
            log.warning("warmup.over_budget", budget=self.budget)
        else:
            log.info("warmup.done", seconds=took)
        self.done.set()
        self.ref.request_stop()
