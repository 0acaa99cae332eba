"""Unit tests of the pure pieces: bucket arithmetic, expiring map, URL redaction, groups."""

from __future__ import annotations

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from trt_actors.coordination import Coordination, redact_url
from trt_actors.coordination._bucket import take_tokens
from trt_actors.coordination._expiring import ExpiringMap
from trt_actors.coordination._groups import collapse_single_group
from trt_actors.coordination._lease import default_owner
from trt_actors.coordination._local import next_fencing_token


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(min_value=0.1, max_value=100.0),
    burst=st.integers(min_value=1, max_value=20),
    steps=st.lists(
        st.tuples(st.floats(min_value=0.0, max_value=2.0), st.integers(min_value=1, max_value=20)),
        max_size=60,
    ),
)
def test_bucket_never_gives_more_than_burst_plus_rate_times_elapsed(
    rate: float, burst: int, steps: list[tuple[float, int]]
) -> None:
    tokens: float | None = None
    stamp = now = 0.0
    taken = 0
    for dt, want in steps:
        now += dt
        n = min(want, burst)
        tokens, stamp, wait = take_tokens(tokens, stamp, now, rate=rate, burst=burst, n=n)
        if wait == 0.0:
            taken += n
        else:
            # Waiting the advised time is always enough.
            _, _, again = take_tokens(tokens, stamp, now + wait, rate=rate, burst=burst, n=n)
            assert again == 0.0
        assert taken <= burst + rate * now + 1e-6


def test_bucket_ignores_a_clock_that_steps_back() -> None:
    tokens, stamp, _ = take_tokens(None, 10.0, 10.0, rate=1.0, burst=2, n=2)
    tokens, stamp, wait = take_tokens(tokens, stamp, 5.0, rate=1.0, burst=2, n=1)
    assert wait == pytest.approx(1.0)
    assert stamp == 10.0


def test_expiring_map_hides_and_reclaims_expired_entries() -> None:
    entries: ExpiringMap[int] = ExpiringMap()
    for i in range(1000):
        entries.set(f"k{i}", i, expires_at=1.0, now=0.0)
    entries.set("long", 1, expires_at=100.0, now=0.0)
    assert entries.get("k5", 0.5) == 5
    assert entries.get("k5", 1.0) is None
    entries.prune(2.0)
    assert len(entries) == 1
    assert entries.get("long", 2.0) == 1


def test_expiring_map_renewal_keeps_entry() -> None:
    entries: ExpiringMap[str] = ExpiringMap()
    entries.set("k", "v", expires_at=1.0, now=0.0)
    entries.set("k", "v", expires_at=3.0, now=0.5)
    entries.prune(2.0)
    assert entries.get("k", 2.0) == "v"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://localhost:6379/0", "redis://localhost:6379/0"),
        ("redis://:secret@host:6379/0", "redis://:***@host:6379/0"),
        ("rediss://user:secret@host/1", "rediss://user:***@host/1"),
        ("redis://host/0?password=secret&db=1", "redis://host/0?password=***&db=1"),
    ],
)
def test_redact_url_hides_passwords(url: str, shown: str) -> None:
    assert redact_url(url) == shown
    assert "secret" not in redact_url(url)


def test_collapse_single_group_unwraps_one_and_keeps_many() -> None:
    cause = KeyError("cause")
    with pytest.raises(ValueError, match="one") as info, collapse_single_group():
        try:
            raise cause
        except KeyError:
            inner = ValueError("one")
            try:
                raise inner
            except ValueError as exc:
                raise ExceptionGroup("g", [exc]) from None
    assert info.value.__context__ is cause
    with pytest.raises(ExceptionGroup), collapse_single_group():
        raise ExceptionGroup("g", [ValueError("a"), KeyError("b")])


def test_fencing_tokens_and_owners_are_unique() -> None:
    assert next_fencing_token(10**18) == 10**18 + 1
    assert next_fencing_token(0) > 1_600_000_000 * 10**6
    assert default_owner() != default_owner()


async def test_local_status_reports_local_mode(autojump_clock: trio.abc.Clock) -> None:
    coord = Coordination()
    await trio.sleep(1.0)
    status = coord.status().as_dict()
    assert status["backend"] == "local"
    assert status["mode"] == "local"
    assert status["leases_available"] is True
    assert status["mode_for_s"] == pytest.approx(1.0)
