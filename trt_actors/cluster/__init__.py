"""Several instances as one bot: users divided into partitions, each owned by one instance.

A user's updates are handled by the owner of the user's partition (`partition_of`); the
partitions are shared among the live instances by rendezvous hashing (`share_of`), so an
instance joining or leaving moves only its own share. Ownership itself is a coordination
lease per partition, with a fencing token that storage checks where state is saved
(docs/scale-out.md).
"""

from __future__ import annotations

from ._partitions import PARTITIONS, owner_of, partition_of, share_of, shares

__all__ = ["PARTITIONS", "owner_of", "partition_of", "share_of", "shares"]
