"""A child asked for by its `ChildKey`: the handle it passed to `started()`, None while it
does not run, and `running()` failing loudly when a caller counted on it."""

from __future__ import annotations

import pytest
import trio
from trio.testing import MockClock

from trt_actors.supervisors import ChildKey, ChildSpec, Restart, Supervisor

PORT = ChildKey[int]("port")


async def serve_port(*, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
    task_status.started(8443)
    await trio.sleep_forever()


async def test_a_child_asked_for_by_its_key_gives_its_handle(autojump_clock: MockClock) -> None:
    root = Supervisor("root", [ChildSpec(PORT.id, serve_port, restart=Restart.TEMPORARY)])
    assert root.child(PORT) is None  # not started yet
    with pytest.raises(LookupError, match="root/port is not running"):
        root.running(PORT)
    async with trio.open_nursery() as nursery:
        await nursery.start(root.run)
        assert root.child(PORT) == 8443
        assert root.running(PORT) == 8443
        assert root.child("port") == 8443  # by its plain id too
        root.kill(PORT.id)
        await trio.sleep(0.1)
        assert root.child(PORT) is None  # a temporary child is not started again
        root.request_stop()
