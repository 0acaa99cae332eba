"""Prometheus metrics, served at `/metrics`.

Counters and histograms that code updates as things happen live in `ServiceMetrics` (one per
process, in its own registry). What the tree already knows — restarts, mailbox depths and
drops, the outbound actor's counts — is read when Prometheus scrapes, by `TreeCollector`, so
nothing on the hot path pays for it.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

MAX_LISTED_CHILDREN = 20  # supervisors with more children get a count, not a series each
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServiceMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates_received = Counter(
            "trt_updates_received_total",
            "Updates received from Telegram",
            ["tenant", "intake"],
            registry=r,
        )
        self.updates_deduplicated = Counter(
            "trt_updates_deduplicated_total",
            "Updates received again and dropped",
            ["tenant"],
            registry=r,
        )
        self.updates_processed = Counter(
            "trt_updates_processed_total",
            "Updates handled, by outcome",
            ["tenant", "outcome"],
            registry=r,
        )
        self.ack_latency = Histogram(
            "trt_webhook_ack_seconds",
            "Webhook request to 200 (inbox commit included)",
            ["tenant"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.inbox_lag = Histogram(
            "trt_inbox_lag_seconds",
            "Inbox commit to the update handled",
            ["tenant"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )

        self.presses_answered_early = Counter(
            "trt_presses_answered_early_total",
            "Button presses answered before their work was done (the work took longer than "
            "EARLY_ANSWER_AFTER)",
            ["tenant"],
            registry=r,
        )
        self.kie_calls = Counter(
            "trt_kie_calls_total",
            "KIE API calls by call and result",
            ["tenant", "call", "result"],
            registry=r,
        )
        self.kie_paused = Gauge(
            "trt_kie_paused",
            "1 while the tenant's generations are paused because KIE is out of credits (402)",
            ["tenant"],
            registry=r,
        )
        self.tenant_up = Gauge(
            "trt_tenant_up",
            "1 while the tenant's subtree serves, 0 while it is parked or stopped",
            ["tenant"],
            registry=r,
        )
        self.tenant_parked = Counter(
            "trt_tenant_parked_total",
            "Times a tenant was parked, by reason (token_rejected, gave_up)",
            ["tenant", "reason"],
            registry=r,
        )

        self.gc_frozen = Gauge(
            "trt_gc_frozen_objects",
            "Objects frozen out of the garbage collector's walk and still alive",
            registry=r,
        )
        self.gc_frozen.set_function(gc.get_freeze_count)

    def render(self) -> bytes:
        return bytes(generate_latest(self.registry))


metrics = ServiceMetrics()
"""The process's metrics."""


class TreeCollector(Collector):
    """Reads the running tree at scrape time. `describe_tree` is `root.describe`."""

    def __init__(
        self,
        describe_tree: Callable[[], list[dict[str, Any]]],
        outbound_stats: Callable[[], dict[str, Any]],
        load: Callable[[], dict[str, dict[str, Any]]] | None = None,
    ) -> None:
        self.describe_tree = describe_tree
        self.outbound_stats = outbound_stats
        self.load = load  # per tenant: what waits (`Tree.load`)
        self.storage = StorageFigures()

    def collect(self) -> Iterator[Metric]:
        families = _TreeFamilies()
        families.walk(self.describe_tree(), "root")
        yield from families.all()
        sends = CounterMetricFamily(
            "trt_outbound_calls", "Bot API calls by outcome", labels=["tenant", "outcome"]
        )
        for tenant, stats in self.outbound_stats().items():
            for outcome in ("sent", "failed", "retried", "throttled", "blocked", "expired"):
                sends.add_metric([tenant, outcome], getattr(stats, outcome))
        yield sends
        if self.load is not None:
            yield from _load_families(self.load())
        yield from self.storage.families()


def _load_families(load: dict[str, dict[str, Any]]) -> Iterator[Metric]:
    """The backlog figures of each tenant (docs/telegram-io.md, "Bursts")."""
    backlog = GaugeMetricFamily(
        "trt_inbox_backlog",
        "Updates committed and not yet handled (waiting at the dispatcher or in sessions)",
        labels=["tenant"],
    )
    limit = GaugeMetricFamily(
        "trt_inbox_backlog_limit", "The backlog past which the intake refuses", labels=["tenant"]
    )
    queue = GaugeMetricFamily(
        "trt_outbound_queue",
        "Bot API calls waiting at the outbound actor, by priority",
        labels=["tenant", "priority"],
    )
    drain = GaugeMetricFamily(
        "trt_drain_seconds",
        "Expected seconds until what waits is answered, at Telegram's message pace",
        labels=["tenant"],
    )
    held = GaugeMetricFamily(
        "trt_backpressure", "1 while the dispatcher holds updates back", labels=["tenant"]
    )
    shedding = GaugeMetricFamily(
        "trt_load_shedding", "1 while the intake refuses updates", labels=["tenant"]
    )
    refused = CounterMetricFamily(
        "trt_updates_refused", "Updates refused because the backlog was full", labels=["tenant"]
    )
    partitions = GaugeMetricFamily(
        "trt_partitions_owned",
        "Partitions of the bot's users this instance owns (of 256)",
        labels=["tenant"],
    )
    for tenant, figures in load.items():
        backlog.add_metric([tenant], figures["inbox_backlog"])
        limit.add_metric([tenant], figures["limit"])
        for priority, count in figures["outbound_queued"].items():
            queue.add_metric([tenant, priority], count)
        drain.add_metric([tenant], figures["drain_seconds"])
        held.add_metric([tenant], int(figures["backpressure"]))
        shedding.add_metric([tenant], int(figures["shedding"]))
        refused.add_metric([tenant], figures["refused"])
        partitions.add_metric([tenant], figures.get("partitions", 0))
    yield from (backlog, limit, queue, drain, held, shedding, refused, partitions)


class _TreeFamilies:
    """The per-child metric families, filled by walking `describe()` rows."""

    def __init__(self) -> None:
        self.restarts = CounterMetricFamily(
            "trt_actor_restarts", "Restarts of each supervised child", labels=["path"]
        )
        self.depth = GaugeMetricFamily("trt_mailbox_depth", "Messages waiting", labels=["path"])
        self.dropped = CounterMetricFamily(
            "trt_mailbox_dropped", "Messages dropped", labels=["path"]
        )
        self.children = GaugeMetricFamily(
            "trt_supervisor_children", "Children running under a supervisor", labels=["path"]
        )

    def all(self) -> tuple[Metric, ...]:
        return (self.restarts, self.depth, self.dropped, self.children)

    def walk(self, rows: list[dict[str, Any]], path: str) -> None:
        for row in rows:
            child = f"{path}/{row['id']}"
            if "more" in row:  # a summary row of a long listing
                continue
            self.restarts.add_metric([child], row.get("restarts", 0))
            mailbox = row.get("mailbox")
            if mailbox is not None:
                self.depth.add_metric([child], mailbox["depth"])
                self.dropped.add_metric([child], mailbox["dropped"])
            if "children" in row:
                nested = row["children"]
                more = sum(r.get("more", 0) for r in nested)
                self.children.add_metric(
                    [child], len([r for r in nested if "more" not in r]) + more
                )
                if len(nested) <= MAX_LISTED_CHILDREN:  # a session per user: count only
                    self.walk(nested, child)


class StorageFigures:
    """Figures read from storage just before a scrape (jobs by state, ledger by kind)."""

    def __init__(self) -> None:
        self.jobs: dict[tuple[str, str], int] = {}
        self.ledger: dict[tuple[str, str, str], int] = {}

    def families(self) -> Iterator[Metric]:
        jobs = GaugeMetricFamily("trt_jobs", "Generation jobs by state", labels=["tenant", "state"])
        for (tenant, state), count in sorted(self.jobs.items()):
            jobs.add_metric([tenant, state], count)
        ledger = GaugeMetricFamily(
            "trt_ledger_amount",
            "Sum of ledger amounts by kind, in minor units of the currency",
            labels=["tenant", "kind", "currency"],
        )
        for (tenant, kind, currency), amount in sorted(self.ledger.items()):
            ledger.add_metric([tenant, kind, currency], amount)
        yield jobs
        yield ledger
