"""The correlation flush actor: writes correlation records to storage in batches.

It takes up to `BATCH` records at a time, waiting at most `FLUSH_EVERY` seconds to fill a
batch, and writes each tenant's records in one transaction. A failed write is logged and its
records counted as lost: correlation records are diagnostics, and must never take the service
down. At a graceful stop it writes what is still queued, shielded from cancellation but bounded
by `FINAL_FLUSH_DEADLINE`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

import structlog
import trio

from trt_actors.observability.correlation import CorrelationLog, CorrelationRecord
from trt_actors.storage import CorrelationStep, StorageError, Store

from ._actor import Actor

log = structlog.get_logger(__name__)

BATCH = 500
FLUSH_EVERY = 1.0
WRITE_DEADLINE = 10.0
FINAL_FLUSH_DEADLINE = 2.0

Writer = Callable[[str, Sequence[CorrelationStep]], Awaitable[object]]


def store_writer(store: Store) -> Writer:
    async def write(tenant: str, steps: Sequence[CorrelationStep]) -> object:
        return await store.run(tenant, lambda tx: tx.correlations.record_many(steps))

    return write


class CorrelationFlushActor(Actor[None]):
    def __init__(self, queue: CorrelationLog, write: Writer) -> None:
        self.queue = queue
        self.write = write
        self.written = 0
        self.lost = 0
        self._pending: list[CorrelationRecord] = []  # taken off the queue, not yet written
        self._flusher = trio.CancelScope()

    async def on_start(self) -> None:
        self.tasks.start_soon(self._flush_forever)

    async def handle(self, message: None) -> None:
        return None

    async def _flush_forever(self) -> None:
        with self._flusher:
            while True:
                await self.queue.fill(self._pending, BATCH, FLUSH_EVERY)
                await self.flush()

    async def on_stop(self) -> None:
        self._flusher.cancel()  # stop the loop at its next checkpoint; nothing is lost by that
        with trio.CancelScope(shield=True), trio.move_on_after(FINAL_FLUSH_DEADLINE):
            self._pending.extend(self.queue.drain())
            await self.flush()

    async def flush(self) -> None:
        """Write the pending records, one transaction per tenant. A tenant's records leave
        `_pending` only once written (or counted lost), so a cancelled flush repeats none."""
        by_tenant: dict[str, list[CorrelationRecord]] = defaultdict(list)
        for record in self._pending:
            by_tenant[record.tenant].append(record)
        for tenant, records in by_tenant.items():
            steps = [CorrelationStep(r.correlation_id, r.step, r.detail, r.at) for r in records]
            try:
                with trio.fail_after(WRITE_DEADLINE):
                    await self.write(tenant, steps)
            except (StorageError, trio.TooSlowError) as exc:
                self.lost += len(steps)
                log.warning(
                    "correlation.write_failed", tenant=tenant, lost=len(steps), error=str(exc)
                )
            except ValueError as exc:  # storage refused the records themselves (a bad tenant)
                self.lost += len(steps)
                log.error(
                    "correlation.records_invalid", tenant=tenant, lost=len(steps), error=str(exc)
                )
            else:
                self.written += len(steps)
            self._pending = [r for r in self._pending if r.tenant != tenant]
