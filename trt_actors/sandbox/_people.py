"""The people of the sandbox: a few emulated Telegram users and one admin.

Their ids are fixed, so that a sandbox started again on the same `--data-dir` meets the
same users (balances, states) in the service's database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trt_actors.emulators.telegram import Control


@dataclass(frozen=True, slots=True)
class Person:
    """One emulated user the page can act as."""

    key: str
    first_name: str
    user_id: int
    language_code: str
    admin: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "first_name": self.first_name,
            "user_id": self.user_id,
            "language_code": self.language_code,
            "admin": self.admin,
        }


PEOPLE: tuple[Person, ...] = (
    Person("ann", "Ann", 1_000_001, "en"),
    Person("boris", "Boris", 1_000_002, "ru"),
    Person("chen", "Chen", 1_000_003, "en"),
    Person("admin", "Admin", 1_000_099, "en", admin=True),
)


class People:
    """The sandbox's users, created in the emulator; looked up by Telegram user id."""

    def __init__(self, people: tuple[Person, ...] = PEOPLE) -> None:
        self.all = people
        self._by_id = {person.user_id: person for person in people}

    def create(self, control: Control) -> None:
        """Create every person as a user of the emulator (not yet in a chat with the bot)."""
        for person in self.all:
            control.user(
                person.first_name,
                username=person.key,
                language_code=person.language_code,
                user_id=person.user_id,
            )

    def get(self, user_id: int) -> Person | None:
        """The person with this Telegram id, or None if it is not one of the sandbox's."""
        return self._by_id.get(user_id)

    @property
    def admin_ids(self) -> tuple[int, ...]:
        """The ids that go into the service's ADMIN_IDS."""
        return tuple(person.user_id for person in self.all if person.admin)
