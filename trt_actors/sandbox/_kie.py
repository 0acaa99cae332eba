"""Where the KIE.ai emulator plugs into the sandbox: the one place that starts it.

The service reads `KIE_API_BASE_URL`, `KIE_UPLOAD_BASE_URL` and `KIE_API_KEY` from what
`serve_kie` reports. Tasks take a few seconds, as real generations do (the schedule below),
so the page shows the bot's progress messages before the result arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

import trio

from trt_actors.emulators.kie import KieEmulator, KieEmulatorConfig, Schedule

#: Seconds a task waits in KIE's queue, then generates (the emulator's CLI defaults).
SANDBOX_SCHEDULE = Schedule(waiting=1.0, generating=3.0)


@dataclass(frozen=True, slots=True)
class KieEndpoints:
    """What the service needs to reach the KIE emulator."""

    api_base_url: str
    upload_base_url: str
    api_key: str


async def serve_kie(
    host: str, *, task_status: trio.TaskStatus[KieEndpoints] = trio.TASK_STATUS_IGNORED
) -> None:
    """Run the KIE emulator on `host` (any free port) until cancelled; reports its URLs."""
    emulator = KieEmulator(KieEmulatorConfig(schedule=SANDBOX_SCHEDULE))
    async with trio.open_nursery() as nursery:
        base_url = await nursery.start(emulator.serve, host, 0)
        task_status.started(KieEndpoints(base_url, emulator.upload_base_url, emulator.api_key))
