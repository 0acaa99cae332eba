"""The `instance` node: this process in the instances registry, and the rule that several
instances on one database coordinate through Redis — or take turns.

Instances sharing a database must share a Redis: through it they divide the users, the
leadership and Telegram's message budget. Without it each would take itself for the only
one — leading, setting the webhook, handling the same users. So when an instance finds
another live one on its database and either of them runs without Redis, it does not serve:
it waits as a **standby** (logging `instance.standby` with who holds the database, again
every `STANDBY_LOG_EVERY` seconds) and starts serving once the other is gone — stopped (its
row removed) or dead (its row not refreshed for `STALE_AFTER` seconds). One instance without
Redis plus a standby is a safe active/passive pair; two active ones never happen.

A serving instance refreshes its row every `HEARTBEAT` seconds (a failure is logged, never
fatal) and removes it when it stops. Without Redis it also checks, at every refresh, that no
standby took over from it (which happens only if its own refreshes failed for `STALE_AFTER`,
e.g. the database was unreachable from here): if one did, it stops at once
(`InstanceSuperseded`), so two instances never serve together for longer than a refresh.

An instance of this same machine whose process is gone (a crash, a SIGKILL) does not count,
nor a row of this very process (a tree restarted in the same process).
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time

import structlog
import trio

from trt_actors.coordination import default_owner, redact_url
from trt_actors.storage import InstanceRow, StorageError, Store

log = structlog.get_logger(__name__)

HEARTBEAT = 2.0
STALE_AFTER = 10.0  # seconds without a refresh before an instance counts as gone
STANDBY_POLL = 1.0
STANDBY_LOG_EVERY = 30.0
LEAVE_DEADLINE = 2.0
NO_REDIS = "none"


class InstanceSuperseded(RuntimeError):
    """Another instance took over this database while this one could not refresh its row."""


def coordination_of(redis_url: str | None) -> str:
    """How an instance coordinates, as the registry records it."""
    return f"redis {redact_url(redis_url)}" if redis_url else NO_REDIS


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def conflicts(me: InstanceRow, others: list[InstanceRow]) -> list[InstanceRow]:
    """The live instances `me` may not serve alongside: those of another process when either
    side runs without Redis (a dead process of this machine does not count)."""
    found = []
    for other in others:
        if other.instance_id == me.instance_id:
            continue
        if other.host == me.host and (other.pid == me.pid or not process_alive(other.pid)):
            continue
        if NO_REDIS in (me.coordination, other.coordination):
            found.append(other)
    return found


def ahead_of(me: InstanceRow, others: list[InstanceRow]) -> list[InstanceRow]:
    """Of the conflicting instances, those `me` waits for: every serving one, and the
    standbys that started before it (the first standby takes over first)."""
    return [
        other
        for other in conflicts(me, others)
        if other.serving or (other.started_at, other.instance_id) < (me.started_at, me.instance_id)
    ]


def describe(instance: InstanceRow, now_ms: int) -> str:
    seen = (now_ms - instance.seen_at) / 1000
    return (
        f"{instance.host} pid {instance.pid}"
        f" (coordination: {instance.coordination}, seen {seen:.1f}s ago)"
    )


async def run_instance(
    store: Store,
    redis_url: str | None,
    *,
    task_status: trio.TaskStatus[InstanceRow] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Register, wait as a standby while another instance holds the database, then report
    `started(InstanceRow)` and keep the row fresh until cancelled."""
    me = InstanceRow(
        default_owner(),
        socket.gethostname(),
        os.getpid(),
        int(time.time() * 1000),
        0,
        coordination_of(redis_url),
        serving=False,
    )
    try:
        await _wait_for_turn(store, me)
        me = dataclasses.replace(me, serving=True)
        await store.instances.beat(me)
        task_status.started(me)
        log.info("instance.serving", instance=me.instance_id, coordination=me.coordination)
        await _keep_fresh(store, me)
    finally:
        with trio.CancelScope(shield=True), trio.move_on_after(LEAVE_DEADLINE):
            try:
                forget = int(time.time() * 1000 - 10 * STALE_AFTER * 1000)
                await store.instances.leave(me.instance_id, forget_before_ms=forget)
            except StorageError as exc:
                log.warning("instance.leave_failed", error=str(exc))


async def _alive(store: Store) -> list[InstanceRow]:
    return await store.instances.alive(within_ms=int(STALE_AFTER * 1000))


async def _wait_for_turn(store: Store, me: InstanceRow) -> None:
    """Return once no other live instance forbids this one to serve (a standby until then).
    While waiting, this instance is registered too, so the active one knows it is there."""
    logged_at = -STANDBY_LOG_EVERY
    while True:
        with trio.fail_after(STALE_AFTER):
            await store.instances.beat(me)
            blocking = ahead_of(me, await _alive(store))
        if not blocking:
            return
        now = trio.current_time()
        if now - logged_at >= STANDBY_LOG_EVERY:
            logged_at = now
            now_ms = int(time.time() * 1000)
            log.error(
                "instance.standby",
                reason="another instance serves this database, and several instances need"
                " one shared Redis (REDIS_URL) to work as one bot; this one waits and takes"
                " over when the other stops",
                others=[describe(other, now_ms) for other in blocking],
                coordination=me.coordination,
            )
        await trio.sleep(STANDBY_POLL)


async def _keep_fresh(store: Store, me: InstanceRow) -> None:
    while True:
        await trio.sleep(HEARTBEAT)
        try:
            with trio.fail_after(HEARTBEAT * 2):
                await store.instances.beat(me)
                if me.coordination == NO_REDIS:
                    _check_not_superseded(me, conflicts(me, await _alive(store)))
        except (StorageError, trio.TooSlowError) as exc:
            log.warning("instance.heartbeat_failed", error=str(exc) or type(exc).__name__)


def _check_not_superseded(me: InstanceRow, others: list[InstanceRow]) -> None:
    """A standby that started serving after this one (it found this row stale) wins."""
    serving = [other for other in others if other.serving and other.started_at > me.started_at]
    if serving:
        now_ms = int(time.time() * 1000)
        raise InstanceSuperseded(
            "another instance took over this database while this one could not refresh its"
            f" row: {describe(serving[0], now_ms)}; stopping so that only one serves"
        )
