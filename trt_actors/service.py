"""Running the root of the tree as a process: signals in, a deterministic shutdown, an exit code.

The first SIGTERM or SIGINT asks the root to stop: children stop in reverse order, each asked
first and cancelled at its own grace, and the whole tree must be gone within
`SHUTDOWN_GRACE_SECONDS` or it is cancelled there. A second signal cancels at once.

The process also sets the garbage collector for a long-running service (`tune_gc`). Python's
collector exists only to find reference cycles, and the service makes none on its paths
(tests/e2e/test_no_garbage_cycles.py: an update, a session's passivation): what an update
makes is freed by reference counting as soon as it is done with. What the collector did
instead was walk everything alive, again and again — the objects made at boot (the
catalog, the texts, the modules: about 200,000) and every live session (about 100 objects
each) — stopping the event loop for 30-200 ms a pass, more than a reply's whole budget. So:

- once the tree has started, everything alive is frozen (`gc.freeze`, with no collection
  first: boot leaves about a hundred objects of garbage, not worth a 40 ms pause): out of
  the collector's walk for good (it is still freed when no longer referenced);
- the youngest objects are collected every `GC_THRESHOLDS[0]` allocations, and whatever
  survives such a pass is frozen too, so no pass ever walks more than what the last few
  seconds made, however many users are active.

The price: a cycle formed later among frozen objects would stay until the process restarts.
`trt_gc_frozen_objects` counts the frozen objects still alive; it follows the number of live
sessions and falls when they passivate — steady growth with a steady session count would be
such a leak (docs/operations.md).
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
    """Collect the youngest objects every `GC_THRESHOLDS[0]` allocations, not every 700,
    and freeze what survives each collection."""
    gc.set_threshold(*GC_THRESHOLDS)
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    if phase == "stop":
        gc.freeze()  # constant time: the generations' lists are moved, not walked


def freeze_boot_objects() -> None:
    """Move every object alive now out of the collector's reach.

    Without a full collection first: at boot it found about a hundred unreachable objects
    and stopped the loop for 40 ms, in the way of the first update (`trt run` on SQLite,
    this 2-core machine); those few stay frozen."""
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
