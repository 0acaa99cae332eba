"""Correlation records: the steps one update or job took, for lookup by correlation id."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any

from ._repo import Repo, check_text
from ._sql import dump_json, load_json

__all__ = ["CorrelationStep", "Correlations"]


@dataclasses.dataclass(frozen=True, slots=True)
class CorrelationStep:
    """One step: `step` (e.g. "intake", "session", "outbound") at `at` (Unix ms)."""

    correlation_id: str
    step: str
    detail: dict[str, Any]
    at: int


class Correlations(Repo):
    """Append correlation steps of the bound tenant and read one id's trail."""

    def record_many(self, steps: Iterable[CorrelationStep]) -> int:
        """Append the steps in one driver call (on PostgreSQL one round trip, where a statement
        each was one round trip each); return how many. Every step is checked before any is
        written: a bad one raises ValueError and none is."""
        rows = [
            self._params(
                cid=check_text("correlation_id", step.correlation_id, max_len=128),
                step=check_text("step", step.step, max_len=64),
                detail=dump_json(dict(step.detail)),
                at=step.at,
            )
            for step in steps
        ]
        return self._db.run_many(
            """INSERT INTO correlations (tenant_id, correlation_id, step, detail, at)
               VALUES (:t, :cid, :step, :detail, :at)""",
            rows,
        )

    def trail(self, correlation_id: str, *, limit: int = 500) -> list[CorrelationStep]:
        """Every step of `correlation_id`, in the order recorded."""
        rows = self._db.execute(
            """SELECT correlation_id, step, detail, at FROM correlations
               WHERE tenant_id = :t AND correlation_id = :cid ORDER BY id LIMIT :lim""",
            self._params(cid=correlation_id, lim=limit),
        )
        return [
            CorrelationStep(r["correlation_id"], r["step"], load_json(r["detail"]), r["at"])
            for r in rows
        ]

    def purge(self, *, before: int) -> int:
        """Delete steps recorded before `before` (Unix ms); return how many."""
        return self._db.run(
            "DELETE FROM correlations WHERE tenant_id = :t AND at < :before",
            self._params(before=before),
        )


def detail_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """Only JSON-friendly scalars survive into a step's detail."""
    return {k: v for k, v in values.items() if isinstance(v, str | int | float | bool) or v is None}
