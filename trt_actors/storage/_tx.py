"""`Tx`: one transaction bound to one tenant, with every repository on the same connection.

A `Tx` is what the function given to `Store.run` / `Store.read` receives. Everything done
through it commits together or not at all: e.g. save the session state, mark the inbox row
done and capture a hold, in one unit of work::

    def handle(tx: Tx) -> None:
        tx.sessions.save(user_id, new_state, expected_version=version)
        tx.inbox.mark_done(update_id)
        tx.ledger.capture(hold_id, key=f"capture:{job_id}", actor="jobs")

    await store.run(tenant_id, handle)

Every repository of a `Tx` filters every query by its tenant: a `Tx` for tenant A cannot
read or change tenant B's rows. The function runs in a worker thread: it must not await,
and should not do slow non-database work while the transaction is open.
"""

from __future__ import annotations

import functools

from ._audit import AuditLog
from ._broadcasts import Broadcasts
from ._correlations import Correlations
from ._fences import Fences
from ._history import History
from ._imports import Imports
from ._inbox_rows import InboxRows
from ._jobs import Jobs
from ._knowledge import KnowledgeBase
from ._ledger import Ledger
from ._operation_results import OperationResults
from ._payments import Payments
from ._promos import Promos
from ._quota import FreeBonus, FreeHolds, FreeQuota
from ._referrals import Referrals
from ._sessions import Sessions
from ._settings import TermOverrides
from ._sql import SqlConn
from ._stats import Stats
from ._users import Users

__all__ = ["Tx"]


class Tx:
    """The repositories of one tenant inside one transaction."""

    def __init__(self, db: SqlConn, tenant_id: str, now: int) -> None:
        self._db = db
        self.tenant_id = tenant_id
        self.now = now  # the transaction's timestamp, Unix milliseconds

    @functools.cached_property
    def users(self) -> Users:
        return Users(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def fences(self) -> Fences:
        return Fences(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def operation_results(self) -> OperationResults:
        return OperationResults(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def sessions(self) -> Sessions:
        return Sessions(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def inbox(self) -> InboxRows:
        return InboxRows(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def ledger(self) -> Ledger:
        return Ledger(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def payments(self) -> Payments:
        return Payments(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def jobs(self) -> Jobs:
        return Jobs(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def history(self) -> History:
        return History(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def referrals(self) -> Referrals:
        return Referrals(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def promos(self) -> Promos:
        return Promos(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def quota(self) -> FreeQuota:
        return FreeQuota(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def free_bonus(self) -> FreeBonus:
        return FreeBonus(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def free_holds(self) -> FreeHolds:
        return FreeHolds(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def broadcasts(self) -> Broadcasts:
        return Broadcasts(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def settings(self) -> TermOverrides:
        return TermOverrides(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def audit(self) -> AuditLog:
        return AuditLog(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def correlations(self) -> Correlations:
        return Correlations(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def imports(self) -> Imports:
        return Imports(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def knowledge(self) -> KnowledgeBase:
        return KnowledgeBase(self._db, self.tenant_id, self.now)

    @functools.cached_property
    def stats(self) -> Stats:
        return Stats(self._db, self.tenant_id, self.now)
