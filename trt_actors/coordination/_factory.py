"""`open_coordination`: pick the backend from `REDIS_URL` and run the health probe.

Without a URL the service runs on the in-process backend (one instance). With a URL it
uses Redis; if Redis is unreachable at start, the service still starts, in degraded mode
(one ``coordination.redis_down`` event), and a background probe notices when it is back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import structlog
import trio

from ._coordination import Coordination
from ._errors import RedisUnavailable
from ._groups import collapse_single_group
from ._health import RedisHealth
from ._settings import RedisSettings

if TYPE_CHECKING:
    from ._redis import RedisBackend

__all__ = ["open_coordination"]

log = structlog.get_logger(__name__)


@asynccontextmanager
async def open_coordination(
    redis_url: str | None,
    *,
    single_instance: bool = False,
    settings: RedisSettings | None = None,
) -> AsyncIterator[Coordination]:
    """Open the coordination layer for the body.

    Args:
        redis_url: ``REDIS_URL``; None or empty selects the in-process backend.
        single_instance: the operator asserts that only one instance runs. Then, while
            Redis is down, leases and locks are granted locally instead of refused.
        settings: timeouts, pool size, probe intervals and key prefix.

    Guarantees: never blocks longer than one call deadline at start (an unreachable Redis
    means degraded mode, not a failed boot); an invalid URL raises ValueError at once;
    the probe task and the connection pool are closed on exit; exceptions from the body
    propagate unchanged.
    """
    if not redis_url:
        log.info("coordination.opened", mode="local")
        yield Coordination()
        return
    # the redis library (about 50 ms at start) is loaded only when REDIS_URL is set
    from ._redis import RedisBackend  # noqa: PLC0415
    from ._redis_client import RedisClient  # noqa: PLC0415

    settings = settings or RedisSettings()
    client = RedisClient(redis_url, settings)
    try:
        backend = RedisBackend(client, settings.key_prefix)
        health = RedisHealth(client.redacted_url)
        await _probe_once(backend, health)
        coord = Coordination(
            redis=backend,
            health=health,
            single_instance=single_instance,
            redis_url=client.redacted_url,
        )
        log.info(
            "coordination.opened",
            mode=coord.status().mode,
            url=client.redacted_url,
            single_instance=single_instance,
        )
        with collapse_single_group():
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_probe_forever, backend, health, settings)
                yield coord
                nursery.cancel_scope.cancel()
    finally:
        await client.aclose()


async def _probe_once(backend: RedisBackend, health: RedisHealth) -> None:
    started = trio.current_time()
    try:
        await backend.ping()
    except RedisUnavailable as exc:
        health.mark_down(str(exc), started)
    else:
        health.mark_up(started)


async def _probe_forever(
    backend: RedisBackend, health: RedisHealth, settings: RedisSettings
) -> None:
    """Ping Redis forever; flips health on changes. Never raises (but Cancelled)."""
    while True:
        up = health.up
        await trio.sleep(settings.probe_interval_up if up else settings.probe_interval_down)
        await _probe_once(backend, health)
