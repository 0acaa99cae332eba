"""Users: the profile a tenant knows about each person, plus their flags."""

from __future__ import annotations

import dataclasses

from ._errors import NotFound
from ._repo import Repo
from ._sql import Row

__all__ = ["User", "Users"]

_COLUMNS = (
    "user_id, username, first_name, last_name, language, is_blocked, blocked_bot,"
    " referrer_id, created_at, updated_at"
)


@dataclasses.dataclass(frozen=True, slots=True)
class User:
    """One user of one tenant. `is_blocked`: blocked by an admin; `blocked_bot`: the user
    blocked the bot (sends fail with 403)."""

    user_id: int
    username: str | None
    first_name: str
    last_name: str | None
    language: str | None
    is_blocked: bool
    blocked_bot: bool
    referrer_id: int | None
    created_at: int
    updated_at: int


def _user(row: Row) -> User:
    return User(
        user_id=row["user_id"],
        username=row["username"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        language=row["language"],
        is_blocked=bool(row["is_blocked"]),
        blocked_bot=bool(row["blocked_bot"]),
        referrer_id=row["referrer_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class Users(Repo):
    """Read and update users of the bound tenant."""

    def upsert(
        self,
        user_id: int,
        *,
        first_name: str,
        username: str | None = None,
        last_name: str | None = None,
        language: str | None = None,
        referrer_id: int | None = None,
    ) -> User:
        """Create the user or refresh their profile; return the stored row.

        An existing `language` is kept unless a new one is given; `referrer_id` is only set
        when the user is created (a referral counts once) and never to the user themself.
        Seeing a user again clears `blocked_bot`: they can be reached again.
        """
        referrer = referrer_id if referrer_id != user_id else None
        row = self._db.one(
            f"""INSERT INTO users (tenant_id, user_id, username, first_name, last_name, language,
                                   referrer_id, created_at, updated_at)
                VALUES (:t, :u, :username, :first, :last, :lang, :ref, :now, :now)
                ON CONFLICT (tenant_id, user_id) DO UPDATE SET
                    username = excluded.username, first_name = excluded.first_name,
                    last_name = excluded.last_name,
                    language = COALESCE(excluded.language, users.language),
                    blocked_bot = FALSE, updated_at = excluded.updated_at
                RETURNING {_COLUMNS}""",
            self._params(
                u=user_id,
                username=username,
                first=first_name,
                last=last_name,
                lang=language,
                ref=referrer,
            ),
        )
        assert row is not None
        return _user(row)

    def find(self, user_id: int) -> User | None:
        """The user, or None."""
        row = self._db.one(
            f"SELECT {_COLUMNS} FROM users WHERE tenant_id = :t AND user_id = :u",
            self._params(u=user_id),
        )
        return None if row is None else _user(row)

    def by_username(self, username: str) -> User | None:
        """The user with this @username (without the @, any case), or None."""
        row = self._db.one(
            f"""SELECT {_COLUMNS} FROM users
                WHERE tenant_id = :t AND LOWER(username) = LOWER(:name)
                ORDER BY updated_at DESC LIMIT 1""",
            self._params(name=username.lstrip("@")),
        )
        return None if row is None else _user(row)

    def get(self, user_id: int) -> User:
        """The user; raises `NotFound`."""
        user = self.find(user_id)
        if user is None:
            raise NotFound("user", user_id)
        return user

    def exists(self, user_id: int) -> bool:
        return bool(
            self._db.scalar(
                "SELECT count(*) FROM users WHERE tenant_id = :t AND user_id = :u",
                self._params(u=user_id),
            )
        )

    def set_language(self, user_id: int, language: str) -> None:
        """Store the user's language; raises `NotFound`."""
        self._update(user_id, "language = :v", language)

    def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Block or unblock the user (an admin decision); raises `NotFound`."""
        self._update(user_id, "is_blocked = :v", blocked)

    def blocked_ids(self) -> list[int]:
        """The users an admin blocked (index `users_admin_blocked`)."""
        rows = self._db.execute(
            "SELECT user_id FROM users WHERE tenant_id = :t AND is_blocked", self._params()
        )
        return [row["user_id"] for row in rows]

    def set_blocked_bot(self, user_id: int, blocked: bool) -> None:
        """Record that the user blocked (or unblocked) the bot; raises `NotFound`."""
        self._update(user_id, "blocked_bot = :v", blocked)

    def count(self) -> int:
        """How many users the tenant has."""
        return int(
            self._db.scalar("SELECT count(*) FROM users WHERE tenant_id = :t", self._params())
        )

    def reachable_ids(self, *, after: int | None = None, limit: int = 1000) -> list[int]:
        """User ids neither blocked by an admin nor blocking the bot, ascending, paged."""
        rows = self._db.execute(
            """SELECT user_id FROM users
               WHERE tenant_id = :t AND NOT is_blocked AND NOT blocked_bot AND user_id > :after
               ORDER BY user_id LIMIT :lim""",
            self._params(after=-(2**63) if after is None else after, lim=limit),
        )
        return [row["user_id"] for row in rows]

    def _update(self, user_id: int, assignment: str, value: object) -> None:
        changed = self._db.run(
            f"UPDATE users SET {assignment}, updated_at = :now"
            " WHERE tenant_id = :t AND user_id = :u",
            self._params(u=user_id, v=value),
        )
        if not changed:
            raise NotFound("user", user_id)
