"""Pacing: new tasks to KIE's account limit (shared bucket), status polls under 10/s.

The client talks to the emulator in-process (no socket) on trio's MockClock.
"""

from __future__ import annotations

import trio
import trio.testing

from trt_actors.coordination import Coordination
from trt_actors.emulators.kie import KieEmulatorConfig, Schedule, open_kie_emulator
from trt_actors.kie import KIE_SUBMIT_LIMIT, KIE_SUBMIT_WINDOW, local_poll_bucket, submit_bucket

from .support import emulator_client


def max_in_window(times: list[float], window: float) -> int:
    ordered = sorted(times)
    return max(sum(1 for t in ordered[i:] if t < start + window) for i, start in enumerate(ordered))


async def test_the_21st_submit_within_10_seconds_waits(
    autojump_clock: trio.testing.MockClock,
) -> None:
    config = KieEmulatorConfig(schedule=Schedule(waiting=None))
    async with open_kie_emulator(config, serve=False) as emu:
        kie = emulator_client(emu, in_process=True)
        done: list[float] = []
        start = trio.current_time()

        async def one() -> None:
            await kie.create_task("z-image", {"prompt": "p"})
            done.append(trio.current_time() - start)

        async with trio.open_nursery() as nursery:
            for _ in range(25):
                nursery.start_soon(one)
        await kie.aclose()
    calls = [t - start for t in emu.ctl.calls("market.submit")]
    assert len(calls) == 25  # none refused: the emulator never answered 429
    assert max_in_window(calls, KIE_SUBMIT_WINDOW) <= KIE_SUBMIT_LIMIT
    assert sorted(done)[20] >= KIE_SUBMIT_WINDOW


async def test_instances_share_the_submit_bucket(autojump_clock: trio.testing.MockClock) -> None:
    coordination = Coordination()  # stands for Redis shared by two instances
    config = KieEmulatorConfig(schedule=Schedule(waiting=None))
    async with open_kie_emulator(config, serve=False) as emu:
        first = emulator_client(emu, in_process=True, submit_bucket=submit_bucket(coordination))
        second = emulator_client(emu, in_process=True, submit_bucket=submit_bucket(coordination))
        start = trio.current_time()
        async with trio.open_nursery() as nursery:
            for index in range(30):
                client = first if index % 2 else second
                nursery.start_soon(client.create_task, "z-image", {"prompt": "p"})
        await first.aclose()
        await second.aclose()
    calls = [t - start for t in emu.ctl.calls("market.submit")]
    assert len(calls) == 30
    assert max_in_window(calls, KIE_SUBMIT_WINDOW) <= KIE_SUBMIT_LIMIT


async def test_polling_stays_under_10_per_second(autojump_clock: trio.testing.MockClock) -> None:
    async with open_kie_emulator(serve=False) as emu:
        kie = emulator_client(emu, in_process=True, poll_bucket=local_poll_bucket())
        task_id = await kie.create_task("z-image", {"prompt": "p"})
        start = trio.current_time()
        async with trio.open_nursery() as nursery:
            for _ in range(60):
                nursery.start_soon(kie.record_info, task_id)
        await kie.aclose()
    calls = [t - start for t in emu.ctl.calls("market.status")]
    assert len(calls) == 60
    assert max_in_window(calls, 1.0) < 10
