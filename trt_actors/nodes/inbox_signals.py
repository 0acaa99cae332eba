"""The `inbox_signals` node (several instances): other instances' inbox batches, relayed to
the dispatchers of the partitions they wrote to.

Each batch an instance commits notifies the others (PostgreSQL NOTIFY, sent in the batch's
own transaction, so at its commit; storage/_inbox.py). This node waits for those notices
and tells each tenant's backlog which partitions got rows (`Backlog.notified`), so their
owner reads them at once instead of at its next sweep. A notice lost (the listening
connection broke, the database restarted) costs only that wait: the sweep still finds the
rows. Runs only when instances share Redis; on SQLite it waits and hears nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
import trio

from trt_actors.actors.dispatcher import Backlog
from trt_actors.storage import StorageError, Store

log = structlog.get_logger(__name__)

WAIT = 1.0  # seconds each listen waits for a notice (closing the store waits out one)
RETRY = 1.0  # after the listening connection failed


def partitions_by_tenant(notice: str, origin: str) -> dict[str, set[int]]:
    """The partitions each tenant got rows in, from a notice of another instance (nothing
    for this instance's own notices, or one that cannot be read)."""
    sender, _, rest = notice.partition("|")
    found: dict[str, set[int]] = {}
    if sender == origin:
        return found
    for part in rest.split("|"):
        tenant, _, listed = part.partition(":")
        try:
            found.setdefault(tenant, set()).update(int(p) for p in listed.split(",") if p)
        except ValueError:
            log.warning("inbox_signals.unreadable", notice=notice[:200])
    return found


async def relay_inbox_notifications(
    store: Store,
    origin: str,
    backlogs: Mapping[str, Backlog],
    *,
    task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Listen until cancelled; a failing connection is retried, never fatal."""
    task_status.started()
    while True:
        try:
            notices = await store.inbox.notifications(wait=WAIT)
        except StorageError as exc:
            log.warning("inbox_signals.listen_failed", error=str(exc))
            await trio.sleep(RETRY)
            continue
        for notice in notices:
            for tenant, partitions in partitions_by_tenant(notice, origin).items():
                backlog = backlogs.get(tenant)
                if backlog is not None:
                    backlog.notified(partitions)
