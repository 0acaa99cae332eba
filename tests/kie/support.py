"""Helpers for the KIE client tests: clients on the emulator, mock transports."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import httpx

from trt_actors.coordination import Coordination, SharedBuckets
from trt_actors.emulators.kie import KieEmulator
from trt_actors.kie import KieClient, KieTimeouts, submit_bucket
from trt_actors.supervisors import Backoff

FAST_BACKOFF = Backoff(initial=0.01, maximum=0.05, factor=2.0, jitter=0.0)
SHORT_TIMEOUTS = KieTimeouts(connect=1.0, read=1.0, write=1.0, pool=1.0, attempt=2.0)
KEY = "test-kie-key-0123456789"


def fast_poll_bucket() -> SharedBuckets:
    """A poll bucket that never slows tests down (pacing is tested on its own)."""
    return SharedBuckets(Coordination(), "test:poll", rate=1000.0, burst=1000)


def emulator_client(
    emu: KieEmulator, *, in_process: bool = False, backoff: Backoff = FAST_BACKOFF, **kw: Any
) -> KieClient:
    """A client on `emu`: over its socket, or (`in_process`) through its transport."""
    transport = emu.transport() if in_process else None
    kw.setdefault("timeouts", SHORT_TIMEOUTS)
    kw.setdefault("submit_bucket", submit_bucket(Coordination()))
    kw.setdefault("poll_bucket", fast_poll_bucket())
    return KieClient(
        emu.api_key,
        base_url=emu.base_url,
        upload_base_url=emu.upload_base_url,
        backoff=backoff,
        transport=transport,
        **kw,
    )


Handler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


def mock_client(handler: Handler, **kw: Any) -> KieClient:
    """A client whose every request goes to `handler` (an async function)."""
    kw.setdefault("backoff", FAST_BACKOFF)
    return KieClient(
        KEY,
        base_url="http://kie.test",
        upload_base_url="http://upload.kie.test",
        transport=httpx.MockTransport(handler),
        **kw,
    )


def answer(code: int = 200, data: Any = None, msg: str = "success", **kw: Any) -> httpx.Response:
    """KIE's envelope in an HTTP 200 (or `status=`)."""
    status = kw.pop("status", 200)
    return httpx.Response(status, json={"code": code, "msg": msg, "data": data}, **kw)
