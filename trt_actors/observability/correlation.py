"""Correlation records: which steps one update (or job) took, through a bounded queue.

Code on the hot path calls `correlations.record(tenant, step, **detail)`: it never blocks and
never raises — when the queue is full the record is dropped and counted. The correlation
flush actor takes records off the queue in batches and writes them to storage, where an admin
can look a correlation id up (intake → session → outbound calls → job → KIE task).

The id of the update being handled travels in a context variable (`current_correlation`),
set by the session actor; the outbound actor's callers carry it into each call.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import trio

QUEUE_SIZE = 10_000

current_correlation: ContextVar[str | None] = ContextVar("trt_correlation", default=None)


def update_correlation(update_id: int) -> str:
    return f"u{update_id}"


@dataclass(frozen=True, slots=True)
class CorrelationRecord:
    tenant: str
    correlation_id: str
    step: str
    detail: dict[str, Any]
    at: int  # Unix milliseconds


class CorrelationLog:
    """A bounded queue of records between the code that does things and the flush actor."""

    def __init__(self, capacity: int = QUEUE_SIZE) -> None:
        self._send, self._receive = trio.open_memory_channel[CorrelationRecord](capacity)
        self.recorded = 0
        self.dropped = 0

    def record(
        self, tenant: str, step: str, *, correlation_id: str | None = None, **detail: Any
    ) -> None:
        """Queue one step of `correlation_id` (default: the current one). Never blocks or
        raises: without a correlation id it does nothing; with a full queue it drops."""
        cid = correlation_id or current_correlation.get()
        if cid is None:
            return
        record = CorrelationRecord(tenant, cid, step, detail, int(time.time() * 1000))
        try:
            self._send.send_nowait(record)
        except trio.WouldBlock:
            self.dropped += 1
            return
        self.recorded += 1

    async def fill(self, batch: list[CorrelationRecord], limit: int, wait: float) -> None:
        """Move records into `batch` (up to `limit`): waits for one, then up to `wait` seconds
        for more. Records already moved stay in `batch` if the caller is cancelled."""
        if not batch:
            batch.append(await self._receive.receive())
        with trio.move_on_after(wait):
            while len(batch) < limit:
                batch.append(await self._receive.receive())

    def drain(self) -> list[CorrelationRecord]:
        """Everything queued now, without waiting."""
        records: list[CorrelationRecord] = []
        while True:
            try:
                records.append(self._receive.receive_nowait())
            except trio.WouldBlock:
                return records

    @property
    def queued(self) -> int:
        return self._receive.statistics().current_buffer_used


correlations = CorrelationLog()
"""The process's correlation queue."""
