"""Partitions of a bot's users, and which live instance each belongs to (pure arithmetic).

`partition_of(user)` is stable forever: it decides which rows of the inbox an owner reads,
so changing `PARTITIONS` or the hash is a migration, not a setting. The share of each
instance is decided by rendezvous (highest random weight) hashing: every partition goes to
the instance with the highest `weight(partition, instance)`. Every instance that sees the
same members computes the same shares. Plain rendezvous hashing gives each of N members
about 256/N partitions, but unevenly (with three members, 67 to 102 were seen); so loads are
bounded: a member takes at most ⌈256/N⌉, and a partition whose favourite is full goes to its
next favourite. Shares are then even (85 or 86 of three), and a member joining or leaving
still moves only a small part of the others' (see tests/cluster/test_partitions.py).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable

PARTITIONS = 256


def partition_of(user_id: int) -> int:
    """The partition of a user (0 for updates that come from no user)."""
    return zlib.crc32(user_id.to_bytes(8, "big", signed=True)) % PARTITIONS


def _weight(partition: int, member: str) -> int:
    digest = hashlib.blake2b(f"{partition}/{member}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def shares(members: Iterable[str]) -> dict[str, frozenset[int]]:
    """Each member's partitions: rendezvous hashing with loads bounded by ⌈256/N⌉."""
    everyone = sorted(set(members))
    if not everyone:
        return {}
    capacity = -(-PARTITIONS // len(everyone))
    taken: dict[str, list[int]] = {member: [] for member in everyone}
    for partition in range(PARTITIONS):
        ranked = sorted(everyone, key=lambda member: (_weight(partition, member), member))
        owner = next(m for m in reversed(ranked) if len(taken[m]) < capacity)
        taken[owner].append(partition)
    return {member: frozenset(partitions) for member, partitions in taken.items()}


def owner_of(partition: int, members: Iterable[str]) -> str | None:
    """The member that owns `partition` (None without members)."""
    return next((m for m, ps in shares(members).items() if partition in ps), None)


def share_of(member: str, members: Iterable[str]) -> frozenset[int]:
    """The partitions `member` owns among `members` (it counts as one of them)."""
    return shares({*members, member})[member]
