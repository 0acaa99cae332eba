"""Partitions of users and their shares among instances (pure)."""

from __future__ import annotations

import collections

from hypothesis import given, settings
from hypothesis import strategies as st

from trt_actors.cluster import PARTITIONS, owner_of, partition_of, share_of, shares

MEMBERS = [f"host-{i}:{1000 + i}:{i:08x}" for i in range(6)]


def test_a_users_partition_never_changes_and_users_spread_evenly() -> None:
    assert partition_of(123456789) == partition_of(123456789)
    assert 0 <= partition_of(0) < PARTITIONS and 0 <= partition_of(-1001234567890) < PARTITIONS
    counts = collections.Counter(partition_of(u) for u in range(1_000_000_000, 1_000_051_200))
    assert len(counts) == PARTITIONS
    assert max(counts.values()) < 2 * min(counts.values())  # 200 each on average


@given(st.integers(min_value=1, max_value=len(MEMBERS)))
@settings(max_examples=20, deadline=None)
def test_every_partition_has_one_owner_and_shares_are_even(n: int) -> None:
    members = MEMBERS[:n]
    split = shares(members)
    owned = [p for share in split.values() for p in share]
    assert sorted(owned) == list(range(PARTITIONS))  # each once
    sizes = [len(share) for share in split.values()]
    assert max(sizes) - min(sizes) <= max(2, PARTITIONS // n // 10)
    assert all(owner_of(p, members) in members for p in (0, 17, PARTITIONS - 1))


def test_everyone_computes_the_same_shares_whatever_the_order() -> None:
    members = MEMBERS[:4]
    assert shares(members) == shares(list(reversed(members)))
    assert share_of(members[2], members[:2] + members[3:]) == shares(members)[members[2]]


def test_a_member_joining_or_leaving_moves_little_more_than_its_share() -> None:
    for n in range(1, len(MEMBERS)):
        before, after = shares(MEMBERS[:n]), shares(MEMBERS[: n + 1])
        moved = sum(len(before[m] - after[m]) for m in before)
        ideal = PARTITIONS // (n + 1)
        assert ideal <= moved <= ideal * 1.2, (n, moved)
        # leaving is the same move backwards
        assert sum(len(after[m] - before.get(m, frozenset())) for m in after) == moved
