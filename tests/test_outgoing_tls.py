"""Outgoing HTTP clients are built on first use: a start pays for none it does not use."""

from __future__ import annotations

import httpx
import trio

from trt_actors.outgoing_tls import ClientOnFirstUse, outgoing_tls


async def test_a_client_is_built_at_its_first_use_and_closed_only_if_built() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=f"got {request.url.path}")

    outgoing_tls.cache_clear()  # the context is built once per process: start without one
    unused = ClientOnFirstUse(transport=httpx.MockTransport(answer))
    await unused.aclose()  # never built: nothing to close, no error
    assert outgoing_tls.cache_info().currsize == 0  # nor its TLS context

    used = ClientOnFirstUse(transport=httpx.MockTransport(answer), timeout=3.0)
    client = used.get()
    assert used.get() is client  # one client, kept
    assert client.timeout == httpx.Timeout(3.0)
    response = await client.get("https://files.example/a.png")
    assert response.text == "got /a.png"
    assert outgoing_tls.cache_info().currsize == 1  # built with it, shared by every client
    with trio.CancelScope() as scope:
        scope.cancel()  # closing is shielded: a shutdown that is already cancelling closes it
        await used.aclose()
    assert client.is_closed
