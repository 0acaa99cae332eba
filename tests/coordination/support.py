"""Plain helpers shared by the coordination tests (settings, dead URLs, log capture)."""

from __future__ import annotations

import dataclasses
import socket
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from trt_actors.coordination import RedisSettings

FAST_SETTINGS = RedisSettings(
    call_timeout=1.0,
    socket_timeout=0.5,
    connect_timeout=0.25,
    pool_timeout=0.5,
    probe_interval_up=0.1,
    probe_interval_down=0.05,
)
"""Short timeouts and probe intervals, so outage tests run in about a second."""


def fast_settings() -> RedisSettings:
    """`FAST_SETTINGS` with a fresh key prefix (tests never see each other's keys)."""
    return dataclasses.replace(FAST_SETTINGS, key_prefix=f"test-{uuid.uuid4().hex[:12]}")


def dead_redis_url() -> str:
    """A URL where nothing listens (a port just freed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def events(logs: Sequence[Mapping[str, Any]], name: str) -> list[Mapping[str, Any]]:
    """The captured structlog entries whose event is `name`."""
    return [entry for entry in logs if entry.get("event") == name]
