"""The storage side of the handler's lookups and operations (see `domain.effects`).

The domain names what it needs (`Lookup`) and what it wants done (`Operation`) as plain data;
this package holds the functions that read and write storage for each, registered with
`@reads(Kind)` / `@performs(Kind)` in one module per area of the bot. The session actor calls
`read_all` before handling an update and `perform_all` (in one transaction, before any reply)
when the handler's outcome carries operations.
"""

from . import knowledge  # noqa: F401  (registers the knowledge base's readers and performers)
from ._registry import Site, perform_all, performs, read_all, reads

__all__ = ["Site", "perform_all", "performs", "read_all", "reads"]
