"""Storage: one interface over SQLite (default) and PostgreSQL.

Open a `Store` with `open_store(url)` (or run `serve_store` as the `store` actor). Work
happens in transactions bound to one tenant: ``await store.run(tenant, fn)`` runs the
synchronous ``fn(tx)`` in a worker thread, where ``tx`` (`Tx`) offers the repositories
(users, sessions, inbox, ledger, payments, jobs, history, referrals, promos, quota,
free_bonus, free_holds, broadcasts, settings, audit, imports). Raw updates enter through
`Store.inbox` with group commit.

Conventions: money is `int` minor units (kopecks, whole Stars); timestamps (``*_at``) are
`int` Unix milliseconds; every error is a `StorageError`. docs/storage.md has the rest.
"""

from ._audit import AuditEntry, AuditLog
from ._broadcasts import Broadcast, Broadcasts, BroadcastState, DeliveryState
from ._clock import Clock, wall_clock_ms
from ._correlations import Correlations, CorrelationStep
from ._errors import (
    ConstraintViolation,
    DuplicateKey,
    Fenced,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidState,
    MigrationError,
    NotFound,
    PromoRejected,
    StorageError,
    StorageUnavailable,
    VersionConflict,
)
from ._fences import Fences
from ._history import History, HistoryEvent
from ._imports import ImportedRow, Imports
from ._inbox import AppendResult, Inbox, Payload
from ._inbox_rows import InboxEntry, InboxRows, InboxState
from ._instances import InstanceRow, Instances
from ._jobs import Job, Jobs, JobState
from ._knowledge import KnowledgeBase, KnowledgeEntry
from ._ledger import Ledger
from ._ledger_records import Account, Discrepancy, Hold, HoldStatus, LedgerEntry
from ._migrate import SchemaStatus
from ._money import CreditKind, Currency, LedgerKind
from ._payments import Payment, PaymentMethod, Payments, PaymentStatus
from ._promos import PromoCode, Promos
from ._quota import FreeBonus, FreeHold, FreeHolds, FreeQuota
from ._referrals import Referral, Referrals
from ._sessions import Session, Sessions
from ._settings import TermOverrides
from ._stats import EXPORT_COLUMNS, DayMoney, Stats, UserFigures
from ._store import Store, migrate, open_store, serve_store, status
from ._tx import Tx
from ._url import DEFAULT_URL, redact_url
from ._users import User, Users
from .migrations import LATEST

__all__ = [
    "DEFAULT_URL",
    "EXPORT_COLUMNS",
    "LATEST",
    "Account",
    "AppendResult",
    "AuditEntry",
    "AuditLog",
    "Broadcast",
    "BroadcastState",
    "Broadcasts",
    "Clock",
    "ConstraintViolation",
    "CorrelationStep",
    "Correlations",
    "CreditKind",
    "Currency",
    "DayMoney",
    "DeliveryState",
    "Discrepancy",
    "DuplicateKey",
    "Fenced",
    "Fences",
    "FreeBonus",
    "FreeHold",
    "FreeHolds",
    "FreeQuota",
    "History",
    "HistoryEvent",
    "Hold",
    "HoldStatus",
    "IdempotencyConflict",
    "ImportedRow",
    "Imports",
    "Inbox",
    "InboxEntry",
    "InboxRows",
    "InboxState",
    "InstanceRow",
    "Instances",
    "InsufficientFunds",
    "InvalidState",
    "Job",
    "JobState",
    "Jobs",
    "KnowledgeBase",
    "KnowledgeEntry",
    "Ledger",
    "LedgerEntry",
    "LedgerKind",
    "MigrationError",
    "NotFound",
    "Payload",
    "Payment",
    "PaymentMethod",
    "PaymentStatus",
    "Payments",
    "PromoCode",
    "PromoRejected",
    "Promos",
    "Referral",
    "Referrals",
    "SchemaStatus",
    "Session",
    "Sessions",
    "Stats",
    "StorageError",
    "StorageUnavailable",
    "Store",
    "TermOverrides",
    "Tx",
    "User",
    "UserFigures",
    "Users",
    "VersionConflict",
    "migrate",
    "open_store",
    "redact_url",
    "serve_store",
    "status",
    "wall_clock_ms",
]
