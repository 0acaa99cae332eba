"""The dispatcher: committed updates in, each handed to its user's session actor, in order.

At start it replays the inbox rows that were never marked done (after a crash or a deploy),
oldest first, before it reports started — so the intake, which starts after it, adds new
updates only behind the replayed ones. Then it receives each update as soon as the intake's
commit is done and routes it by user: one user's updates reach that user's actor in order,
different users' actors run concurrently.
"""

from __future__ import annotations

from typing import Any

import structlog
import trio

from trt_actors.domain.updates import user_of
from trt_actors.mailboxes import MailboxClosed
from trt_actors.storage import Store
from trt_actors.supervisors import DynamicSupervisor, SupervisorFull

from ._actor import Actor
from .session import InboxUpdate

log = structlog.get_logger(__name__)

REPLAY_PAGE = 500
FULL_RETRY_DELAY = 0.2  # all session slots busy: wait for idle ones to passivate
ROUTE_ATTEMPTS = 5


class DispatcherActor(Actor[InboxUpdate]):
    def __init__(self, tenant: str, store: Store, sessions: DynamicSupervisor[int]) -> None:
        self.tenant = tenant
        self.store = store
        self.sessions = sessions
        self.routed = 0

    async def on_start(self) -> None:
        replayed = 0
        after: int | None = None
        while True:
            rows = await self.store.inbox.pending(self.tenant, after=after, limit=REPLAY_PAGE)
            if not rows:
                break
            for row in rows:
                await self.handle(InboxUpdate.from_bytes(row.update_id, row.payload))
            replayed += len(rows)
            after = rows[-1].update_id
        if replayed:
            log.info("dispatcher.replayed", updates=replayed)

    async def handle(self, message: InboxUpdate) -> None:
        await self._route(user_of(message.payload), message)
        self.routed += 1

    async def _route(self, user: int, message: InboxUpdate) -> None:
        """Hand the update to the user's actor, starting one if needed.

        All slots busy is backpressure, not failure: wait for idle sessions to passivate. A
        session that passivated between lookup and send closed its mailbox: look again.
        """
        closed = 0
        while True:
            try:
                session: Any = await self.sessions.get_or_start(user)
            except SupervisorFull:
                await trio.sleep(FULL_RETRY_DELAY)
                continue
            try:
                await session.send(message)
            except MailboxClosed:
                closed += 1
                if closed >= ROUTE_ATTEMPTS:
                    raise
                continue
            return
