"""The dispatcher: committed updates in, each handed to its user's session actor, in order,
at the pace the bot can answer.

It handles the users of the partitions this instance owns (trt_actors/cluster): the
partition owner tells it which (`Take`, with the fencing token of each) and which no more
(`Release`). Taking partitions reads their pending inbox rows — what an earlier run, or
another instance, acknowledged and did not finish — into the queue, oldest first, before
anything newer of them; at start the owner takes this instance's share before the intake
opens, so new updates queue behind the ones read back. Then the dispatcher takes each update
of its partitions as soon as the intake's commit is done (updates of other partitions stay
in the inbox for their owner). Taking never waits: the update joins its user's queue here,
in `update_id` order, and the intake may acknowledge the next one at once. Rows it did not
get that way — committed by another instance, or stranded by a crash between commit and
hand-off — are found by a sweep of its partitions' pending rows: at once when the inbox
notifies a batch of other instances (`notified`), and every `SWEEP_EVERY` seconds.

Order across instances: Telegram sends a chat's next update only once the previous one was
acknowledged, so when two instances receive a user's updates one after the other, the
earlier one is committed before the later one reaches this intake — but its notice may not
have been heard yet. So in a partition shared with other instances (owned under a fencing
token), an update from this instance's own intake is staged, not queued: the next sweep of
its partition, which reads after the update's commit, queues it together with any earlier
row of the partition another instance committed, in `update_id` order. It costs one read per
sweep (the staged updates of many users share it); a partition this instance alone writes
to (no token: one instance) queues at once.

Handing out is paced (flow control; docs/telegram-io.md, "Bursts"):

- one update of a user in a session's hands at a time, so a user's updates are handled in
  order and one busy user never holds back another: users take turns, in the order their
  oldest waiting update arrived;
- at most `MAX_IN_FLIGHT` updates in sessions' hands in all;
- **backpressure**: while the replies waiting at the outbound actor, and the updates in
  sessions' hands (each about to add its reply), need more than `BACKLOG_HIGH` seconds of
  Telegram's message budget, no update is handed out until they need at most `BACKLOG_LOW`.
  The updates wait here, committed and safe; the intake refuses new ones only when the
  tenant's whole backlog passes its bound (`Backlog.limit`);
- a user with a button press or a pre-checkout query waiting is served through the
  backpressure (their earlier updates first, in order): Telegram wants those answered within
  seconds, and their answers are not paced by the message budget.

Updates held back by load — every session slot busy, or the outbound queue past its bound —
make a backpressure episode, logged once when it starts (`load.backpressure`, state
`started`, with what held them) and once when nothing has waited for `EPISODE_QUIET` seconds
(state `ended`, with how many updates it held), however often the bounds are crossed in
between. A user's own updates waiting for the one in hand are not load: no episode.

Releasing partitions drops their queued updates (they stay pending in the inbox, for the next
owner), waits up to the release's grace for the updates sessions hold, then stops those
sessions; each update goes out with its partition's fencing token, which every transaction
of the session checks, so an update still in hand past that point cannot be saved over the
next owner's.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

import structlog
import trio

from trt_actors.cluster import partition_of
from trt_actors.mailboxes import Ask, MailboxClosed, MailboxFull
from trt_actors.storage import InboxState, StorageError, Store
from trt_actors.supervisors import DynamicSupervisor, SupervisorFull

from ._actor import Actor, ActorRef
from .inbox_update import InboxUpdate
from .outbound import OutboundLoad

Sessions = DynamicSupervisor[int, ActorRef[InboxUpdate]]  # one session actor per user id

log = structlog.get_logger(__name__)

READ_PAGE = 500  # inbox rows read back at once
SWEEP_EVERY = 2.0  # seconds between sweeps of the owned partitions' pending rows
FULL_RETRY_DELAY = 0.2  # all session slots busy: wait for idle ones to passivate
ROUTE_ATTEMPTS = 5
MAX_IN_FLIGHT = 256  # updates in sessions' hands at once
QUICK_IN_FLIGHT = 2 * MAX_IN_FLIGHT  # presses and pre-checkouts go past the cap up to this
BACKLOG_HIGH = 2.0  # seconds of the message budget queued at the outbound: hold updates
BACKLOG_LOW = 1.0  # ... until it is down to this
EPISODE_QUIET = 1.0  # an episode ends once nothing has waited for this long
DEFAULT_LIMIT = 10_000  # updates committed and not yet handled, before the intake refuses


class Backlog:
    """A tenant's updates between their inbox commit and the end of their handling: how many
    wait at the dispatcher, how many sessions hold, and the bound past which the intake takes
    no more. One per tenant, outliving the dispatcher's restarts: the intake asks it for room,
    sessions tell it when they are done (it passes that on to the running dispatcher), and
    /metrics and `trt top` read it."""

    def __init__(self, tenant: str, limit: int = DEFAULT_LIMIT) -> None:
        self.tenant = tenant
        self.limit = limit
        self.waiting = 0  # at the dispatcher
        self.in_flight = 0  # in sessions' hands
        self.backpressure = False  # a backpressure episode is on: the dispatcher holds updates
        self.shedding = False  # the intake refuses updates: the backlog is at its limit
        self.refused = 0  # updates refused so far (webhook: 503; polling: not polled)
        self.partitions = 0  # how many of the bot's partitions this instance owns now
        self._shedding_since = 0.0
        self._refused_in_episode = 0
        self._dispatcher: DispatcherActor | None = None
        self._room: trio.Event | None = None

    @property
    def size(self) -> int:
        return self.waiting + self.in_flight

    def drain_seconds(self, outbound: OutboundLoad, now: float) -> float:
        """Seconds Telegram's message budget needs to answer what waits (`trt_drain_seconds`,
        `trt top`): each update waiting here or in a session's hands is answered by about
        one message, and a session's may already be queued at the outbound — so the updates
        in sessions' hands count only past the replies queued (at a burst's start sessions
        hold many updates and few of their replies are queued yet)."""
        not_queued_yet = max(0, self.in_flight - outbound.replies_queued)
        return outbound.drain_seconds(now) + (self.waiting + not_queued_yet) / outbound.rate

    def admit(self) -> bool:
        """Whether the intake may take one more update now; counts a refusal, and logs when
        refusing starts and ends (`load.shedding`)."""
        if self.size < self.limit:
            if self.shedding:
                self._stop_shedding()
            return True
        if not self.shedding:
            self._start_shedding("webhook")
        self.refused += 1
        self._refused_in_episode += 1
        return False

    async def wait_for_room(self, updates: int) -> None:
        """Return once `updates` more fit under the limit (the polling intake waits here:
        Telegram keeps what it has not delivered)."""
        if self.size + updates <= self.limit:
            if self.shedding:  # a wait before this one was cancelled (the intake restarted)
                self._stop_shedding()
            return
        if not self.shedding:
            self._start_shedding("polling")
        while self.size + updates > self.limit:
            self._room = self._room or trio.Event()
            await self._room.wait()
        self._stop_shedding()

    def _start_shedding(self, intake: str) -> None:
        self.shedding = True
        self._shedding_since = time.monotonic()
        self._refused_in_episode = 0
        log.warning(
            "load.shedding",
            state="started",
            tenant=self.tenant,
            backlog=self.size,
            limit=self.limit,
            intake=intake,
        )

    def _stop_shedding(self) -> None:
        self.shedding = False
        log.info(
            "load.shedding",
            state="ended",
            tenant=self.tenant,
            backlog=self.size,
            refused=self._refused_in_episode,
            seconds=round(time.monotonic() - self._shedding_since, 3),
        )

    def attach(self, dispatcher: DispatcherActor) -> None:
        """`dispatcher` is the one running now: it starts from an empty queue, owning no
        partition until told."""
        self._dispatcher = dispatcher
        self.partitions = 0
        self.counted(0, 0)

    def finished(self, user: int) -> None:
        """A session is done with an update of `user` (sessions call this)."""
        if self._dispatcher is not None:
            self._dispatcher.finished(user)

    def released(self, user: int, session: ActorRef[InboxUpdate]) -> None:
        """`session`, the session of `user`, is gone for good: whatever it held is lost to
        this run (it stays pending in the inbox)."""
        if self._dispatcher is not None:
            self._dispatcher.released(user, session)

    def notified(self, partitions: Iterable[int]) -> None:
        """Another instance committed rows of `partitions` (an inbox notification)."""
        if self._dispatcher is not None:
            self._dispatcher.notified(partitions)

    def counted(self, waiting: int, in_flight: int) -> None:
        self.waiting, self.in_flight = waiting, in_flight
        if self._room is not None and self.size < self.limit:
            self._room.set()
            self._room = None


@dataclass(frozen=True, slots=True)
class Take(Ask[int]):
    """Own `tokens`' partitions from now on, each under its fencing token (None: one
    instance, nothing to fence), and read their pending rows; answered, once read, with how
    many were queued."""

    tokens: Mapping[int, int | None]


@dataclass(frozen=True, slots=True)
class Release:
    """Own these partitions no more: drop what waits of them, wait up to `grace` seconds
    for what sessions hold, stop those sessions, then set `done`."""

    partitions: frozenset[int]
    grace: float
    done: trio.Event = field(default_factory=trio.Event)


DispatcherMessage = InboxUpdate | Take | Release


@dataclass(slots=True)
class _Turn:
    """A user's place in a line of turns; stale when the user's ticket has moved on."""

    ticket: int
    user: int


class DispatcherActor(Actor[DispatcherMessage]):
    def __init__(
        self,
        tenant: str,
        store: Store,
        sessions: Sessions,
        *,
        backlog: Backlog | None = None,
        outbound: OutboundLoad | None = None,
        max_in_flight: int = MAX_IN_FLIGHT,
    ) -> None:
        self.tenant = tenant
        self.store = store
        self.sessions = sessions
        self.backlog = backlog or Backlog(tenant)
        self.outbound = outbound or OutboundLoad()
        self.max_in_flight = max_in_flight
        self.routed = 0
        self._owned: dict[int, int | None] = {}  # partition → its fencing token
        self._queues: dict[int, deque[InboxUpdate]] = {}  # each user's waiting updates
        self._quick: dict[int, int] = {}  # waiting presses and pre-checkouts, by user
        # user → the session holding one of their updates (None until `_hand` knows it)
        self._holder: dict[int, ActorRef[InboxUpdate] | None] = {}
        self._holding: dict[int, int] = {}  # user → the update id that session holds
        self._known: set[int] = set()  # update ids waiting here or in a session's hands
        self._finished: dict[int, float] = {}  # update id → when its session finished it
        self._dirty: set[int] = set()  # partitions with rows to look for (notified)
        self._staged: list[InboxUpdate] = []  # own updates of shared partitions (see above)
        self._sweep = trio.Event()
        self._freed = trio.Event()  # a session let go of an update (for releases waiting)
        self._turns: deque[_Turn] = deque()
        self._quick_turns: deque[_Turn] = deque()
        self._tickets: dict[int, int] = {}  # the valid ticket of each user in line
        self._ticket = itertools.count()
        self._waiting = 0
        self._in_flight = 0
        self._holding_back = False  # the outbound queue is over BACKLOG_HIGH: hold updates
        self._episode_since: float | None = None  # trio time a backpressure episode began
        self._quiet_since = 0.0  # ... and when nothing was left waiting
        self._held_in_episode = 0
        self._wake = trio.Event()

    async def on_start(self) -> None:
        self.backlog.attach(self)
        self.outbound.listener = self._outbound_changed
        self.tasks.start_soon(self._hand_out_forever)
        self.tasks.start_soon(self._sweep_forever)

    async def handle(self, message: DispatcherMessage) -> int | None:
        if isinstance(message, InboxUpdate):
            if message.partition not in self._owned:
                return None  # another instance's partition: its owner reads it from the inbox
            if self._owned[message.partition] is None:
                self._queue(message)  # only this instance writes to the partition
            else:  # queued by the sweep it asks for, behind what others committed before it
                self._staged.append(message)
                self._dirty.add(message.partition)
                self._sweep.set()
            return None
        if isinstance(message, Take):
            return await self._take_partitions(message.tokens)
        self._release(message)
        return None

    # -- partitions --------------------------------------------------------------------------

    async def _take_partitions(self, tokens: Mapping[int, int | None]) -> int:
        """Own `tokens`' partitions and queue their pending rows; how many were read."""
        self._owned.update(tokens)
        self.backlog.partitions = len(self._owned)
        found = await self._catch_up(tokens.keys())
        if found:
            log.info("dispatcher.replayed", updates=found, partitions=len(tokens))
        return found

    async def _catch_up(self, partitions: Iterable[int]) -> int:
        """Queue the pending rows of `partitions` not seen yet, and this instance's staged
        updates of them, in `update_id` order; how many rows were read back."""
        wanted = sorted(p for p in partitions if p in self._owned)
        if not wanted:
            return 0
        read_at = trio.current_time()
        chosen = set(wanted)
        staged = [u for u in self._staged if u.partition in chosen]  # committed before the read
        if staged:
            self._staged = [u for u in self._staged if u.partition not in chosen]
        try:
            pending = await self.store.inbox.pending_ids(self.tenant, wanted)
            own = {u.update_id for u in staged}
            unseen = [
                u
                for u, _ in pending
                if u not in self._known and u not in self._finished and u not in own
            ]
            read: list[InboxUpdate] = []
            for start in range(0, len(unseen), READ_PAGE):
                page = unseen[start : start + READ_PAGE]
                for entry in await self.store.inbox.entries(self.tenant, page):
                    if entry.state is InboxState.PENDING:  # not handled since the ids were read
                        read.append(InboxUpdate.from_row(entry.update_id, entry.payload))
        except BaseException:
            self._staged[:0] = staged  # for the next sweep
            raise
        found = 0
        for update in sorted([*read, *staged], key=lambda u: u.update_id):
            if update.partition in self._owned and self._queue(update):
                found += update.update_id not in own
        pending_ids = {u for u, _ in pending}
        for update_id, finished_at in list(self._finished.items()):  # seen done: forget them
            if finished_at < read_at and update_id not in pending_ids:
                del self._finished[update_id]
        return found

    def notified(self, partitions: Iterable[int]) -> None:
        """Another instance committed rows of `partitions`: look for them now."""
        mine = {p for p in partitions if p in self._owned}
        if mine:
            self._dirty |= mine
            self._sweep.set()

    async def _sweep_forever(self) -> None:
        while True:
            with trio.move_on_after(SWEEP_EVERY) as timer:
                await self._sweep.wait()
            self._sweep = trio.Event()
            if timer.cancelled_caught:  # the periodic sweep: every owned partition
                dirty, self._dirty = set(self._owned), set()
            else:
                dirty, self._dirty = self._dirty, set()
            try:
                await self._catch_up(dirty)
            except StorageError as exc:  # the next sweep tries again
                log.warning("dispatcher.sweep_failed", error=str(exc))

    def _release(self, release: Release) -> None:
        partitions = release.partitions
        for partition in partitions:
            self._owned.pop(partition, None)
        self.backlog.partitions = len(self._owned)
        self._staged = [u for u in self._staged if u.partition not in partitions]
        dropped = 0
        for user in [u for u in self._queues if partition_of(u) in partitions]:
            queue = self._queues.pop(user)
            dropped += len(queue)
            self._waiting -= len(queue)
            self._quick.pop(user, None)
            self._tickets.pop(user, None)
            self._known.difference_update(update.update_id for update in queue)
        self._count()
        self.tasks.start_soon(self._hand_back, release, dropped)

    async def _hand_back(self, release: Release, dropped: int) -> None:
        """Wait for the sessions of released partitions to finish, then stop them."""
        partitions = release.partitions
        with trio.move_on_after(release.grace):
            while any(partition_of(user) in partitions for user in self._holder):
                self._freed = trio.Event()
                await self._freed.wait()
        held = [user for user in self._holder if partition_of(user) in partitions]
        running = self.sessions.keys()
        async with trio.open_nursery() as stops:  # in parallel: each within its own grace
            for user in [key for key in running if partition_of(key) in partitions]:
                stops.start_soon(self.sessions.stop_child, user)
        for user in held:  # stopped with an update in hand: it stays pending for the next owner
            if user in self._holder:  # (a stopped session is usually let go of as it ends)
                self._let_go(user)
        log.info(
            "dispatcher.released",
            partitions=len(partitions),
            dropped=dropped,
            cut_short=len(held),
        )
        release.done.set()

    # -- the queue ---------------------------------------------------------------------------

    def _queue(self, update: InboxUpdate) -> bool:
        """Queue `update` behind its user's earlier ones (False: already seen)."""
        if update.update_id in self._known or update.update_id in self._finished:
            return False
        self._known.add(update.update_id)
        user = update.user
        queue = self._queues.get(user)
        if queue is None:
            queue = self._queues[user] = deque()
        if queue and queue[-1].update_id > update.update_id:  # read back after a later one
            later = next(i for i, queued in enumerate(queue) if queued.update_id > update.update_id)
            queue.insert(later, update)
        else:
            queue.append(update)
        self._waiting += 1
        if update.quick:
            self._quick[user] = self._quick.get(user, 0) + 1
        if user not in self._holder:
            if len(queue) == 1:
                self._line_up(user, self._turns)
            if update.quick:
                self._quick_turns.append(_Turn(self._tickets[user], user))
        self._count()
        self._wake.set()
        return True

    def _line_up(self, user: int, line: deque[_Turn]) -> None:
        ticket = next(self._ticket)
        self._tickets[user] = ticket
        line.append(_Turn(ticket, user))

    def finished(self, user: int) -> None:
        """The session of `user` is done with the update it held."""
        if user not in self._holder:
            return  # handed out before this dispatcher started: nothing to free
        update_id = self._holding.get(user)
        if update_id is not None:
            self._finished[update_id] = trio.current_time()
        self._let_go(user)

    def released(self, user: int, session: ActorRef[InboxUpdate]) -> None:
        """The session `session` of `user` is gone for good."""
        if self._holder.get(user) is not session:
            return  # passivated with nothing held, or an older session of this user
        log.warning("dispatcher.session_gone", user=user, waiting=len(self._queues.get(user, ())))
        self._let_go(user)

    def _let_go(self, user: int) -> None:
        """`user`'s session holds nothing of this dispatcher's any more."""
        del self._holder[user]
        self._freed.set()
        update_id = self._holding.pop(user, None)
        if update_id is not None:
            self._known.discard(update_id)
        self._in_flight -= 1
        self._free(user)

    def _free(self, user: int) -> None:
        if user in self._queues:
            self._line_up(user, self._turns)
            if self._quick.get(user):
                self._quick_turns.append(_Turn(self._tickets[user], user))
        self._count()
        self._wake.set()

    def _outbound_changed(self) -> None:
        if self._holding_back:  # the queue shrank: maybe below its low mark
            self._wake.set()

    def _count(self) -> None:
        self.backlog.counted(self._waiting, self._in_flight)

    # -- handing out -------------------------------------------------------------------------

    async def _hand_out_forever(self) -> None:
        while True:
            now = trio.current_time()
            update = self._next(now)
            if update is not None:
                if not self._hand_now(update):
                    self.tasks.start_soon(self._hand, update)
                continue
            until = math.inf  # absolute times: no float leftovers that never come
            if self._episode_since is not None and not self._waiting:
                quiet_enough = self._quiet_since + EPISODE_QUIET
                if now >= quiet_enough:
                    self._end_episode(now)
                else:
                    until = quiet_enough
            self._wake = trio.Event()
            if self._holding_back and self.outbound.paused_until > now:
                until = min(until, self.outbound.paused_until)  # a 429 pause sends nothing
            with trio.move_on_at(until):
                await self._wake.wait()

    def _next(self, now: float) -> InboxUpdate | None:
        """The next update to hand out now, or None (starting an episode when updates are
        held back by load: all sessions busy, or the outbound queue past its bound)."""
        if self._waiting == 0:
            return None
        if self._in_flight < QUICK_IN_FLIGHT:
            user = self._take_turn(self._quick_turns)
            if user is not None:
                return self._take(user)
        held = ""
        if self._in_flight >= self.max_in_flight:
            held = "sessions"
        elif self._held_back(now):
            held = "outbound"
        if not held:
            user = self._take_turn(self._turns)
            return self._take(user) if user is not None else None
        if self._episode_since is None and self._has_turn():
            self._start_episode(held, now)
        return None

    def _has_turn(self) -> bool:
        """Whether a user could be served now (not only busy users' updates wait)."""
        while self._turns:
            turn = self._turns[0]
            if self._tickets.get(turn.user) == turn.ticket and turn.user not in self._holder:
                return True
            self._turns.popleft()
        return False

    def _take_turn(self, line: deque[_Turn]) -> int | None:
        """The first user in `line` whose turn is still valid (lazy removal of the rest)."""
        while line:
            turn = line.popleft()
            user = turn.user
            if self._tickets.get(user) == turn.ticket and user not in self._holder:
                if line is self._quick_turns and not self._quick.get(user):
                    continue
                del self._tickets[user]
                if user in self._queues:
                    return user
        return None

    def _take(self, user: int) -> InboxUpdate:
        queue = self._queues[user]
        update = queue.popleft()
        if not queue:
            del self._queues[user]
        if update.quick:
            left = self._quick[user] - 1
            if left:
                self._quick[user] = left
            else:
                del self._quick[user]
        self._waiting -= 1
        self._in_flight += 1
        self._holder[user] = None  # the session, once `_hand` knows it
        self._holding[user] = update.update_id
        if self._episode_since is not None:
            self._held_in_episode += 1
            if not self._waiting:
                self._quiet_since = trio.current_time()
        self._count()
        return replace(update, token=self._owned.get(update.partition))

    def _held_back(self, now: float) -> bool:
        """Backpressure from the outbound queue, with hysteresis."""
        drain = self.outbound.drain_seconds(now) + self._in_flight / self.outbound.rate
        if self._holding_back and drain <= BACKLOG_LOW:
            self._holding_back = False
        elif not self._holding_back and drain > BACKLOG_HIGH:
            self._holding_back = True
        return self._holding_back

    def _start_episode(self, held_by: str, now: float) -> None:
        self._episode_since = now
        self._held_in_episode = 0
        self.backlog.backpressure = True
        log.warning(
            "load.backpressure",
            state="started",
            held_by=held_by,
            waiting=self._waiting,
            in_sessions=self._in_flight,
            outbound_queued=self.outbound.replies_queued,
            drain_seconds=round(self.outbound.drain_seconds(now), 1),
        )

    def _end_episode(self, now: float) -> None:
        assert self._episode_since is not None
        log.info(
            "load.backpressure",
            state="ended",
            updates=self._held_in_episode,
            seconds=round(now - self._episode_since, 3),
        )
        self._episode_since = None
        self.backlog.backpressure = False

    def _hand_now(self, update: InboxUpdate) -> bool:
        """Give `update` to its user's running session without waiting, if there is one
        (its mailbox has room: it holds no other update of this dispatcher's)."""
        session = self.sessions.get(update.user)
        if session is None:
            return False
        try:
            session.send_nowait(update)
        except (MailboxClosed, MailboxFull):
            return False
        self._holder[update.user] = session
        self.routed += 1
        return True

    async def _hand(self, update: InboxUpdate) -> None:
        """Give `update` to its user's session, starting one if needed.

        All slots busy is backpressure, not failure: wait for idle sessions to passivate. A
        session that passivated between lookup and send closed its mailbox: look again.
        """
        user = update.user
        closed = 0
        while True:
            try:
                session: ActorRef[InboxUpdate] = await self.sessions.get_or_start(user)
            except SupervisorFull:
                await trio.sleep(FULL_RETRY_DELAY)
                continue
            if user in self._holder:
                self._holder[user] = session
            try:
                await session.send(update)
            except MailboxClosed:
                closed += 1
                if closed >= ROUTE_ATTEMPTS:
                    raise
                continue
            self.routed += 1
            return
