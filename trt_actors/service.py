"""Running the root of the tree as a process: signals in, a deterministic shutdown, an exit code.

The first SIGTERM or SIGINT asks the root to stop: children stop in reverse order, each asked
first and cancelled at its own grace, and the whole tree must be gone within
`SHUTDOWN_GRACE_SECONDS` or it is cancelled there. A second signal cancels at once.
"""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator

import structlog
import trio

from trt_actors.supervisors import ChildStartFailed, Supervisor, SupervisorGaveUp

log = structlog.get_logger("trt.service")

EXIT_OK = 0
EXIT_FAILED = 1  # the tree gave up, failed to start, or overran its shutdown bound


async def serve(root: Supervisor, grace: float, signals: AsyncIterator[int]) -> int:
    """Run `root` until a signal stops it; the process exit code.

    0: stopped cleanly within `grace`; 1: the tree failed or had to be cancelled at the bound;
    128 + N: a second signal N cancelled everything at once.
    """
    code = EXIT_OK
    root_scope = trio.CancelScope()

    async def watch_signals() -> None:
        nonlocal code
        first = await anext(signals, None)
        if first is None:
            return
        log.info("service.stopping", signal=signal.Signals(first).name, grace=grace)
        root.request_stop()
        with trio.move_on_after(grace):
            second = await anext(signals, None)
            if second is not None:
                log.warning("service.stop_forced", signal=signal.Signals(second).name)
                code = 128 + second
                root_scope.cancel()
                return
        log.error("service.shutdown_overran", grace=grace, still_running=root.describe())
        code = EXIT_FAILED
        root_scope.cancel()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(watch_signals)
        try:
            with root_scope:
                await root.run(task_status=_AnnounceStarted(root))
        except (SupervisorGaveUp, ChildStartFailed) as exc:
            log.error("service.failed", error_type=type(exc).__name__, error=str(exc))
            code = EXIT_FAILED
        finally:
            nursery.cancel_scope.cancel()
    if code == EXIT_OK:
        log.info("service.stopped")
    return code


class _AnnounceStarted:
    """A task status that logs `service.started` once the whole tree reported started."""

    def __init__(self, root: Supervisor) -> None:
        self._root = root

    def started(self, value: object = None) -> None:
        log.info("service.started", tree=self._root.describe())


async def serve_until_signalled(root: Supervisor, grace: float) -> int:
    """`serve` with the process's SIGTERM and SIGINT."""
    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        return await serve(root, grace, signals)
