"""Raw HTTP access to a KIE emulator for its own tests (no KIE client in between)."""

from __future__ import annotations

from typing import Any

import httpx

from trt_actors.emulators.kie import KieEmulator


def raw(emu: KieEmulator, *, key: str | None = None) -> httpx.AsyncClient:
    """An httpx client on the emulator (in-process unless it serves a socket)."""
    in_process = emu.server is None
    return httpx.AsyncClient(
        base_url=emu.base_url,
        headers={"authorization": f"Bearer {key or emu.api_key}"},
        transport=emu.transport() if in_process else None,
    )


async def call(client: httpx.AsyncClient, method: str, path: str, **kw: Any) -> dict[str, Any]:
    """One request; asserts HTTP 200 and returns the envelope."""
    response = await client.request(method, path, **kw)
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, dict)
    return body
