"""Running the root of the tree as a process: signals in, a deterministic shutdown, an exit code.

The first SIGTERM or SIGINT asks the root to stop: children stop in reverse order, each asked
first and cancelled at its own grace, and the whole tree must be gone within
`SHUTDOWN_GRACE_SECONDS` or it is cancelled there. A second signal cancels at once.

The process also sets the garbage collector for a long-running service (`tune_gc`): with
Python's defaults, every few seconds under load a full collection walked every object made
at boot (the catalog, the texts, the imported modules: about 200,000) and stopped the event
loop for 100-200 ms, more than the whole budget of a reply. So the first generation is
collected less often, and once the tree has started the objects made so far are frozen
(`gc.freeze`): the collector no longer walks them (docs/telegram-io.md, "first reply").
"""

from __future__ import annotations

import gc
import signal
from collections.abc import AsyncIterator, Callable

import structlog
import trio

from trt_actors.supervisors import ChildStartFailed, Supervisor, SupervisorGaveUp

log = structlog.get_logger("trt.service")

EXIT_OK = 0
EXIT_FAILED = 1  # the tree gave up, failed to start, or overran its shutdown bound
GC_THRESHOLDS = (10_000, 10, 10)  # Python's defaults: (700, 10, 10)


def tune_gc() -> None:
    """Collect the youngest objects every `GC_THRESHOLDS[0]` allocations, not every 700."""
    gc.set_threshold(*GC_THRESHOLDS)


def freeze_boot_objects() -> None:
    """Collect once, then move every object alive now out of the collector's reach."""
    gc.collect()
    gc.freeze()


async def serve(
    root: Supervisor,
    grace: float,
    signals: AsyncIterator[int],
    on_started: Callable[[], None] | None = None,
) -> int:
    """Run `root` until a signal stops it; the process exit code. `on_started` is called
    once the whole tree has reported started.

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
                await root.run(task_status=_AnnounceStarted(root, on_started))
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

    def __init__(self, root: Supervisor, on_started: Callable[[], None] | None) -> None:
        self._root = root
        self._on_started = on_started

    def started(self, value: object = None) -> None:
        log.info("service.started", tree=self._root.describe())
        if self._on_started is not None:
            self._on_started()


async def serve_until_signalled(root: Supervisor, grace: float) -> int:
    """`serve` with the process's SIGTERM and SIGINT, and the collector set for a service."""
    tune_gc()
    with trio.open_signal_receiver(signal.SIGTERM, signal.SIGINT) as signals:
        return await serve(root, grace, signals, on_started=freeze_boot_objects)
