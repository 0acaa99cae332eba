"""`trt sandbox` as a real process, driven through the page's own interface: `/api/...` and
the chat websocket, exactly as the page's JavaScript uses them."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from trio_websocket import WebSocketConnection, open_websocket_url

from .process import SandboxProcess

REPLY_DEADLINE = 10.0
Event = dict[str, Any]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxProcess]:
    process = SandboxProcess(tmp_path)
    try:
        yield process
    finally:
        process.kill()


async def next_matching(ws: WebSocketConnection, wanted: Callable[[Event], bool]) -> Event:
    """The next message on the chat websocket that `wanted` accepts."""
    with trio.fail_after(REPLY_DEADLINE):
        while True:
            event: Event = json.loads(await ws.get_message())
            if wanted(event):
                return event


def bot_change(event: Event) -> bool:
    return event["type"] == "change" and event["message"]["from_bot"]


def keyboard(view: Event) -> list[dict[str, Any]]:
    markup = view["message"].get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]


async def post(client: httpx.AsyncClient, action: str, body: dict[str, Any]) -> Any:
    response = await client.post(f"/api/{action}", json=body)
    answer = response.json()
    assert response.status_code == 200 and answer["ok"], answer
    return answer["result"]


@pytest.mark.subprocess
async def test_start_menu_press_and_edit_then_sigterm(sandbox: SandboxProcess) -> None:
    url = await trio.to_thread.run_sync(sandbox.wait_ready)
    async with httpx.AsyncClient(base_url=url, timeout=REPLY_DEADLINE) as client:
        page = await client.get("/")
        assert page.status_code == 200 and "app.js" in page.text
        config = (await client.get("/api/config")).json()["result"]
        ann = next(p for p in config["people"] if p["first_name"] == "Ann")
        assert any(p["admin"] for p in config["people"])
        assert config["kie_url"].startswith("http://127.0.0.1:")
        feed = f"ws://127.0.0.1:{config['ws_port']}/chat/{ann['user_id']}"
        async with open_websocket_url(feed, connect_timeout=5, disconnect_timeout=2) as ws:
            snapshot = await next_matching(ws, lambda e: True)
            assert snapshot == {"type": "snapshot", "user_id": ann["user_id"], "messages": []}

            sent = await post(client, "send", {"user_id": ann["user_id"], "text": "/start"})
            assert sent["message"]["text"] == "/start" and not sent["from_bot"]
            menu = await next_matching(ws, lambda e: bot_change(e) and keyboard(e["message"]))
            menu_view = menu["message"]
            assert menu["kind"] == "new" and menu_view["message"]["text"]

            button = next(b for b in keyboard(menu_view) if "callback_data" in b)
            body = {
                "user_id": ann["user_id"],
                "message_id": menu_view["message_id"],
                "callback_data": button["callback_data"],
            }
            assert (await post(client, "press", body))["callback_query_id"]
            answer = await next_matching(ws, bot_change)
            assert answer["kind"] == "edited", answer
            assert answer["message"]["message_id"] == menu_view["message_id"]
            assert answer["message"]["edits"] == 1
            assert answer["message"]["message"]["text"] != menu_view["message"]["text"]

        refused = await client.post("/api/send", content=b'{"user_id": 1, "text": "x"}')
        assert refused.status_code == 415  # not application/json: no cross-site posts
        stranger = await client.post("/api/send", json={"user_id": 42, "text": "hi"})
        assert stranger.status_code == 400

    code, took = await trio.to_thread.run_sync(sandbox.stop)
    assert code == 0, sandbox.log()
    assert took < 6.0


@pytest.mark.subprocess
async def test_a_generation_through_the_page_interface(sandbox: SandboxProcess) -> None:
    """/start → a model → a prompt → Confirm → the KIE emulator's picture in the chat."""
    url = await trio.to_thread.run_sync(sandbox.wait_ready)
    async with httpx.AsyncClient(base_url=url, timeout=REPLY_DEADLINE) as client:
        config = (await client.get("/api/config")).json()["result"]
        chen = next(p for p in config["people"] if p["first_name"] == "Chen")
        feed = f"ws://127.0.0.1:{config['ws_port']}/chat/{chen['user_id']}"
        async with open_websocket_url(feed, connect_timeout=5, disconnect_timeout=2) as ws:
            await next_matching(ws, lambda e: e["type"] == "snapshot")

            async def press(view: Event, label: str) -> Event:
                button = next(b for b in keyboard(view) if b["text"].startswith(label))
                body = {
                    "user_id": chen["user_id"],
                    "message_id": view["message_id"],
                    "callback_data": button["callback_data"],
                }
                await post(client, "press", body)
                changed = await next_matching(ws, bot_change)
                return dict(changed["message"])

            await post(client, "send", {"user_id": chen["user_id"], "text": "/start"})
            view = (await next_matching(ws, lambda e: bot_change(e) and keyboard(e["message"])))[
                "message"
            ]
            for label in ("Skip", "🎨 Text to image", "🎁 Z-Image", "▶ Start"):
                view = await press(view, label)
            await post(client, "send", {"user_id": chen["user_id"], "text": "a lighthouse"})
            view = (await next_matching(ws, lambda e: bot_change(e) and keyboard(e["message"])))[
                "message"
            ]
            view = await press(view, "Continue")
            assert "a lighthouse" in view["message"]["text"]
            await press(view, "✅")
            with trio.fail_after(30):
                result = await next_matching(
                    ws, lambda e: bot_change(e) and "photo" in e["message"]["message"]
                )
            assert result["message"]["message"]["caption"].startswith("Z-Image\n")
    code, _ = await trio.to_thread.run_sync(sandbox.stop)
    assert code == 0, sandbox.log()


@pytest.mark.subprocess
def test_the_announcement_gives_the_trt_top_command_and_the_way_in_from_elsewhere(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    url = sandbox.wait_ready()
    lines = sandbox.lines_until("ssh -N")
    [top] = [line for line in lines if " top --url " in line]
    command = shlex.split(top.split(": ", 1)[1])
    assert command[-2:-1] == ["--url"] and command[-1].startswith("ws://127.0.0.1:")
    shown = subprocess.run(
        [*command[:-2], "--once", *command[-2:]],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        cwd=tmp_path,
    )
    assert shown.returncode == 0, shown.stderr
    assert "tenants" in shown.stdout and "store" in shown.stdout  # the supervision tree
    read_end, write_end = os.pipe()
    os.close(read_end)  # `trt top | head`, once head has its lines: quiet, exit 0
    try:
        piped = subprocess.run(
            command, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=30, check=False
        )
    finally:
        os.close(write_end)
    assert piped.returncode == 0 and "Traceback" not in piped.stderr, piped.stderr

    text = "\n".join(lines)
    assert f"open {url} in a browser on another machine" in text  # no display here
    ssh = shlex.split(lines[-1])
    specs = [ssh[i + 1] for i, word in enumerate(ssh) if word == "-L"]
    forwarded = {int(spec.split(":")[0]) for spec in specs if spec.endswith(spec.split(":")[0])}
    ports = {
        int(part.rsplit(":", 1)[1].strip("/")) for part in re.findall(r"http://[\d.:]+/?", text)
    }
    assert ports <= forwarded and len(forwarded) == 4  # the page, its websocket, both emulators
    code, _ = sandbox.stop()
    assert code == 0, sandbox.log()
