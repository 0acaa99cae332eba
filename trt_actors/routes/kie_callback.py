"""KIE callbacks: `POST /kie/callback/{tenant}/{job}?s=<secret>`.

A callback only wakes the job actor, which then asks KIE for the task's status itself: the
callback's body is never trusted for the result. The URL carries a secret derived per job
(HMAC of the tenant's key and the job id, so nothing needs storing), checked in constant time,
and KIE's HMAC signature headers are checked too when `KIE_WEBHOOK_HMAC_KEY` is set (a
timestamp older than `MAX_CALLBACK_SKEW` is refused). A callback that fails any check is
answered 401 and wakes nothing. A callback for a job that is not running (finished, or not
yet resumed) is acknowledged and ignored: the job reads the status when it runs.

A verified callback seen again within `MAX_CALLBACK_SKEW` (the same job, body and signature:
a replay, or KIE repeating one whose answer it missed) is acknowledged and wakes nothing, so
replaying a captured callback cannot make a job read KIE's status over and over (each read
spends KIE's per-key rate). The memory of callbacks is per process and bounded.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

import structlog
import trio

from trt_actors.kie import (
    MAX_CALLBACK_SKEW,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    CallbackRejected,
    verify_callback,
)
from trt_actors.web import HTTPError, Request, Response, Router

log = structlog.get_logger(__name__)

CALLBACK_BODY_LIMIT = 256 * 1024
REPLAY_MEMORY = 10_000  # verified callbacks remembered at most (the oldest are forgotten)


class ReplayGuard:
    """Remembers verified callbacks for `window` seconds (trio time): `seen` is True for one
    seen before in that time."""

    def __init__(self, window: float = MAX_CALLBACK_SKEW, capacity: int = REPLAY_MEMORY) -> None:
        self.window = window
        self.capacity = capacity
        self._until: dict[bytes, float] = {}  # digest -> forgotten at; in insertion order

    def seen(self, *parts: str | bytes) -> bool:
        digest = hashlib.sha256()
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big") + data)
        key, now = digest.digest(), trio.current_time()
        until = self._until.get(key)
        if until is not None and until > now:
            return True
        if len(self._until) >= self.capacity:
            self._forget(now)
        self._until[key] = now + self.window
        return False

    def _forget(self, now: float) -> None:
        live = {key: until for key, until in self._until.items() if until > now}
        if len(live) >= self.capacity:  # all recent: drop the older half
            live = dict(list(live.items())[len(live) // 2 :])
        self._until = live


def callback_secret(key: str, tenant: str, job_id: int) -> str:
    """The secret in job `job_id`'s callback URL (derived, not stored)."""
    message = f"kie-callback:{tenant}:{job_id}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()[:32]


def callback_url(base_url: str, key: str, tenant: str, job_id: int) -> str:
    return f"{base_url}/kie/callback/{tenant}/{job_id}?s={callback_secret(key, tenant, job_id)}"


def add_kie_callback_route(
    router: Router,
    *,
    key_of: Callable[[str], str | None],
    wake_job: Callable[[str, int], bool],
    hmac_key: str | None,
) -> None:
    """`key_of(tenant)`: the tenant's secret key (None: unknown tenant); `wake_job(tenant,
    job)`: tell a running job actor to look now (False if none runs)."""
    replays = ReplayGuard()

    async def callback(request: Request) -> Response:
        tenant, raw_job = request.params["tenant"], request.params["job"]
        key = key_of(tenant)
        if key is None or not raw_job.isdigit():
            raise HTTPError(404, "no such job")
        job_id = int(raw_job)
        headers = _headers(request)
        try:
            verified = verify_callback(
                body=request.body,
                headers=headers,
                given_secret=request.query.get("s"),
                expected_secret=callback_secret(key, tenant, job_id),
                hmac_key=hmac_key,
                now=time.time(),
            )
        except CallbackRejected as exc:
            log.warning("kie.callback_rejected", tenant=tenant, job=job_id, reason=str(exc))
            raise HTTPError(401, "rejected") from None
        signature = (headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER])
        if replays.seen(tenant, raw_job, *signature, request.body):
            log.warning("kie.callback_replayed", tenant=tenant, job=job_id)
            return Response.json({"ok": True})
        woke = wake_job(tenant, job_id)
        log.info("kie.callback", tenant=tenant, job=job_id, task=verified.task_id, woke=woke)
        return Response.json({"ok": True})

    router.add("POST", "/kie/callback/{tenant}/{job}", callback, max_body_bytes=CALLBACK_BODY_LIMIT)


def _headers(request: Request) -> dict[str, str]:
    return {name: request.headers.get(name) or "" for name in (TIMESTAMP_HEADER, SIGNATURE_HEADER)}
