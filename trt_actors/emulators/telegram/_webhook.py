"""Webhook delivery: POST each pending update, in order, to the bot's webhook URL.

Like Telegram: the JSON Update goes in the body, `X-Telegram-Bot-Api-Secret-Token` carries
the secret when one is set, any non-2xx answer (or a timeout or connection error) is retried
after a delay, and the next update waits until this one is acknowledged. After
`max_attempts` failures the update is dropped. Errors show in getWebhookInfo.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import httpx
import structlog
import trio

from trt_actors.emulators.telegram._config import WebhookPolicy
from trt_actors.emulators.telegram._store import BotState, WebhookState
from trt_actors.web import redact_path

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: Idle deliverers re-check their state at least this often (seconds).
RECHECK_INTERVAL = 5.0


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One POST of one update: the HTTP status, or the error when there was none."""

    update_id: int
    url: str
    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class WebhookDeliverer:
    """Delivers one bot's updates while it has a webhook. Run `run()` in a nursery."""

    def __init__(self, bot: BotState, client: httpx.AsyncClient, policy: WebhookPolicy) -> None:
        self.bot = bot
        self.client = client
        self.policy = policy
        self.attempts: list[DeliveryAttempt] = []

    async def run(self) -> None:
        """Deliver forever; returns only by cancellation."""
        failures = 0
        while True:
            hook = self.bot.webhook
            update = self.bot.updates.first() if hook is not None else None
            if hook is None or update is None:
                with trio.move_on_after(RECHECK_INTERVAL):
                    await self.bot.updates.changed.wait()
                continue
            attempt = await self._post(hook, update)
            self.attempts.append(attempt)
            if attempt.ok:
                hook.deliveries += 1
                self.bot.updates.remove(attempt.update_id)
                failures = 0
                continue
            failures += 1
            self._record_error(hook, attempt)
            if failures >= self.policy.max_attempts:
                log.warning("telegram_emulator.webhook_gave_up", update_id=attempt.update_id)
                self.bot.updates.remove(attempt.update_id)
                failures = 0
                continue
            delays = self.policy.retry_delays
            with trio.move_on_after(delays[min(failures, len(delays)) - 1]):
                while self.bot.webhook is hook:  # a new setWebhook retries at once
                    await self.bot.updates.changed.wait()

    async def _post(self, hook: WebhookState, update: dict[str, object]) -> DeliveryAttempt:
        update_id = int(str(update["update_id"]))
        headers = {"content-type": "application/json"}
        if hook.secret_token:
            headers[SECRET_HEADER] = hook.secret_token
        body = json.dumps(update, ensure_ascii=False).encode()
        try:
            with trio.fail_after(self.policy.request_timeout):
                response = await self.client.post(hook.url, content=body, headers=headers)
        except trio.TooSlowError:
            return DeliveryAttempt(update_id, hook.url, None, "Read timeout expired")
        except httpx.HTTPError as exc:
            error = redact_path(f"Connection error: {exc!r}")
            return DeliveryAttempt(update_id, hook.url, None, error)
        return DeliveryAttempt(update_id, hook.url, response.status_code, None)

    def _record_error(self, hook: WebhookState, attempt: DeliveryAttempt) -> None:
        if attempt.status is not None:
            message = f"Wrong response from the webhook: {attempt.status}"
        else:
            message = attempt.error or "unknown error"
        hook.last_error_date = int(time.time())
        hook.last_error_message = message
        log.info(
            "telegram_emulator.webhook_failed",
            update_id=attempt.update_id,
            status=attempt.status,
            error=attempt.error,
        )
