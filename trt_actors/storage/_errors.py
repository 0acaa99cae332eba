"""Exceptions raised by the storage layer, in one hierarchy.

Every error the layer raises on purpose derives from `StorageError`, so a caller can catch the
whole family in one clause. Cancellation (`trio.Cancelled`) is never converted. Driver errors
that reveal a bug (bad SQL) are not wrapped: they surface as they are.
"""

from __future__ import annotations

__all__ = [
    "ConstraintViolation",
    "DuplicateKey",
    "Fenced",
    "IdempotencyConflict",
    "InsufficientFunds",
    "InvalidState",
    "MigrationError",
    "NotFound",
    "PromoRejected",
    "StorageError",
    "StorageUnavailable",
    "VersionConflict",
]


class StorageError(Exception):
    """Base class of every error raised by `trt_actors.storage`."""


class StorageUnavailable(StorageError):
    """The database could not be reached, locked, or answered in time.

    The operation may be retried. When it is raised for a write, the write did not commit,
    except for one case stated where it applies: a commit whose outcome is unknown (the
    connection broke during COMMIT). Idempotency keys make the retry safe in both cases.
    """


class NotFound(StorageError):
    """The row named by the caller (user, hold, job, payment, ...) does not exist."""

    def __init__(self, what: str, key: object) -> None:
        super().__init__(f"{what} {key!r} not found")
        self.what = what
        self.key = key


class InsufficientFunds(StorageError):
    """A debit or hold asked for more than the available amount (balance - held)."""

    def __init__(self, available: int, required: int, currency: str) -> None:
        super().__init__(f"available {available} {currency}, required {required}")
        self.available = available
        self.required = required
        self.currency = currency


class IdempotencyConflict(StorageError):
    """An idempotency key was reused with different arguments; nothing was changed."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(f"idempotency key {key!r} was used for another operation: {detail}")
        self.key = key


class VersionConflict(StorageError):
    """Optimistic concurrency: the row changed since the caller read it."""

    def __init__(self, what: str, expected: int, actual: int) -> None:
        super().__init__(f"{what}: expected version {expected}, found {actual}")
        self.expected = expected
        self.actual = actual


class Fenced(StorageError):
    """A write under a fencing token lower than one already used for its partition: another
    instance owns the partition now. Nothing of the transaction was kept."""

    def __init__(self, partition: int, token: int, current: int) -> None:
        super().__init__(
            f"partition {partition} is owned under token {current}; token {token} is stale"
        )
        self.partition = partition
        self.token = token
        self.current = current


class InvalidState(StorageError):
    """The row is not in a state that allows this change (e.g. capture of a released hold)."""


class PromoRejected(InvalidState):
    """A promo code cannot be redeemed; `reason` is one of the `PromoRejected.*` constants."""

    EXPIRED = "expired"
    EXHAUSTED = "exhausted"
    INACTIVE = "inactive"
    ALREADY_REDEEMED = "already_redeemed"

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"promo code {code!r} rejected: {reason}")
        self.code = code
        self.reason = reason


class ConstraintViolation(StorageError):
    """The database refused a write that breaks one of its constraints (CHECK, FK, type)."""


class DuplicateKey(ConstraintViolation):
    """A UNIQUE or PRIMARY KEY constraint refused a second row with the same key."""


class MigrationError(StorageError):
    """The schema cannot be brought to, or is not at, the version this program needs."""
