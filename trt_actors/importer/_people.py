"""The users of one partner: everyone any file names, with their profile (the registry),
language, admin block and balance. Pure.

Top-level keys of the per-user files are Telegram ids as decimal strings; a key that is not
one is skipped and reported — except the structural keys some files keep beside the users
(``referrals``, ``events``, ``promocodes``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from ._findings import Findings
from ._records import UserRecord
from ._source import PartnerData
from ._values import text_of, time_ms, user_id_of

__all__ = ["LANGUAGES", "People", "read_people"]

LANGUAGES = frozenset({"ru", "en"})
STRUCTURAL_KEYS = frozenset({"referrals", "events", "promocodes"})
NAME_LIMIT = 64


class People:
    """The users gathered so far, by id; `found` counts records per kind."""

    def __init__(self, findings: Findings, found: Counter[str]) -> None:
        self.users: dict[int, UserRecord] = {}
        self.findings = findings
        self.found = found

    def named(self, value: object, *, kind: str, where: str) -> UserRecord | None:
        """The user `value` names (created on first sight), or None — reported as a skipped
        `kind` record, found in `where` — when it is not a user id."""
        user_id = user_id_of(value)
        if user_id is None:
            self.findings.skip(kind, f"{where}: {value!r}", "not a Telegram user id")
            return None
        user = self.users.get(user_id)
        if user is None:
            user = self.users[user_id] = UserRecord(user_id)
        return user

    def keyed(
        self, document: Mapping[str, Any], *, kind: str, where: str, count: bool = False
    ) -> list[tuple[UserRecord, Any]]:
        """(user, value) of every user key of a per-user file; with `count`, each key is one
        `kind` record found."""
        pairs: list[tuple[UserRecord, Any]] = []
        for key, value in document.items():
            if key in STRUCTURAL_KEYS:
                continue
            if count:
                self.found[kind] += 1
            user = self.named(key, kind=kind, where=where)
            if user is not None:
                pairs.append((user, value))
        return pairs


def _registry(people: People, document: Mapping[str, Any]) -> None:
    for user, entry in people.keyed(document, kind="profile", where="user_registry.json"):
        if not isinstance(entry, Mapping):
            people.findings.skip("profile", user.user_id, "not an object")
            continue
        user.first_name = text_of(entry.get("first_name"), limit=NAME_LIMIT) or ""
        user.last_name = text_of(entry.get("last_name"), limit=NAME_LIMIT)
        user.username = text_of(entry.get("username"), limit=NAME_LIMIT)
        user.seen(time_ms(entry.get("updated_at")))


def _languages(people: People, document: Mapping[str, Any]) -> None:
    for user, language in people.keyed(document, kind="language", where="user_languages.json"):
        if language in LANGUAGES:
            user.language = language
        else:
            people.findings.skip("language", user.user_id, f"{language!r} is not ru or en")


def _blocked(people: People, document: Mapping[str, Any]) -> None:
    for user, flag in people.keyed(document, kind="blocked", where="blocked_users.json"):
        user.blocked = flag is True or flag in {1, "true"}


def _balances(people: People, document: Mapping[str, Any]) -> None:
    pairs = people.keyed(document, kind="balance", where="user_balances.json", count=True)
    for user, value in pairs:
        user.balance = people.findings.rubles("balance", user.user_id, value)


def read_people(data: PartnerData, people: People) -> None:
    """Everyone the registry, languages, blocks, balances and gift claims name."""
    _registry(people, data.document("user_registry.json"))
    _languages(people, data.document("user_languages.json"))
    _blocked(people, data.document("blocked_users.json"))
    _balances(people, data.document("user_balances.json"))
    gifts = data.document("gift_claimed.json")
    claimed = people.keyed(gifts, kind="gift", where="gift_claimed.json")
    if claimed:
        people.findings.note(
            f"gift_claimed.json: {len(claimed)} user(s) had opened the gift wheel; not carried "
            "over (there is no gift wheel here; what it credited is in their balances)"
        )
