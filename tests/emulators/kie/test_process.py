"""`python -m trt_actors.emulators.kie`: one JSON line, then it serves until SIGINT."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import httpx
import trio

START_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0


async def test_runs_prints_its_urls_and_stops_on_sigint() -> None:
    command = [sys.executable, "-m", "trt_actors.emulators.kie", "--waiting", "0"]
    async with trio.open_nursery() as nursery:
        process: trio.Process = await nursery.start(
            lambda task_status: trio.run_process(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                check=False,
                task_status=task_status,
            )
        )
        assert process.stdout is not None
        line = b""
        with trio.fail_after(START_TIMEOUT):
            while not line.endswith(b"\n"):
                line += await process.stdout.receive_some(4096)
        info = json.loads(line)
        assert set(info) == {"base_url", "upload_base_url", "api_key"}
        assert info["base_url"].startswith("http://127.0.0.1:")
        async with httpx.AsyncClient() as client:
            with trio.fail_after(STOP_TIMEOUT):
                response = await client.get(
                    info["base_url"] + "/api/v1/chat/credit",
                    headers={"authorization": f"Bearer {info['api_key']}"},
                )
        assert response.json() == {"code": 200, "msg": "success", "data": 10000}
        process.send_signal(signal.SIGINT)
        with trio.fail_after(STOP_TIMEOUT):
            code = await process.wait()
    assert code == 0
