"""KIE callbacks: `POST /kie/callback/{tenant}/{job}?s=<secret>`.

A callback only wakes the job actor, which then asks KIE for the task's status itself: the
callback's body is never trusted for the result. The URL carries a secret derived per job
(HMAC of the tenant's key and the job id, so nothing needs storing), checked in constant time,
and KIE's HMAC signature headers are checked too when `KIE_WEBHOOK_HMAC_KEY` is set. A
callback for a job that is not running (finished, or not yet resumed) is acknowledged and
ignored: the job reads the status when it runs.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

import structlog

from trt_actors.kie import CallbackRejected, verify_callback
from trt_actors.web import HTTPError, Request, Response, Router

log = structlog.get_logger(__name__)

CALLBACK_BODY_LIMIT = 256 * 1024


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

    async def callback(request: Request) -> Response:
        tenant, raw_job = request.params["tenant"], request.params["job"]
        key = key_of(tenant)
        if key is None or not raw_job.isdigit():
            raise HTTPError(404, "no such job")
        job_id = int(raw_job)
        try:
            verified = verify_callback(
                body=request.body,
                headers=_headers(request),
                given_secret=request.query.get("s"),
                expected_secret=callback_secret(key, tenant, job_id),
                hmac_key=hmac_key,
                now=time.time(),
            )
        except CallbackRejected as exc:
            log.warning("kie.callback_rejected", tenant=tenant, job=job_id, reason=str(exc))
            raise HTTPError(401, "rejected") from None
        woke = wake_job(tenant, job_id)
        log.info("kie.callback", tenant=tenant, job=job_id, task=verified.task_id, woke=woke)
        return Response.json({"ok": True})

    router.add("POST", "/kie/callback/{tenant}/{job}", callback, max_body_bytes=CALLBACK_BODY_LIMIT)


def _headers(request: Request) -> dict[str, Any]:
    return {name: request.headers.get(name) or "" for name in _SIGNATURE_HEADERS}


_SIGNATURE_HEADERS = ("X-Webhook-Timestamp", "X-Webhook-Signature")
