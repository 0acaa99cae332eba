"""Reading the old bot's PostgreSQL: `storage_json` (one JSON document per partner and
logical file) and `referrals`, in one read-only snapshot.

The connection is opened read-only (``default_transaction_read_only``) and every query runs
in one ``REPEATABLE READ READ ONLY`` transaction, so all partners are read as of one moment
and nothing can be written, whatever the code does. Every query filters by partner: many
partners share one database. The old bot's own rows (partner ``diagnostics``, files under
``_diagnostics/``) are not partners' data. Statements end on the server after
`STATEMENT_TIMEOUT_MS`; connecting gives up after `CONNECT_TIMEOUT` seconds.

Synchronous: the importer calls it from a worker thread under a trio deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import dict_row

from trt_actors.storage import redact_url

from ._source import (
    DIAGNOSTICS_PARTNER,
    PartnerData,
    SourceError,
    SourceFile,
    decode_document,
    is_logical_file,
)

__all__ = ["CONNECT_TIMEOUT", "STATEMENT_TIMEOUT_MS", "DatabaseSource"]

CONNECT_TIMEOUT = 10
STATEMENT_TIMEOUT_MS = 120_000
_OPTIONS = f"-c default_transaction_read_only=on -c statement_timeout={STATEMENT_TIMEOUT_MS}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class DatabaseSource:
    """An old bot's database (see the module). Use as a context manager: it holds one
    connection, and one snapshot, until closed."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: psycopg.Connection[dict[str, Any]] | None = None
        self._has_referrals = False

    @property
    def description(self) -> str:
        return redact_url(self.url)

    def __enter__(self) -> DatabaseSource:
        try:
            given = conninfo_to_dict(self.url).get("options")  # e.g. a search_path: kept
            conn = psycopg.connect(
                self.url,
                connect_timeout=CONNECT_TIMEOUT,
                options=f"{given} {_OPTIONS}" if given else _OPTIONS,
                row_factory=dict_row,
            )
        except psycopg.Error as exc:
            raise SourceError(f"{self.description}: cannot connect: {_first_line(exc)}") from None
        conn.read_only = True
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self._conn = conn
        try:
            found = self._exists("storage_json")
            self._has_referrals = self._exists("referrals")
        except BaseException:
            self.close()
            raise
        if not found:
            self.close()
            raise SourceError(
                f"{self.description}: no table storage_json: not a database of the old bot"
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()  # the read-only transaction ends with it
            self._conn = None

    def _rows(self, query: str, params: tuple[object, ...] = ()) -> list[dict[str, Any]]:
        if self._conn is None:
            raise SourceError("the source is not open")
        try:
            return self._conn.execute(query, params).fetchall()
        except psycopg.Error as exc:
            raise SourceError(f"{self.description}: {_first_line(exc)}") from None

    def _exists(self, table: str) -> bool:
        rows = self._rows("SELECT to_regclass(%s) IS NOT NULL AS found", (table,))
        return bool(rows and rows[0]["found"])

    def partners(self) -> list[str]:
        query = "SELECT DISTINCT partner_id FROM storage_json"
        if self._has_referrals:
            query += " UNION SELECT DISTINCT partner_id FROM referrals"
        rows = self._rows(f"SELECT partner_id FROM ({query}) AS p ORDER BY partner_id")
        return [
            str(row["partner_id"])
            for row in rows
            if row["partner_id"] and row["partner_id"] != DIAGNOSTICS_PARTNER
        ]

    def notes(self) -> list[str]:
        return []

    def load(self, partner: str) -> PartnerData:
        rows = self._rows(
            "SELECT filename, payload FROM storage_json WHERE partner_id = %s ORDER BY filename",
            (partner,),
        )
        files: dict[str, SourceFile] = {}
        for row in rows:
            name = str(row["filename"])
            if not is_logical_file(name):  # _diagnostics/<bot>/..., anything not a document
                continue
            files[name] = decode_document(name, row["payload"])
        referrals: tuple[Mapping[str, Any], ...] = ()
        if self._has_referrals:
            referrals = tuple(
                self._rows(
                    """SELECT referred_user_id, referrer_id, ref_param, bonus_amount,
                              created_at, bonus_granted_at
                       FROM referrals WHERE partner_id = %s ORDER BY created_at""",
                    (partner,),
                )
            )
        return PartnerData(partner, files, referrals)
