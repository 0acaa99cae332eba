"""Figures and exports for the admin panel: counts, sums by day, and whole-table rows.

Read-only aggregate queries over one tenant. Days are UTC days (`created_at // 86_400_000`);
money is integer minor units, summed by the database.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from ._repo import Repo
from ._sql import Row

__all__ = ["DayMoney", "Stats", "UserFigures"]

DAY_MS = 86_400_000
EXPORT_PAGE = 500


@dataclasses.dataclass(frozen=True, slots=True)
class UserFigures:
    total: int
    new: int  # created since `since`
    active: int  # seen (profile refreshed by an update) since `since`
    blocked_bot: int


@dataclasses.dataclass(frozen=True, slots=True)
class DayMoney:
    """One UTC day: money paid in (top-ups, in kopecks) and spent on generations."""

    day: int  # days since 1970-01-01
    revenue: int
    spend: int


class Stats(Repo):
    """Admin figures of the bound tenant."""

    def users(self, *, since: int) -> UserFigures:
        row = self._db.execute(
            """SELECT COUNT(*) AS total,
                      COALESCE(SUM(CASE WHEN created_at >= :since THEN 1 ELSE 0 END), 0) AS new,
                      COALESCE(SUM(CASE WHEN updated_at >= :since THEN 1 ELSE 0 END), 0) AS active,
                      COALESCE(SUM(CASE WHEN blocked_bot THEN 1 ELSE 0 END), 0) AS blocked
               FROM users WHERE tenant_id = :t""",
            self._params(since=since),
        )[0]
        return UserFigures(
            int(row["total"]), int(row["new"]), int(row["active"]), int(row["blocked"])
        )

    def jobs_by_model(self, *, since: int, limit: int = 10) -> list[tuple[str, int]]:
        """The most used models since `since`: (model id, generations), most first."""
        rows = self._db.execute(
            """SELECT model_id, COUNT(*) AS n FROM jobs
               WHERE tenant_id = :t AND created_at >= :since
               GROUP BY model_id ORDER BY n DESC, model_id LIMIT :lim""",
            self._params(since=since, lim=limit),
        )
        return [(str(row["model_id"]), int(row["n"])) for row in rows]

    def money_by_day(self, *, since: int) -> list[DayMoney]:
        """RUB paid in (top-ups) and captured for generations per UTC day since `since`."""
        rows = self._db.execute(
            """SELECT created_at / :day AS d,
                      COALESCE(SUM(CASE WHEN kind = 'topup' THEN amount ELSE 0 END), 0) AS rev,
                      COALESCE(SUM(CASE WHEN kind = 'capture' THEN -amount ELSE 0 END), 0) AS sp
               FROM ledger
               WHERE tenant_id = :t AND currency = 'RUB' AND created_at >= :since
               GROUP BY created_at / :day ORDER BY d""",
            self._params(since=since, day=DAY_MS),
        )
        return [DayMoney(int(row["d"]), int(row["rev"]), int(row["sp"])) for row in rows]

    def user_counts(self, user_id: int) -> tuple[int, int]:
        """How many generations and payments the user has."""
        jobs = self._db.scalar(
            "SELECT COUNT(*) FROM jobs WHERE tenant_id = :t AND user_id = :u",
            self._params(u=user_id),
        )
        payments = self._db.scalar(
            "SELECT COUNT(*) FROM payments WHERE tenant_id = :t AND user_id = :u",
            self._params(u=user_id),
        )
        return int(jobs), int(payments)

    def job_ids(self, *, before_id: int | None = None, limit: int = 10) -> list[int]:
        """Ids of the tenant's generations, newest first, paged by `before_id`."""
        rows = self._db.execute(
            """SELECT id FROM jobs WHERE tenant_id = :t AND id < :before
               ORDER BY id DESC LIMIT :lim""",
            self._params(before=2**62 if before_id is None else before_id, lim=limit),
        )
        return [int(row["id"]) for row in rows]

    def allowance_spent(self, user_id: int) -> int:
        """Kopecks a limited admin's generations drew on their allowance: jobs with a price
        and no hold, not failed or refunded (a failed one gives its share back). Generations
        brought over from another system did not run here and draw nothing."""
        spent = self._db.scalar(
            """SELECT COALESCE(SUM(price), 0) FROM jobs
               WHERE tenant_id = :t AND user_id = :u AND hold_id IS NULL AND price > 0
                 AND imported_at IS NULL
                 AND state IN ('created', 'submitted', 'succeeded', 'delivered')""",
            self._params(u=user_id),
        )
        return int(spent)

    def inbox_counts(self) -> dict[str, int]:
        """Inbox rows by state (pending, done, dead)."""
        rows = self._db.execute(
            "SELECT state, COUNT(*) AS n FROM inbox WHERE tenant_id = :t GROUP BY state",
            self._params(),
        )
        return {str(row["state"]): int(row["n"]) for row in rows}

    def last_errors(self, *, limit: int = 5) -> list[tuple[int, str, str]]:
        """The latest failures, newest first: (time, where, error) from updates set aside
        and generations that failed."""
        updates = self._db.execute(
            """SELECT received_at AS at, update_id, last_error FROM inbox
               WHERE tenant_id = :t AND state = 'dead' ORDER BY received_at DESC LIMIT :lim""",
            self._params(lim=limit),
        )
        jobs = self._db.execute(
            """SELECT updated_at AS at, id, error FROM jobs
               WHERE tenant_id = :t AND error IS NOT NULL ORDER BY updated_at DESC LIMIT :lim""",
            self._params(lim=limit),
        )
        found = [(int(r["at"]), f"update {r['update_id']}", str(r["last_error"])) for r in updates]
        found += [(int(r["at"]), f"job {r['id']}", str(r["error"])) for r in jobs]
        return sorted(found, reverse=True)[:limit]

    def export(self, table: str) -> Iterator[Row]:
        """Every row of `table` ("users", "payments" or "jobs") of the tenant, in id order,
        read in pages. Columns are fixed per table (see `EXPORT_COLUMNS`)."""
        columns, order = EXPORT_COLUMNS[table]
        last = -1
        while True:
            rows = self._db.execute(
                f"""SELECT {", ".join(columns)} FROM {table}
                    WHERE tenant_id = :t AND {order} > :last ORDER BY {order} LIMIT :lim""",
                self._params(last=last, lim=EXPORT_PAGE),
            )
            yield from rows
            if len(rows) < EXPORT_PAGE:
                return
            last = rows[-1][order]


EXPORT_COLUMNS: dict[str, tuple[tuple[str, ...], str]] = {
    "users": (
        (
            "user_id",
            "username",
            "first_name",
            "last_name",
            "language",
            "is_blocked",
            "blocked_bot",
            "referrer_id",
            "created_at",
        ),
        "user_id",
    ),
    "payments": (
        (
            "id",
            "user_id",
            "method",
            "status",
            "amount",
            "currency",
            "external_id",
            "reviewer_id",
            "note",
            "created_at",
        ),
        "id",
    ),
    "jobs": (
        (
            "id",
            "user_id",
            "model_id",
            "state",
            "kie_task_id",
            "price",
            "currency",
            "error",
            "created_at",
            "updated_at",
        ),
        "id",
    ),
}
