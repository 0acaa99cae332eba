"""The storage side of the handler's lookups and operations (see `domain.effects`).

The domain names what it needs (`Lookup`) and what it wants done (`Operation`) as plain data;
this package holds the functions that read and write storage for each, registered with
`@reads(Kind)` / `@performs(Kind)` in one module per area of the bot. The session actor calls
`read_all` before handling an update and `perform_all` (in one transaction, before any reply)
when the handler's outcome carries operations. A few lookups need live I/O rather than
storage (the admin's diagnostics and self-test): those are *probes* (`@probes(Kind)`), run
by the session with the tenant's `Services` under a deadline.
"""

from . import (  # noqa: F401  (register readers, performers, probes)
    admin,
    diagnostics,
    jobs,
    knowledge,
    money,
)
from ._registry import (
    ProbeFailed,
    Services,
    Site,
    is_live,
    is_probe,
    perform_all,
    perform_live,
    performs,
    performs_live,
    probe_all,
    probes,
    read_all,
    reads,
    remember_all,
    remembers,
)

__all__ = [
    "ProbeFailed",
    "Services",
    "Site",
    "is_live",
    "is_probe",
    "perform_all",
    "perform_live",
    "performs",
    "performs_live",
    "probe_all",
    "probes",
    "read_all",
    "reads",
    "remember_all",
    "remembers",
]
