"""What the fault tests read: the operator's side (log events, /metrics) of a running bot."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, MutableMapping
from typing import Any

import httpx
import trio
from prometheus_client.parser import text_string_to_metric_families

from trt_actors.testing.kit import BotService

Metrics = dict[str, float]


def named(logs: Iterable[MutableMapping[str, Any]], event: str) -> list[MutableMapping[str, Any]]:
    """The captured log entries (`structlog.testing.capture_logs`) of one event."""
    return [entry for entry in logs if entry.get("event") == event]


async def scrape(bot: BotService) -> Metrics:
    """Every sample of the service's /metrics, keyed by name and labels."""
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.get(f"http://127.0.0.1:{bot.port}/metrics")
    assert response.status_code == 200
    values: Metrics = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            values[sample.name + json.dumps(sample.labels, sort_keys=True)] = sample.value
    return values


def total(values: Metrics, name: str, **labels: str) -> float:
    """The sum of metric `name`'s samples whose labels include `labels`."""
    return sum(
        value
        for key, value in values.items()
        if key.startswith(name + "{")
        and all(f'"{label}": "{wanted}"' in key for label, wanted in labels.items())
    )


def grew(before: Metrics, after: Metrics, name: str, **labels: str) -> float:
    """How much metric `name` (with `labels`) grew between two scrapes."""
    return total(after, name, **labels) - total(before, name, **labels)


async def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    with trio.fail_after(timeout):
        while not condition():
            await trio.sleep(0.02)


async def until_stored(
    bot: BotService,
    read: Callable[[Any], Any],
    condition: Callable[[Any], Any],
    timeout: float = 10.0,
) -> Any:
    """What `read` finds in the default tenant's storage, once `condition` holds of it."""
    store = bot.tree.root.child("store")
    with trio.fail_after(timeout):
        while not condition(found := await store.read("default", read)):
            await trio.sleep(0.05)
    return found


async def until_grown(
    bot: BotService, before: Metrics, name: str, by: float = 1, timeout: float = 10.0, **labels: str
) -> Metrics:
    """Scrape until metric `name` (with `labels`) grew by `by` since `before`; the scrape."""
    with trio.fail_after(timeout):
        while grew(before, after := await scrape(bot), name, **labels) < by:
            await trio.sleep(0.05)
    return after
