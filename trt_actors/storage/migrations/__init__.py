"""The numbered, forward-only schema migrations, in order.

A migration is SQL: a `shared` script written once for both backends, with ``$macros`` for
the few column types that differ (`Dialect.ddl_macros`: ``$id_pk``, ``$i64``, ``$bool``,
``$json``, ``$bytes``, ``$strict``), plus optional backend-only scripts (triggers).
Migrations are never edited once released: a change is a new, higher number.
"""

from __future__ import annotations

import dataclasses

from .._dialect import Dialect
from . import (
    m0001_initial,
    m0002_correlations,
    m0003_job_submission,
    m0004_job_progress,
    m0005_knowledge,
    m0006_free_bonus,
    m0007_promo_kind,
    m0008_blocked_index,
    m0009_audit_key,
    m0010_instances,
    m0011_partitions,
    m0012_operation_results,
    m0013_free_holds,
    m0014_imports,
)

__all__ = ["LATEST", "MIGRATIONS", "Migration"]


@dataclasses.dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: version N takes the schema from N-1 to N."""

    version: int
    name: str
    shared: str
    sqlite: str = ""
    postgresql: str = ""

    def script(self, dialect: Dialect) -> str:
        """The whole script for `dialect`: the rendered shared part, then its own part."""
        own = self.sqlite if dialect.name == "sqlite" else self.postgresql
        return dialect.render_ddl(self.shared) + "\n" + own


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        name="initial",
        shared=m0001_initial.SHARED,
        sqlite=m0001_initial.SQLITE,
        postgresql=m0001_initial.POSTGRESQL,
    ),
    Migration(version=2, name="correlations", shared=m0002_correlations.SHARED),
    Migration(version=3, name="job_submission", shared=m0003_job_submission.SHARED),
    Migration(version=4, name="job_progress", shared=m0004_job_progress.SHARED),
    Migration(
        version=5,
        name="knowledge",
        shared=m0005_knowledge.SHARED,
        sqlite=m0005_knowledge.SQLITE,
        postgresql=m0005_knowledge.POSTGRESQL,
    ),
    Migration(version=6, name="free_bonus", shared=m0006_free_bonus.SHARED),
    Migration(version=7, name="promo_kind", shared=m0007_promo_kind.SHARED),
    Migration(version=8, name="blocked_index", shared=m0008_blocked_index.SHARED),
    Migration(version=9, name="audit_key", shared=m0009_audit_key.SHARED),
    Migration(version=10, name="instances", shared=m0010_instances.SHARED),
    Migration(version=11, name="partitions", shared=m0011_partitions.SHARED),
    Migration(version=12, name="operation_results", shared=m0012_operation_results.SHARED),
    Migration(version=13, name="free_holds", shared=m0013_free_holds.SHARED),
    Migration(
        version=14,
        name="imports",
        shared=m0014_imports.SHARED,
        sqlite=m0014_imports.SQLITE,
        postgresql=m0014_imports.POSTGRESQL,
    ),
)
LATEST = MIGRATIONS[-1].version
