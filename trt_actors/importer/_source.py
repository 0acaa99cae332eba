"""What a source of the old bot holds for one partner: its logical files and referral rows.

The old bot keeps one JSON document per (partner, logical file) — a row of `storage_json` in
PostgreSQL, or a file `<partner>/<name>` in a data directory — plus, in PostgreSQL, a
`referrals` table. A reader (`read_directory`, `read_database`) hands every partner's files
over as `PartnerData`; the rest of the importer never touches the source again. A document
that cannot be read (invalid JSON, not an object) is kept as a problem, and reads as empty:
absence is not an error (the old bot created many files as ``{}``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "DIAGNOSTICS_PARTNER",
    "LOGICAL_FILES",
    "PartnerData",
    "Source",
    "SourceError",
    "SourceFile",
    "decode_document",
    "is_logical_file",
]

DIAGNOSTICS_PARTNER = "diagnostics"  # the old bot's own checks, not a tenant
LOGICAL_FILES = frozenset(
    {
        "user_balances.json",
        "balance_deductions.json",
        "payments.json",
        "generations_history.json",
        "history_events.json",
        "daily_free_generations.json",
        "free_deductions.json",
        "hourly_free_usage.json",
        "referral_free_bank.json",
        "referrals.json",
        "referral_events.json",
        "user_registry.json",
        "user_languages.json",
        "gift_claimed.json",
        "blocked_users.json",
        "admin_limits.json",
        "promocodes.json",
        "currency_rate.json",
        "broadcasts.json",
        "generation_jobs.json",
        "jobs.json",
        "delivery_records.json",
        "ui_actions.json",
        "telegram_idempotency.json",
        "observability_correlations.json",
        "kie_watchdog.json",
        "free_generations.json",
    }
)
_FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.json$")


class SourceError(Exception):
    """The source cannot be read at all (no such directory, no connection, no old tables)."""


def is_logical_file(name: str) -> bool:
    """A name the old bot stores documents under (not a temp file, lock or diagnostics)."""
    return bool(_FILE_NAME.match(name)) and not name.startswith(".")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One logical file: its object, or why it could not be read."""

    name: str
    content: Mapping[str, Any] | None
    problem: str | None = None


def decode_document(name: str, raw: object) -> SourceFile:
    """A stored document as a `SourceFile`: JSON text or bytes are parsed (the old bot's
    PostgreSQL may hand JSONB back as text); anything but an object is a problem."""
    value = raw
    if isinstance(raw, bytes | bytearray):
        try:
            value = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            return SourceFile(name, None, "not UTF-8 text")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            return SourceFile(name, None, f"invalid JSON ({exc.msg} at line {exc.lineno})")
    if not isinstance(value, dict):
        return SourceFile(name, None, f"a JSON {type(value).__name__}, not an object")
    return SourceFile(name, value)


@dataclass(frozen=True, slots=True)
class PartnerData:
    """Everything the source holds for one partner."""

    partner: str
    files: Mapping[str, SourceFile] = field(default_factory=dict)
    referral_rows: tuple[Mapping[str, Any], ...] = ()

    def document(self, name: str) -> Mapping[str, Any]:
        """The object of logical file `name`; empty when absent or unreadable."""
        found = self.files.get(name)
        return found.content if found is not None and found.content is not None else {}

    def problems(self) -> list[tuple[str, str]]:
        """(file, problem) of every document that could not be read."""
        return [(f.name, f.problem) for f in self.files.values() if f.problem is not None]


class Source(Protocol):
    """A readable old deployment: which partners it holds, and each one's data."""

    @property
    def description(self) -> str:
        """Where it is (a directory, or a database URL with its password masked)."""
        ...

    def partners(self) -> list[str]: ...

    def load(self, partner: str) -> PartnerData: ...

    def notes(self) -> list[str]:
        """What the operator should know about the source as a whole."""
        ...
