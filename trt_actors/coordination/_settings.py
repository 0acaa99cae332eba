"""`RedisSettings`: timeouts, pool size and health-probe intervals for the Redis backend.

Every number has a named default here; the service's typed settings object may override them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_POOL_TIMEOUT",
    "DEFAULT_PROBE_INTERVAL_DOWN",
    "DEFAULT_PROBE_INTERVAL_UP",
    "DEFAULT_SOCKET_TIMEOUT",
    "RedisSettings",
]

DEFAULT_CALL_TIMEOUT = 1.5
"""Trio deadline on one Redis call, from queueing for a worker thread to the reply."""
DEFAULT_SOCKET_TIMEOUT = 1.0
"""redis-py socket read/write timeout; below the call deadline so abandoned threads end soon."""
DEFAULT_CONNECT_TIMEOUT = 0.5
"""redis-py TCP connect timeout."""
DEFAULT_POOL_TIMEOUT = 1.0
"""How long a worker thread waits for a free pooled connection."""
DEFAULT_MAX_CONNECTIONS = 16
"""Pool size, and the size of the trio CapacityLimiter on worker threads."""
DEFAULT_PROBE_INTERVAL_UP = 2.0
"""Seconds between health pings while Redis is up (detects an outage with no traffic)."""
DEFAULT_PROBE_INTERVAL_DOWN = 0.5
"""Seconds between health pings while Redis is down (how fast recovery is noticed)."""


@dataclass(frozen=True, slots=True)
class RedisSettings:
    """Tuning of the Redis backend; all durations in seconds."""

    call_timeout: float = DEFAULT_CALL_TIMEOUT
    socket_timeout: float = DEFAULT_SOCKET_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    pool_timeout: float = DEFAULT_POOL_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS
    probe_interval_up: float = DEFAULT_PROBE_INTERVAL_UP
    probe_interval_down: float = DEFAULT_PROBE_INTERVAL_DOWN
    key_prefix: str = "trt"
