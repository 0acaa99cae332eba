"""The webhook load generator (`testing/webhook_load.py`) keeps its connections alive, as wrk
does, unless the server says `Connection: close`: a benchmark that reconnected for every
update would measure connection set-up, not the bot."""

from __future__ import annotations

import pytest
import trio

from trt_actors.testing.webhook_load import post_updates
from trt_actors.web import HTTPServer, Request, Response, Router

pytestmark = pytest.mark.fast

UPDATES = 40


async def served(close: bool) -> tuple[int, list[int]]:
    router = Router()

    async def webhook(request: Request) -> Response:
        response = Response.json({"ok": True})
        response.close = close
        return response

    router.add("POST", "/webhook", webhook)
    server = HTTPServer(router)
    bodies = [(n, b'{"update_id": %d}' % n) for n in range(UPDATES)]
    async with trio.open_nursery() as nursery:
        port = await nursery.start(server.serve, "127.0.0.1", 0)
        posted = await post_updates(
            "127.0.0.1", port, "/webhook", "secret", bodies, connections_per_address=2
        )
        nursery.cancel_scope.cancel()
    return server.stats.connections, [p.status for p in posted]


async def test_connections_are_kept_alive_across_requests() -> None:
    connections, statuses = await served(close=False)
    assert statuses == [200] * UPDATES
    assert connections == 2


async def test_a_server_that_closes_gets_a_new_connection_per_request() -> None:
    connections, statuses = await served(close=True)
    assert statuses == [200] * UPDATES
    assert connections == UPDATES
