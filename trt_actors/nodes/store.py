"""The `store` and `coordination` nodes: the storage pool and the coordination backend."""

from __future__ import annotations

from typing import Any

import trio

from trt_actors.coordination import open_coordination
from trt_actors.storage import serve_store


async def run_store(
    url: str, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED
) -> None:
    """Open the database, apply migrations, start the inbox writer; report the `Store`."""
    await serve_store(url, task_status=task_status)


async def run_coordination(
    redis_url: str | None, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED
) -> None:
    """Redis leases, locks and buckets, or the in-process fallback; report `Coordination`."""
    async with open_coordination(redis_url) as coordination:
        task_status.started(coordination)
        await trio.sleep_forever()
