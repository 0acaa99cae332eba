"""Operations: `trt top` against a running service, the ops feed, and /metrics."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import trio
from prometheus_client.parser import text_string_to_metric_families
from trio_websocket import open_websocket_url

from trt_actors.cli.top import format_tree
from trt_actors.emulators.telegram import EmulatorConfig, open_telegram_emulator
from trt_actors.testing.kit import BotService
from trt_actors.testing.trt_process import run_service, service_env


async def test_trt_top_once_lists_the_tree_of_a_running_service(tmp_path: Path) -> None:
    async with open_telegram_emulator(EmulatorConfig()) as emu:
        assert emu.base_url is not None
        env = service_env(emu.base_url, emu.config.token, tmp_path)
        async with run_service(env, tmp_path) as service:
            top = await trio.run_process(
                [sys.executable, "-m", "trt_actors", "top", "--once"],
                env={"PATH": os.environ["PATH"], "OPS_PORT": str(service.ops_port)},
                capture_stdout=True,
                capture_stderr=True,
                check=False,
            )
            assert top.returncode == 0, top.stderr
            tree = top.stdout.decode()
            for node in (
                "store",
                "coordination",
                "http",
                "ops",
                "tenant:default",
                "outbound",
                "sessions",
                "dispatcher",
                "intake",
            ):
                assert node in tree
            assert "running" in tree
            service.signal()
            assert await service.wait() == 0


async def test_a_killed_actor_shows_a_restart_on_the_feed(bot_service: BotService) -> None:
    url = f"ws://127.0.0.1:{bot_service.ops_port}/feed"
    async with open_websocket_url(url) as ws:
        first = json.loads(await ws.get_message())
        assert first["type"] == "tree"
        ids = [row["id"] for row in first["tree"]]
        assert ids[:3] == ["store", "instance", "coordination"]
        assert "http" in ids and "tenants" in ids
        [tenants] = [row for row in first["tree"] if row["id"] == "tenants"]
        assert [row["id"] for row in tenants["children"]] == ["tenant:default"]
        await ws.send_message(
            json.dumps({"type": "restart", "path": "tenants/tenant:default/outbound"})
        )
        seen = []
        with trio.fail_after(10):
            while ("restarting", "outbound") not in seen or ("started", "outbound") not in seen:
                message = json.loads(await ws.get_message())
                if message["type"] == "event":
                    seen.append((message["kind"], message["child"]))
    assert ("killed", "outbound") in seen
    ann = bot_service.user("Ann", language_code="en")  # and the tenant still serves
    await ann.send("/start")
    assert "Ann" in (await ann.next_message())["text"]


async def test_metrics_parse_and_move_under_traffic(bot_service: BotService) -> None:
    async def scrape() -> dict[str, float]:
        async with httpx.AsyncClient(timeout=5) as client:
            response = await client.get(f"http://127.0.0.1:{bot_service.port}/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        values: dict[str, float] = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                key = sample.name + json.dumps(sample.labels, sort_keys=True)
                values[key] = sample.value
        return values

    def total(values: dict[str, float], name: str, **labels: str) -> float:
        return sum(
            v
            for k, v in values.items()
            if k.startswith(name + "{")
            and all(f'"{key}": "{value}"' in k for key, value in labels.items())
        )

    before = await scrape()
    users = [bot_service.user(f"U{i}", language_code="en") for i in range(5)]
    for user in users:
        await user.send("/start")
    for user in users:
        await user.next_message()
    with trio.fail_after(10):  # replies leave before the state commit: wait for the count
        while True:
            after = await scrape()
            handled = total(after, "trt_updates_processed_total", outcome="handled")
            if handled - total(before, "trt_updates_processed_total", outcome="handled") >= 5:
                break
            await trio.sleep(0.05)
    assert (
        total(after, "trt_updates_received_total") - total(before, "trt_updates_received_total")
        >= 5
    )
    assert (
        total(after, "trt_outbound_calls_total", outcome="sent")
        - total(before, "trt_outbound_calls_total", outcome="sent")
        >= 5
    )
    assert total(after, "trt_supervisor_children", path="root/tenants/tenant:default/sessions") >= 5
    assert total(after, "trt_inbox_lag_seconds_count") >= 5
    assert "trt_actor_restarts_total" in "".join(after)
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"http://127.0.0.1:{bot_service.port}/metrics")).text
    for family in ("trt_jobs", "trt_ledger_amount", "trt_kie_calls", "trt_inbox_lag_seconds"):
        assert f"# TYPE {family}" in text
    assert "trt_mailbox_depth" in "".join(after)


async def test_a_backlog_shows_on_metrics_and_in_trt_top_while_it_drains(
    bot_service: BotService,
) -> None:
    """150 users at once take five seconds of Telegram's message budget: meanwhile /metrics
    and the feed `trt top` reads show the backlog, the outbound queue, the time to drain and
    the backpressure; once answered, all of it is back to zero."""

    async def figures() -> dict[str, float]:
        async with httpx.AsyncClient(timeout=5) as client:
            text = (await client.get(f"http://127.0.0.1:{bot_service.port}/metrics")).text
        values: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = sample.labels
                if labels.get("tenant") == "default":
                    priority = f"/{labels['priority']}" if "priority" in labels else ""
                    values[f"{sample.name}/default{priority}"] = sample.value
        return values

    async def settle(
        wanted: Callable[[dict[str, float]], bool], seconds: float
    ) -> dict[str, float]:
        """The figures once they show `wanted`: they move as the burst drains, so a test
        waits for them (under a deadline) instead of reading them once."""
        seen = await figures()
        with trio.move_on_after(seconds):
            while not wanted(seen):
                await trio.sleep(0.05)
                seen = await figures()
        return seen

    def backlogged(seen: dict[str, float]) -> bool:
        return bool(
            seen["trt_backpressure/default"]
            and seen["trt_outbound_queue/default/reply"]
            and seen["trt_inbox_backlog/default"]
            and seen["trt_drain_seconds/default"] > 1
        )

    drained_when_zero = (
        "trt_backpressure/default",
        "trt_inbox_backlog/default",
        "trt_outbound_queue/default/reply",
        "trt_drain_seconds/default",
    )

    def drained(seen: dict[str, float]) -> bool:
        return not any(seen[key] for key in drained_when_zero)

    users = [bot_service.user(f"B{i}", language_code="en") for i in range(150)]
    for user in users:
        bot_service.emulator.ctl.send_command(user.user, "start")
    during = await settle(backlogged, 20)
    assert during["trt_backpressure/default"] == 1, during
    assert during["trt_outbound_queue/default/reply"] > 0, during
    assert during["trt_inbox_backlog/default"] > 0, during
    assert during["trt_drain_seconds/default"] > 1, during
    assert during["trt_inbox_backlog_limit/default"] == 10_000
    async with open_websocket_url(f"ws://127.0.0.1:{bot_service.ops_port}/feed") as ws:
        snapshot = json.loads(await ws.get_message())
    load = snapshot["load"]["default"]
    assert load["inbox_backlog"] > 0 or load["outbound_queued"]["reply"] > 0
    line = format_tree(snapshot).splitlines()[0]
    assert line.startswith("default: backlog ") and "drains in" in line
    with trio.fail_after(30):
        for user in users:
            await user.next_message(timeout=30)
    # a session commits its state after its reply has left, and the episode ends a second
    # after nothing waits: the last users read their replies a moment before it all is zero
    after = await settle(drained, 10)
    assert {key: after[key] for key in drained_when_zero} == dict.fromkeys(drained_when_zero, 0)
    assert bot_service.failures() == []


def test_trt_top_prints_what_waits_above_the_tree() -> None:
    snapshot = {
        "root": "root",
        "tree": [{"id": "store", "state": "running", "restarts": 0}],
        "load": {
            "default": {
                "inbox_backlog": 1200,
                "waiting": 1150,
                "in_sessions": 50,
                "limit": 10_000,
                "outbound_queued": {"reply": 55, "normal": 3, "bulk": 40, "unmetered": 0},
                "drain_seconds": 41.2,
                "backpressure": True,
                "shedding": False,
                "refused": 0,
                "partitions": 128,
            }
        },
    }
    assert format_tree(snapshot).splitlines()[:2] == [
        "default: backlog 1200/10000 (1150 waiting, 50 in sessions) · outbound 58 replies,"
        " 40 bulk, 0 answers · drains in 41s · backpressure · refused 0 · partitions 128",
        "root",
    ]
