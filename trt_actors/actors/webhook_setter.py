"""The webhook setter: keeps Telegram's webhook pointed at this service. Leader only.

Each cycle runs under one hard deadline (`trio.fail_after`) that covers the probe
(getWebhookInfo) and the set: a Telegram that hangs ends the cycle at the deadline, never
later. When the URL and the allowed updates already match and this process set them with the
same secret, the cycle does nothing. Failures back off exponentially with jitter up to a cap;
after a success it checks again only rarely. It never asks Telegram to drop pending updates:
updates that arrived during a deploy are delivered, not lost.

One log event per cycle: `webhook_setter.already_set`, `.ok` or `.failed` (error type,
duration, next retry).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from typing import Any

import structlog
import trio

from trt_actors.coordination import Coordination, Leader, run_as_leader
from trt_actors.supervisors import Backoff
from trt_actors.telegram.bot_api import BotApi
from trt_actors.telegram.errors import TelegramError

from ._actor import Actor

log = structlog.get_logger(__name__)

CYCLE_DEADLINE = 15.0  # probe + set, together
RETRY_INITIAL = 2.0
RETRY_MAX = 300.0
RETRY_JITTER = 0.25
RECHECK_AFTER = 600.0  # after a success, look again this much later
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "callback_query",
    "pre_checkout_query",
    "my_chat_member",
)
MAX_CONNECTIONS = 40


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    url: str
    secret: str
    allowed_updates: tuple[str, ...] = ALLOWED_UPDATES

    @property
    def fingerprint(self) -> str:
        """Identifies what was set, secret included, without keeping the secret itself."""
        raw = "\n".join((self.url, self.secret, *self.allowed_updates))
        return hashlib.sha256(raw.encode()).hexdigest()


def matches(info: dict[str, Any], target: WebhookTarget) -> bool:
    """True when Telegram's webhook already has the target's URL and allowed updates."""
    allowed = info.get("allowed_updates") or []
    return info.get("url") == target.url and sorted(allowed) == sorted(target.allowed_updates)


class WebhookSetterActor(Actor[str]):
    """Runs set-webhook cycles while this process leads `webhook_setter:<tenant>`.

    Send it "check" to run a cycle now (for example from the admin panel).
    """

    def __init__(
        self,
        api: BotApi,
        coordination: Coordination,
        target: WebhookTarget,
        *,
        tenant: str,
        rng: random.Random | None = None,
    ) -> None:
        self.api = api
        self.coordination = coordination
        self.target = target
        self.tenant = tenant
        self._backoff = Backoff(RETRY_INITIAL, RETRY_MAX, 2.0, RETRY_JITTER, rng or random.Random())
        self.set_fingerprint: str | None = None  # what this process last set
        self.cycles = 0
        self._check_now = trio.Event()

    async def on_start(self) -> None:
        self.tasks.start_soon(self._campaign)

    async def handle(self, message: str) -> None:
        if message == "check":
            self._check_now.set()

    async def _campaign(self) -> None:
        await run_as_leader(self.coordination, f"webhook_setter:{self.tenant}", self._lead)

    async def _lead(self, leader: Leader) -> None:
        failures = 0
        while True:
            ok = await self.cycle()
            failures = 0 if ok else failures + 1
            delay = RECHECK_AFTER if ok else self.backoff(failures)
            self._check_now = trio.Event()
            with trio.move_on_after(delay):
                await self._check_now.wait()

    def backoff(self, failures: int) -> float:
        """Seconds before retry n: exponential from RETRY_INITIAL, capped at RETRY_MAX, with
        jitter so that many instances or tenants do not retry in step."""
        return self._backoff.delay(failures)

    async def cycle(self) -> bool:
        """One probe-and-set under the cycle deadline; True when the webhook is right."""
        self.cycles += 1
        began = trio.current_time()
        try:
            with trio.fail_after(CYCLE_DEADLINE):
                outcome = await self._probe_and_set()
        except (TelegramError, trio.TooSlowError) as exc:
            log.warning(
                "webhook_setter.failed",
                error_type=type(exc).__name__,
                error=str(exc),
                duration=round(trio.current_time() - began, 3),
            )
            return False
        log.info(f"webhook_setter.{outcome}", url=self.target.url)
        return True

    async def _probe_and_set(self) -> str:
        info = await self.api.call("getWebhookInfo", {})
        if matches(info, self.target) and self.set_fingerprint == self.target.fingerprint:
            return "already_set"
        await self.api.call(
            "setWebhook",
            {
                "url": self.target.url,
                "secret_token": self.target.secret,
                "allowed_updates": list(self.target.allowed_updates),
                "max_connections": MAX_CONNECTIONS,
            },
        )
        self.set_fingerprint = self.target.fingerprint
        return "ok"
