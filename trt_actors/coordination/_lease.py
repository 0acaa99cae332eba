"""The `Lease` value: who holds a named lease, with which fencing token, until when.

A lease is a named, time-limited right held by one owner. Each new acquisition gets a fencing
token greater than every token handed out before for that name, so a resource that remembers
the highest token it has seen can refuse writes from a holder whose lease has since passed on.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import socket
from dataclasses import dataclass
from typing import Literal

__all__ = ["Lease", "Origin", "default_owner"]

Origin = Literal["redis", "local"]
"""Which backend granted a lease or a lock; renew and release go back to the same one."""


@dataclass(frozen=True, slots=True)
class Lease:
    """A lease held by `owner`.

    Attributes:
        name: the lease name (for example ``"tenant:42:webhook_setter"``).
        owner: the holder's identity; unique per contender (see `default_owner`).
        token: the fencing token: strictly greater than the token of every earlier
            acquisition of the same name on the same backend.
        expires_at: a conservative local expiry in `trio.current_time()` terms. It is
            measured from the moment the request was sent, so the lease cannot have expired
            on the server before it (clock-rate drift aside, see `Leader`'s safety margin).
        ttl: the time-to-live the lease was last granted or renewed with, in seconds.
        origin: the backend that granted it.
    """

    name: str
    owner: str
    token: int
    expires_at: float
    ttl: float
    origin: Origin

    @property
    def value(self) -> str:
        """The string the backend stores for this lease: ``"<token>:<owner>"``."""
        return f"{self.token}:{self.owner}"

    def renewed(self, *, expires_at: float, ttl: float) -> Lease:
        """Return a copy with a new expiry (same name, owner, token and origin)."""
        return dataclasses.replace(self, expires_at=expires_at, ttl=ttl)


def default_owner() -> str:
    """Return a fresh owner identity: ``"<host>:<pid>:<random hex>"``.

    Each call returns a different identity, so two contenders in one process never share it.
    """
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
