"""The storage side of the handler's lookups and operations (see `domain.effects`).

The domain names what it needs (`Lookup`) and what it wants done (`Operation`) as plain data;
this package holds the functions that read and write storage for each, one `AreaPerformers`
value per area of the bot (`performers`), composed below into `PERFORMERS` — the one list.
The session actor calls `read_all` before handling an update and `perform_all` (in one
transaction, before any reply) when the handler's outcome carries operations. A few lookups
need live I/O rather than storage (the admin's diagnostics and self-test): those are
*probes*, run by the session with the tenant's `Services` under a deadline.
"""

from . import admin, diagnostics, jobs, knowledge, money
from .performers import (
    AreaPerformers,
    PerformerCollision,
    Performers,
    ProbeFailed,
    Services,
    Site,
)

PERFORMERS = Performers(
    (
        jobs.PERFORMERS,
        money.PERFORMERS,
        knowledge.PERFORMERS,
        admin.PERFORMERS,
        diagnostics.PERFORMERS,
    )
)

__all__ = [
    "PERFORMERS",
    "AreaPerformers",
    "PerformerCollision",
    "Performers",
    "ProbeFailed",
    "Services",
    "Site",
]
