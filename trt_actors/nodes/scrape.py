"""What a `/metrics` scrape answers: the process's counters, then what the tree and storage
say at that moment (docs/operations.md, "Health, readiness, metrics")."""

from __future__ import annotations

from collections.abc import Iterable

import trio
from prometheus_client import CollectorRegistry, generate_latest

from trt_actors.observability.metrics import TreeCollector, metrics
from trt_actors.storage import Store, Tx

STORAGE_DEADLINE = 2.0  # a scrape shows the last figures if storage is slower


async def render_metrics(
    store: Store | None,
    tenant_ids: Iterable[str],
    collector: TreeCollector,
    registry: CollectorRegistry,
) -> bytes:
    """Prometheus text. Each tenant's jobs by state and ledger sums are read from `store`
    (when it runs) under `STORAGE_DEADLINE`; figures not read in time stay as last seen."""
    figures = collector.storage
    if store is not None:
        with trio.move_on_after(STORAGE_DEADLINE):
            for tenant_id in tenant_ids:
                jobs, ledger = await store.read(tenant_id, _storage_figures)
                for state, count in jobs.items():
                    figures.jobs[tenant_id, state] = count
                for (kind, currency), (amount, _) in ledger.items():
                    figures.ledger[tenant_id, kind, currency] = amount
    return metrics.render() + bytes(generate_latest(registry))


def _storage_figures(tx: Tx) -> tuple[dict[str, int], dict[tuple[str, str], tuple[int, int]]]:
    return tx.jobs.count_by_state(), tx.ledger.totals()
