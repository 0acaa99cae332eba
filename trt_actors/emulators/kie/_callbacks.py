"""Callbacks: POST each finished task to its callBackUrl, like KIE, with HMAC headers.

When a task reaches success or fail, its callback body (`_views.callback_body`) is POSTed
as JSON. With an HMAC key configured, ``X-Webhook-Timestamp`` (Unix seconds) and
``X-Webhook-Signature`` = base64(HMAC-SHA256(key, taskId + "." + timestamp)) are added.
A non-2xx answer, a timeout or a connection error is retried after the policy's delays,
up to `max_attempts`; then the callback is given up (KIE documents no more than that).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import structlog
import trio

from trt_actors.emulators.kie._config import CallbackPolicy
from trt_actors.emulators.kie._tasks import EmuTask, TaskBook
from trt_actors.kie import SIGNATURE_HEADER, TIMESTAMP_HEADER, callback_signature

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class CallbackAttempt:
    """One POST of one task's callback: the HTTP status, or the error when there was none."""

    task_id: str
    attempt: int
    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class CallbackSender:
    """Watches the task book and delivers callbacks. Run `run()` in a nursery."""

    def __init__(
        self,
        book: TaskBook,
        client: httpx.AsyncClient,
        policy: CallbackPolicy,
        *,
        hmac_key: Callable[[], str | None],
        body_of: Callable[[EmuTask], dict[str, object]],
    ) -> None:
        self.book = book
        self.client = client
        self.policy = policy
        self._hmac_key = hmac_key
        self._body_of = body_of
        self.attempts: list[CallbackAttempt] = []

    async def run(self) -> None:
        """Deliver forever; returns only by cancellation."""
        async with trio.open_nursery() as nursery:
            while True:
                changed = self.book.changed_event()
                now = trio.current_time()
                next_at = math.inf
                for task in list(self.book.tasks.values()):
                    if task.callback_sent or task.callback_url is None or task.done_at is None:
                        continue
                    if task.done_at <= now:
                        task.callback_sent = True
                        nursery.start_soon(self._deliver, task)
                    else:
                        next_at = min(next_at, task.done_at)
                with trio.move_on_at(next_at):
                    await changed.wait()

    async def _deliver(self, task: EmuTask) -> None:
        delays = self.policy.retry_delays
        for number in range(1, self.policy.max_attempts + 1):
            attempt = await self._post(task, number)
            self.attempts.append(attempt)
            if attempt.ok:
                return
            log.info(
                "kie_emulator.callback_failed",
                task_id=task.task_id,
                attempt=number,
                status=attempt.status,
                error=attempt.error,
            )
            if number < self.policy.max_attempts and delays:
                await trio.sleep(delays[min(number, len(delays)) - 1])
        log.warning("kie_emulator.callback_gave_up", task_id=task.task_id)

    async def _post(self, task: EmuTask, number: int) -> CallbackAttempt:
        url = task.callback_url
        assert url is not None
        headers = {"content-type": "application/json"}
        key = self._hmac_key()
        if key:
            stamp = str(int(time.time()))
            headers[TIMESTAMP_HEADER] = stamp
            headers[SIGNATURE_HEADER] = callback_signature(key, task.task_id, stamp)
        body = json.dumps(self._body_of(task), ensure_ascii=False).encode()
        try:
            with trio.fail_after(self.policy.request_timeout):
                response = await self.client.post(url, content=body, headers=headers)
        except trio.TooSlowError:
            return CallbackAttempt(task.task_id, number, None, "timeout")
        except httpx.HTTPError as exc:
            return CallbackAttempt(task.task_id, number, None, f"{type(exc).__name__}: {exc}")
        return CallbackAttempt(task.task_id, number, response.status_code, None)
