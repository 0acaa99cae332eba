"""Sessions: one user's wizard state as a JSON object, versioned for optimistic concurrency.

A session actor loads the state with its version, computes the next state, and saves it with
``expected_version`` set to what it loaded. If someone else saved in between, the save raises
`VersionConflict` and changes nothing: the actor reloads and decides again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ._errors import NotFound, VersionConflict
from ._repo import Repo
from ._sql import dump_json, load_json

__all__ = ["Session", "Sessions"]


@dataclasses.dataclass(frozen=True, slots=True)
class Session:
    """The stored state of one user's session. `version` 0 means "never saved"."""

    user_id: int
    state: dict[str, Any]
    version: int
    updated_at: int | None


class Sessions(Repo):
    """Load and save session state of the bound tenant."""

    def load(self, user_id: int) -> Session:
        """The stored session, or an empty one with version 0."""
        row = self._db.one(
            "SELECT state, version, updated_at FROM sessions WHERE tenant_id = :t AND user_id = :u",
            self._params(u=user_id),
        )
        if row is None:
            return Session(user_id=user_id, state={}, version=0, updated_at=None)
        return Session(user_id, load_json(row["state"]), row["version"], row["updated_at"])

    def save(self, user_id: int, state: Mapping[str, Any], *, expected_version: int) -> Session:
        """Store `state` if the stored version is still `expected_version`; return the new
        session (version + 1).

        Raises `VersionConflict` (nothing changed) when the stored version differs, and
        `NotFound` when the user does not exist.
        """
        params = self._params(u=user_id, state=dump_json(dict(state)), v=expected_version)
        if expected_version == 0:
            if not self._db.scalar(
                "SELECT count(*) FROM users WHERE tenant_id = :t AND user_id = :u", params
            ):
                raise NotFound("user", user_id)
            changed = self._db.run(
                """INSERT INTO sessions (tenant_id, user_id, state, version, updated_at)
                   VALUES (:t, :u, :state, 1, :now)
                   ON CONFLICT (tenant_id, user_id) DO NOTHING""",
                params,
            )
        else:
            changed = self._db.run(
                """UPDATE sessions SET state = :state, version = version + 1, updated_at = :now
                   WHERE tenant_id = :t AND user_id = :u AND version = :v""",
                params,
            )
        if not changed:
            raise VersionConflict(
                f"session {user_id}", expected_version, self.load(user_id).version
            )
        return Session(user_id, dict(state), expected_version + 1, self._now)

    def delete(self, user_id: int) -> bool:
        """Forget the session; True if there was one."""
        return bool(
            self._db.run(
                "DELETE FROM sessions WHERE tenant_id = :t AND user_id = :u",
                self._params(u=user_id),
            )
        )
