"""Webhook intake: `POST /webhook/{tenant}` (and `/webhook` for the default tenant).

In order: a body over the limit → 413 (refused from its Content-Length, before it is read); a
request without the tenant's secret token (constant-time compare) → 401, and more than the
per-IP rate of such requests → 429 with Retry-After (requests with the right secret are never
limited by address: Telegram posts a busy bot's updates from a few addresses); the tenant not
ready or draining → 503 with Retry-After; the tenant's backlog at its bound
(`INBOX_MAX_BACKLOG` updates committed and not yet handled) → 503 with Retry-After, Telegram
posts it again later; a body that is not JSON, or not an update the bot can read (no integer
`update_id`, a field the bot reads of the wrong type: `domain.update_shape`) → 400 and a
`webhook.malformed` event with the reason. Otherwise the update is appended to the durable
inbox as received and the answer, 200, is sent only after the commit. A duplicate
`update_id` is answered 200 and not handled twice.
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
import structlog
import trio

from trt_actors.actors import ActorRef
from trt_actors.actors.dispatcher import Backlog, DispatcherMessage
from trt_actors.actors.inbox_update import InboxUpdate
from trt_actors.coordination import TokenBucket
from trt_actors.domain.update_shape import problem_of
from trt_actors.observability.correlation import correlations, update_correlation
from trt_actors.observability.metrics import metrics
from trt_actors.storage import AppendResult, StorageError, Store
from trt_actors.web import HTTPError, Request, Response, Router

log = structlog.get_logger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PER_IP_RATE = 200.0  # unauthenticated requests per second from one address
PER_IP_BURST = 400
RETRY_AFTER_NOT_READY = "5"
RETRY_AFTER_BUSY_MAX = 60  # seconds: a full backlog asks Telegram to come back within this
COMMIT_DEADLINE = 10.0  # past this the update is not acknowledged: Telegram sends it again
MAX_TRACKED_IPS = 10_000


@dataclass
class WebhookIntake:
    """One tenant's webhook door. `ready` is set while its dispatcher runs."""

    tenant: str
    secret: str
    store: Store
    dispatcher: ActorRef[DispatcherMessage]
    backlog: Backlog = field(default_factory=lambda: Backlog(""))
    answer_rate: float = 30.0  # updates/s the bot answers at most (its message budget)
    ready: bool = False
    accepted: int = 0
    duplicates: int = 0

    def authorised(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER) or ""
        return hmac.compare_digest(given.encode(), self.secret.encode())


@dataclass
class WebhookDoors:
    """The intakes of the running tenants, and the per-IP limits shared by them."""

    default_tenant: str
    configured: frozenset[str] = frozenset()  # tenants of this service, running or not
    intakes: dict[str, WebhookIntake] = field(default_factory=dict)
    draining: bool = False
    per_ip_rate: float = PER_IP_RATE
    per_ip_burst: int = PER_IP_BURST
    _buckets: dict[str, TokenBucket] = field(default_factory=dict)

    def admit(self, address: str) -> float:
        """0 when the address may send now, else the seconds it must wait."""
        now = trio.current_time()
        bucket = self._buckets.get(address)
        if bucket is None:
            if len(self._buckets) >= MAX_TRACKED_IPS:
                self._buckets.clear()
            bucket = self._buckets[address] = TokenBucket(self.per_ip_rate, self.per_ip_burst, now)
        wait = bucket.wait(now)
        if wait == 0:
            bucket.take(now)
        return wait


def add_webhook_routes(router: Router, doors: WebhookDoors, *, max_body_bytes: int) -> None:
    async def tenant_webhook(request: Request) -> Response:
        return await _accept(doors, request.params["tenant"], request)

    async def default_webhook(request: Request) -> Response:
        return await _accept(doors, doors.default_tenant, request)

    router.add("POST", "/webhook/{tenant}", tenant_webhook, max_body_bytes=max_body_bytes)
    router.add("POST", "/webhook", default_webhook, max_body_bytes=max_body_bytes)


async def _accept(doors: WebhookDoors, tenant: str, request: Request) -> Response:
    address = request.client[0] if request.client else "unknown"
    intake = doors.intakes.get(tenant)
    if intake is None and tenant in doors.configured:  # starting, restarting or stopping
        raise HTTPError(503, "not ready", headers={"Retry-After": RETRY_AFTER_NOT_READY})
    if intake is None or not intake.authorised(request):
        wait = doors.admit(address)
        if wait > 0:  # not logged: a flood of these must not flood the log
            raise HTTPError(429, "too many requests", headers={"Retry-After": _seconds(wait)})
        log.warning("webhook.unauthorised", tenant=tenant, client=address)
        raise HTTPError(401, "unauthorised")
    if doors.draining or not intake.ready:
        raise HTTPError(503, "not ready", headers={"Retry-After": RETRY_AFTER_NOT_READY})
    if not intake.backlog.admit():
        seconds = intake.backlog.size / intake.answer_rate
        retry_after = str(min(RETRY_AFTER_BUSY_MAX, max(1, math.ceil(seconds))))
        raise HTTPError(503, "busy", headers={"Retry-After": retry_after})
    update = _parse(tenant, request)
    update_id = update["update_id"]
    message = InboxUpdate.of(update, request.body)
    began = trio.current_time()
    try:  # a plain scope, not `fail_after`'s generator: every update enters it
        with trio.move_on_after(COMMIT_DEADLINE) as committing:
            result = await intake.store.inbox.append(
                tenant, update_id, request.body, partition=message.partition
            )
        failure = f"no commit within {COMMIT_DEADLINE:g}s" if committing.cancelled_caught else None
    except StorageError as exc:
        failure = str(exc)
    if failure is not None:
        log.error("webhook.commit_failed", tenant=tenant, update_id=update_id, error=failure)
        raise HTTPError(503, "storage unavailable", headers={"Retry-After": "1"})
    metrics.updates_received.labels(tenant, "webhook").inc()
    correlations.record(
        tenant,
        "intake",
        correlation_id=update_correlation(update_id),
        via="webhook",
        result=result.value,
    )
    if result is AppendResult.NEW:
        intake.accepted += 1
        await intake.dispatcher.send(replace(message, committed_at=trio.current_time()))
    else:
        intake.duplicates += 1
        metrics.updates_deduplicated.labels(tenant).inc()
    metrics.ack_latency.labels(tenant).observe(trio.current_time() - began)
    return Response.json({"ok": True})


def _parse(tenant: str, request: Request) -> dict[str, Any]:
    """The update in the body, or 400 with a `webhook.malformed` event saying what is wrong:
    not JSON, or not an update the bot can read (`domain.update_shape`)."""
    try:
        update = orjson.loads(request.body)
    except orjson.JSONDecodeError as exc:
        log.warning("webhook.malformed", tenant=tenant, reason=str(exc), size=len(request.body))
        raise HTTPError(400, "body is not JSON") from None
    problem = problem_of(update)
    if problem is not None:
        log.warning("webhook.malformed", tenant=tenant, reason=problem, size=len(request.body))
        raise HTTPError(400, f"not a Telegram update: {problem}")
    assert isinstance(update, dict)
    return update


def _seconds(wait: float) -> str:
    return str(max(1, int(wait + 0.999)))
