"""Users' session states kept in memory between two runs of their session actor.

A session actor runs while its user is active and ends after `SESSION_REST` seconds without an
update (`app/tree.py`): a running actor costs about 11.5 KB (its trio task, mailbox, scopes and
supervision record; `scripts/bench_session_memory.py`), a resting user only their state. So
when the actor passivates it leaves the state here, as the JSON text storage holds (compact,
and exactly what a read from storage would give back), with its version and the fencing token
it was saved under; the user's next update starts a new actor, which takes it up instead of
reading storage. A state stays `keep_for` seconds after it was left (then the next update
reads storage, as before), and at most `limit` states are kept (the oldest dropped first).

Taking a state up is as safe as the running actor's own copy was:

- only the user's session writes its state, and every save checks the version it started from
  (`storage.Sessions.save`): a state changed meanwhile is refused there, and the session
  reloads;
- in a cluster, a state left under one fencing token is not used for an update under another:
  the user's partition went to another instance and came back, so the session reads storage.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["ResidentState", "ResidentStates"]


@dataclass(frozen=True, slots=True)
class ResidentState:
    """One resting user's state: the JSON text, its stored version, the token it was saved
    under (None: one instance, nothing fenced), and when it stops being used."""

    text: bytes
    version: int
    token: int | None
    expires_at: float

    def state(self) -> dict[str, Any]:
        value: dict[str, Any] = orjson.loads(self.text)
        return value


class ResidentStates:
    """The states resting users left, by user id: bounded in count and in age."""

    def __init__(self, keep_for: float, limit: int) -> None:
        if keep_for <= 0 or limit < 1:
            raise ValueError("keep_for must be positive and limit at least 1")
        self.keep_for = keep_for
        self.limit = limit
        self._states: collections.OrderedDict[int, ResidentState] = collections.OrderedDict()

    def __len__(self) -> int:
        return len(self._states)

    def leave(
        self, user_id: int, state: dict[str, Any], version: int, token: int | None, now: float
    ) -> bool:
        """Keep `user_id`'s state until `now + keep_for`; False if JSON cannot hold it (the
        next update then reads storage)."""
        self._states.pop(user_id, None)  # an older one goes either way
        try:
            text = orjson.dumps(state)
        except orjson.JSONEncodeError:  # e.g. an integer beyond 64 bits: storage has it anyway
            return False
        self._states[user_id] = ResidentState(text, version, token, now + self.keep_for)
        self._expire(now)
        while len(self._states) > self.limit:
            self._states.popitem(last=False)
        return True

    def take(self, user_id: int, now: float) -> ResidentState | None:
        """The state `user_id` left, removed from here; None if none, or too old."""
        self._expire(now)
        return self._states.pop(user_id, None)

    def _expire(self, now: float) -> None:
        states = self._states
        while states:
            oldest = next(iter(states.values()))
            if oldest.expires_at > now:
                return
            states.popitem(last=False)
