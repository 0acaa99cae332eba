"""The partition owner: this instance's share of a bot's users, held as leases.

A bot's users are divided into `PARTITIONS` partitions (trt_actors/cluster). Every
`REBALANCE_EVERY` seconds the owner says it is alive in the bot's group of instances
(coordination: a Redis sorted set, or in-process with one instance), works out its share of
the partitions among the live members (rendezvous hashing with bounded loads: the same answer
on every instance that sees the same members), and then:

- renews the leases it holds (in one round trip); a partition whose lease is lost — taken by
  another instance, or about to expire because Redis cannot be reached — is released at once
  (`Release` with no grace: its writes would be fenced anyway);
- gives back the partitions that are no longer its share (another instance joined): the
  dispatcher stops handing them out, lets sessions finish what they hold (up to a grace),
  and only then is the lease released, so the next owner starts after this one ended;
- acquires the leases of the partitions of its share that are free, and tells the dispatcher
  to take them (`Take`, with each lease's fencing token), which reads their pending rows.

What else belongs to a partition's users follows it through two hooks: `on_taken` (the tree
resumes their unfinished generation jobs) and `on_released` (it stops their job actors).

At start it takes its share before reporting started, so the intake (started after it)
queues new updates behind what was read back. If Redis cannot be reached then, it starts
owning nothing: the intake still acknowledges (the updates wait in the inbox) and the
partitions are taken once Redis answers. At a graceful stop it gives every partition
back and leaves the group, so the others take them over at once; an instance that dies stops
renewing, and its leases expire after `LEASE_TTL` seconds for the others to take.

With one instance (no Redis) it owns every partition; fencing tokens are then not used (no
other writer can exist: the instances registry keeps a second one a standby).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

import orjson
import structlog
import trio

from trt_actors.cluster import partition_of, share_of
from trt_actors.coordination import Coordination, CoordinationError, Lease
from trt_actors.domain.updates import user_of
from trt_actors.storage import Store

from ._actor import Actor, ActorRef
from .dispatcher import DispatcherMessage, Release, Take

log = structlog.get_logger(__name__)

PartitionsHook = Callable[[frozenset[int]], Awaitable[object]]

LEASE_TTL = 5.0
REBALANCE_EVERY = 1.0
MEMBER_TTL = 3.0  # a member not heard from for this long is gone
EXPIRY_MARGIN = 1.0  # stop handling a partition this long before its lease could expire
TAKE_DEADLINE = 30.0  # for the dispatcher to read a partition's pending rows
HAND_BACK_GRACE = 1.0  # sessions finish what they hold before a partition is given back
HAND_BACK_DEADLINE = 1.0  # beyond the grace: stopping the sessions and job actors


class PartitionOwnerActor(Actor[None]):
    def __init__(
        self,
        tenant: str,
        coordination: Coordination,
        store: Store,
        dispatcher: ActorRef[DispatcherMessage],
        member: str,
        *,
        fenced: bool,
        on_taken: PartitionsHook | None = None,
        on_released: PartitionsHook | None = None,
    ) -> None:
        self.tenant = tenant
        self.coordination = coordination
        self.store = store
        self.dispatcher = dispatcher
        self.member = member
        self.fenced = fenced  # leases are shared (Redis): writes carry their tokens
        self.on_taken = on_taken
        self.on_released = on_released
        self.leases: dict[int, Lease] = {}
        self.members: list[str] = []

    @property
    def group(self) -> str:
        return f"{self.tenant}:instances"

    def lease_name(self, partition: int) -> str:
        return f"{self.tenant}:partition:{partition}"

    async def on_start(self) -> None:
        assigned = await self.store.inbox.assign_partitions(self.tenant, _partition_of_row)
        if assigned:
            log.info("partitions.assigned_old_rows", rows=assigned)
        try:
            await self._rebalance()
        except (CoordinationError, trio.TooSlowError) as exc:  # Redis down: own nothing yet
            log.warning("partitions.rebalance_failed", error=str(exc) or type(exc).__name__)
        self.tasks.start_soon(self._keep_balanced)

    async def handle(self, message: None) -> None:
        return None

    async def on_stop(self) -> None:
        """Give every partition back and leave the group: the others take over at once."""
        await self._hand_back(set(self.leases))
        try:
            with trio.fail_after(1.0):
                await self.coordination.leave_group(self.group, self.member)
        except (CoordinationError, trio.TooSlowError) as exc:
            log.warning("partitions.leave_failed", error=str(exc) or type(exc).__name__)

    async def _keep_balanced(self) -> None:
        while True:
            await trio.sleep(REBALANCE_EVERY)
            try:
                await self._rebalance()
            except (CoordinationError, trio.TooSlowError) as exc:
                log.warning("partitions.rebalance_failed", error=str(exc) or type(exc).__name__)
                await self._drop_expiring()

    async def _rebalance(self) -> None:
        with trio.fail_after(LEASE_TTL - EXPIRY_MARGIN):
            members = await self.coordination.join_group(self.group, self.member, MEMBER_TTL)
            if members != self.members:
                log.info("partitions.members", members=members, me=self.member)
                self.members = members
            await self._renew()
        share = share_of(self.member, members)
        extra = set(self.leases) - share
        if extra:
            await self._hand_back(extra)
        gained: dict[int, int | None] = {}
        for partition in sorted(share - set(self.leases)):
            with trio.fail_after(LEASE_TTL - EXPIRY_MARGIN):
                lease = await self.coordination.acquire_lease(
                    self.lease_name(partition), self.member, LEASE_TTL
                )
            if lease is not None:
                self.leases[partition] = lease
                gained[partition] = lease.token if self.fenced else None
        if gained:
            read = await self.dispatcher.ask(Take(gained), TAKE_DEADLINE)
            if self.on_taken is not None:
                await self.on_taken(frozenset(gained))
            log.info("partitions.taken", partitions=len(gained), owned=len(self.leases), read=read)

    async def _renew(self) -> None:
        held = list(self.leases.items())
        if not held:
            return
        renewed = await self.coordination.renew_leases([lease for _, lease in held], LEASE_TTL)
        lost = []
        for (partition, _), lease in zip(held, renewed, strict=True):
            if lease is None:
                lost.append(partition)
                del self.leases[partition]
            else:
                self.leases[partition] = lease
        if lost:
            log.warning("partitions.lost", partitions=sorted(lost))
            await self._release(lost, grace=0.0)

    async def _drop_expiring(self) -> None:
        """Leases that could not be renewed: stop handling them before they may expire."""
        soon = trio.current_time() + EXPIRY_MARGIN
        expiring = [p for p, lease in self.leases.items() if lease.expires_at <= soon]
        if expiring:
            for partition in expiring:
                del self.leases[partition]
            log.warning("partitions.expiring", partitions=sorted(expiring))
            await self._release(expiring, grace=0.0)

    async def _hand_back(self, partitions: set[int]) -> None:
        """Release `partitions` gracefully, then their leases."""
        if not partitions:
            return
        await self._release(partitions, grace=HAND_BACK_GRACE)
        for partition in sorted(partitions):
            lease = self.leases.pop(partition, None)
            if lease is None:
                continue
            try:
                with trio.fail_after(1.0):
                    await self.coordination.release_lease(lease)
            except (CoordinationError, trio.TooSlowError):
                break  # it expires by itself
        log.info("partitions.given_back", partitions=len(partitions), owned=len(self.leases))

    async def _release(self, partitions: Iterable[int], *, grace: float) -> None:
        release = Release(frozenset(partitions), grace)
        await self.dispatcher.send(release)
        with trio.move_on_after(grace + HAND_BACK_DEADLINE):
            await release.done.wait()
            if self.on_released is not None:
                await self.on_released(release.partitions)


def _partition_of_row(raw: bytes) -> int:
    """The partition of a row stored before partitions existed."""
    try:
        update = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return partition_of(0)
    return partition_of(user_of(update) if isinstance(update, dict) else 0)
