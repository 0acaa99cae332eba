"""Behaviour of the HTTP server over real loopback sockets."""

from __future__ import annotations

import httpx
import pytest
import trio

from trt_actors.web import (
    HTTPError,
    HTTPServer,
    Request,
    Response,
    Router,
    ServerLimits,
    redact_path,
)

from .helpers import IO_DEADLINE, exchange, read_all, running

FAST = ServerLimits(
    idle_timeout=0.3,
    request_read_timeout=0.3,
    handler_timeout=0.3,
    reject_timeout=0.3,
    close_linger=0.1,
)


def make_router() -> Router:
    router = Router()

    @router.route("POST", "/bot{token}/{method}", max_body_bytes=64)
    async def api(request: Request) -> Response:
        return Response.json(
            {
                "token": request.params["token"],
                "method": request.params["method"],
                "body": request.json(),
                "query": request.query,
                "ua": request.headers.get("X-Test"),
            }
        )

    @router.route("GET", "/files/{path:path}")
    async def files(request: Request) -> Response:
        return Response.text(request.params["path"])

    @router.route(("GET", "POST"), "/echo")
    async def echo(request: Request) -> Response:
        return Response.bytes(request.body, "application/x-echo", headers={"x-len": "1"})

    @router.route("GET", "/crash")
    async def crash(request: Request) -> Response:
        raise RuntimeError("boom")

    @router.route("GET", "/teapot")
    async def teapot(request: Request) -> Response:
        raise HTTPError(418, "short and stout", headers={"retry-after": "3"})

    @router.route("GET", "/slow")
    async def slow(request: Request) -> Response:
        await trio.sleep(10)
        return Response.text("late")

    @router.route("GET", "/drop")
    async def drop(request: Request) -> Response:
        return Response.drop()

    return router


async def test_port_zero_is_reported_and_routes_match() -> None:
    async with running(make_router()) as server:
        assert server.port and server.port > 0
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            with trio.fail_after(IO_DEADLINE):
                got = await client.post(
                    "/bot123:abc/sendMessage?x=1&x=2", json={"a": 1}, headers={"x-test": "t"}
                )
                files = await client.get("/files/a/b%2Fc.txt")
        assert got.status_code == 200
        assert got.json() == {
            "token": "123:abc",
            "method": "sendMessage",
            "body": {"a": 1},
            "query": {"x": "2"},
            "ua": "t",
        }
        assert files.text == "a/b/c.txt"


async def test_not_found_method_not_allowed_and_head() -> None:
    async with running(make_router(), FAST) as server:
        base = f"http://127.0.0.1:{server.port}"
        async with httpx.AsyncClient(base_url=base) as client:
            with trio.fail_after(IO_DEADLINE):
                missing = await client.get("/nowhere")
                wrong = await client.put("/echo", content=b"x")
                odd = await client.request("BREW", "/echo")
                head = await client.head("/files/abc")
        assert missing.status_code == 404
        assert wrong.status_code == 405
        assert wrong.headers["allow"] == "GET, HEAD, POST"
        assert odd.status_code == 405
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == "3"


async def test_bad_json_and_http_error_and_extra_headers() -> None:
    async with running(make_router(), FAST) as server:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            with trio.fail_after(IO_DEADLINE):
                bad = await client.post("/bot1:x/getMe", content=b"{nope")
                tea = await client.get("/teapot")
                echo = await client.post("/echo", content=b"hello")
        assert bad.status_code == 400
        assert tea.status_code == 418
        assert tea.headers["retry-after"] == "3"
        assert echo.content == b"hello"
        assert echo.headers["content-type"] == "application/x-echo"
        assert echo.headers["x-len"] == "1"


async def test_oversize_body_by_content_length_is_413_without_reading() -> None:
    async with running(make_router(), FAST) as server:
        head = (
            b"POST /bot1:x/send HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
            b"content-length: 100000\r\n\r\n"
        )
        responses = await exchange(server.port or 0, head)
    assert [r.status for r in responses] == [413]
    assert responses[0].headers["connection"] == "close"


async def test_oversize_chunked_body_is_413() -> None:
    async with running(make_router(), FAST) as server:
        chunk = b"40\r\n" + b"x" * 64 + b"\r\n"
        data = (
            b"POST /bot1:x/send HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n"
            + chunk * 3
            + b"0\r\n\r\n"
        )
        responses = await exchange(server.port or 0, data)
    assert [r.status for r in responses] == [413]


async def test_chunked_body_within_limit_is_read() -> None:
    async with running(make_router(), FAST) as server:
        data = (
            b"POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n"
            b"connection: close\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        )
        responses = await exchange(server.port or 0, data)
    assert [(r.status, r.body) for r in responses] == [(200, b"hello world")]


async def test_header_limits_answer_431() -> None:
    limits = ServerLimits(max_header_count=5, max_head_bytes=1024, idle_timeout=0.3)
    async with running(make_router(), limits) as server:
        many = b"".join(b"x-h%d: v\r\n" % i for i in range(10))
        too_many = await exchange(
            server.port or 0, b"GET /echo HTTP/1.1\r\nhost: x\r\n" + many + b"\r\n"
        )
        big = b"x-big: " + b"v" * 2000 + b"\r\n"
        too_big = await exchange(
            server.port or 0, b"GET /echo HTTP/1.1\r\nhost: x\r\n" + big + b"\r\n"
        )
        long_target = b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nhost: x\r\n\r\n"
        too_long = await exchange(server.port or 0, long_target)
    assert [r.status for r in too_many] == [431]
    assert [r.status for r in too_big] == [431]
    assert too_long[0].status in (414, 431)


async def test_malformed_request_is_400() -> None:
    async with running(make_router(), FAST) as server:
        garbage = await exchange(server.port or 0, b"this is not http\r\n\r\n")
        no_host = await exchange(server.port or 0, b"GET /echo HTTP/1.1\r\n\r\n")
        absolute = await exchange(
            server.port or 0, b"GET http://x/echo HTTP/1.1\r\nhost: x\r\n\r\n"
        )
    assert [r.status for r in garbage] == [400]
    assert [r.status for r in no_host] == [400]
    assert [r.status for r in absolute] == [400]


async def test_keep_alive_serves_several_requests_on_one_connection() -> None:
    async with running(make_router(), FAST) as server:
        one = b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\nabc"
        last = b"GET /files/z HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n"
        missing = b"GET /missing HTTP/1.1\r\nhost: x\r\n\r\n"
        responses = await exchange(server.port or 0, one + missing + one + last)
        assert server.stats.connections == 1
    assert [(r.status, r.body) for r in responses] == [
        (200, b"abc"),
        (404, b"not found"),
        (200, b"abc"),
        (200, b"z"),
    ]


async def test_keep_alive_with_httpx_reuses_the_connection() -> None:
    async with running(make_router()) as server:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            with trio.fail_after(IO_DEADLINE):
                for i in range(5):
                    got = await client.post("/echo", content=str(i).encode())
                    assert got.text == str(i)
        assert server.stats.connections == 1
        assert server.stats.requests == 5


async def test_idle_connection_is_closed_at_its_deadline() -> None:
    async with running(make_router(), FAST) as server:
        stream = await trio.open_tcp_stream("127.0.0.1", server.port or 0)
        async with stream:
            started = trio.current_time()
            data = await read_all(stream)
            elapsed = trio.current_time() - started
        assert data == b""
        assert 0.2 < elapsed < 2.0


async def test_slow_request_gets_408() -> None:
    async with running(make_router(), FAST) as server:
        stream = await trio.open_tcp_stream("127.0.0.1", server.port or 0)
        async with stream:
            await stream.send_all(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 10\r\n\r\nab")
            data = await read_all(stream)
    assert data.startswith(b"HTTP/1.1 408 ")


async def test_handler_deadline_answers_503() -> None:
    async with running(make_router(), FAST) as server:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            with trio.fail_after(IO_DEADLINE):
                got = await client.get("/slow")
        assert got.status_code == 503
        assert server.stats.handler_timeouts == 1


async def test_drop_response_closes_without_answer() -> None:
    async with running(make_router(), FAST) as server:
        data_stream = await trio.open_tcp_stream("127.0.0.1", server.port or 0)
        async with data_stream:
            await data_stream.send_all(b"GET /drop HTTP/1.1\r\nhost: x\r\n\r\n")
            assert await read_all(data_stream) == b""


async def test_crashing_handler_gets_500_and_server_keeps_serving() -> None:
    async with running(make_router(), FAST) as server:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port}") as client:
            with trio.fail_after(IO_DEADLINE):
                crashed = await client.get("/crash")
                again = await client.get("/crash")
                fine = await client.post("/echo", content=b"ok")
        assert crashed.status_code == 500
        assert again.status_code == 500
        assert fine.text == "ok"
        assert server.stats.handler_errors == 2


async def test_connection_cap_rejects_extra_connections_with_503() -> None:
    limits = ServerLimits(max_connections=1, idle_timeout=5, reject_timeout=1)
    async with running(make_router(), limits) as server:
        holder = await trio.open_tcp_stream("127.0.0.1", server.port or 0)
        async with holder:
            with trio.fail_after(IO_DEADLINE):
                while server.active_connections < 1:
                    await trio.sleep(0.01)
            rejected = await exchange(server.port or 0, b"GET /files/x HTTP/1.1\r\nhost: x\r\n\r\n")
            assert [r.status for r in rejected] == [503]
            assert rejected[0].headers["retry-after"] == "1"
        assert server.stats.rejected_connections == 1


async def test_expect_100_continue_is_honoured() -> None:
    async with running(make_router(), FAST) as server:
        stream = await trio.open_tcp_stream("127.0.0.1", server.port or 0)
        async with stream:
            await stream.send_all(
                b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n"
                b"expect: 100-continue\r\nconnection: close\r\n\r\n"
            )
            with trio.fail_after(IO_DEADLINE):
                first = await stream.receive_some(1000)
            assert first.startswith(b"HTTP/1.1 100 ")
            await stream.send_all(b"hi")
            rest = await read_all(stream)
        assert rest.startswith(b"HTTP/1.1 200 ") and rest.endswith(b"hi")


def _task_count() -> int:
    def count(task: trio.lowlevel.Task) -> int:
        return 1 + sum(count(t) for n in task.child_nurseries for t in n.child_tasks)

    return count(trio.lowlevel.current_root_task())


async def test_cancel_stops_accepting_and_leaves_no_task() -> None:
    before = _task_count()
    server = HTTPServer(make_router(), limits=ServerLimits(idle_timeout=30))
    async with trio.open_nursery() as nursery:
        port = await nursery.start(server.serve, "127.0.0.1", 0)
        streams = [await trio.open_tcp_stream("127.0.0.1", port) for _ in range(3)]
        with trio.fail_after(IO_DEADLINE):
            while server.active_connections < 3:
                await trio.sleep(0.01)
        assert _task_count() > before
        nursery.cancel_scope.cancel()
    assert _task_count() == before
    for stream in streams:
        assert await read_all(stream) == b""
        await stream.aclose()
    with pytest.raises(OSError):
        await trio.open_tcp_stream("127.0.0.1", port)


async def test_drain_lets_in_flight_requests_finish_and_stops_accepting() -> None:
    router = Router()
    entered = trio.Event()

    @router.route("GET", "/work")
    async def work(request: Request) -> Response:
        entered.set()
        await trio.sleep(0.2)
        return Response.text("done")

    before = _task_count()
    server = HTTPServer(router, limits=ServerLimits(idle_timeout=30))
    results: list[httpx.Response] = []
    async with trio.open_nursery() as nursery:
        port = await nursery.start(server.serve, "127.0.0.1", 0)
        idle = await trio.open_tcp_stream("127.0.0.1", port)

        async def call() -> None:
            async with httpx.AsyncClient() as client:
                results.append(await client.get(f"http://127.0.0.1:{port}/work"))

        nursery.start_soon(call)
        with trio.fail_after(IO_DEADLINE):
            await entered.wait()
            await server.drain(grace=2)
    assert [r.text for r in results] == ["done"]
    assert results[0].headers["connection"] == "close"
    assert await read_all(idle) == b""
    await idle.aclose()
    assert _task_count() == before


async def test_drain_cancels_requests_past_the_grace() -> None:
    server = HTTPServer(make_router(), limits=ServerLimits(handler_timeout=30))
    async with trio.open_nursery() as nursery:
        port = await nursery.start(server.serve, "127.0.0.1", 0)
        stream = await trio.open_tcp_stream("127.0.0.1", port)
        await stream.send_all(b"GET /slow HTTP/1.1\r\nhost: x\r\n\r\n")
        with trio.fail_after(IO_DEADLINE):
            while server.active_connections < 1:
                await trio.sleep(0.01)
            started = trio.current_time()
            await server.drain(grace=0.2)
        assert trio.current_time() - started < 2
    assert await read_all(stream) == b""
    await stream.aclose()


def test_redact_path_masks_tokens() -> None:
    assert redact_path("/bot123:AAbb-cc/sendMessage") == "/bot***/sendMessage"
    assert redact_path("/file/bot123:abc/photos/1.jpg") == "/file/bot***/photos/1.jpg"
    assert "AAAAAAAAAAAAAAAAAAAAAAAAA" not in redact_path("/x?t=123456:AAAAAAAAAAAAAAAAAAAAAAAAA")
