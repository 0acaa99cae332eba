"""HttpBotApi on its own, against a scriptable server: what goes on the wire, how connections
are kept and dropped, and answers the emulator cannot produce (migrations, stalls, non-JSON)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio

from trt_actors.outgoing_tls import outgoing_tls
from trt_actors.telegram import _http1, http_bot_api
from trt_actors.telegram.bot_api import BotApi
from trt_actors.telegram.client import with_bot_api
from trt_actors.telegram.errors import (
    BadRequest,
    BotBlocked,
    Conflict,
    InvalidToken,
    RetryAfter,
    TelegramError,
    TransientError,
)
from trt_actors.telegram.http_bot_api import HttpBotApi, environment_proxy, telegram_file
from trt_actors.telegram.ptb_bot_api import PtbBotApi

from .fake_server import FakeBotApi, Reply, self_signed, serve

TOKEN = "123456789:AAHiddenHiddenHiddenHiddenHidden_xyz"


@pytest.fixture
async def server(nursery: trio.Nursery) -> FakeBotApi:
    fake = FakeBotApi()
    await serve(nursery, fake)
    return fake


@pytest.fixture
async def api(server: FakeBotApi) -> AsyncIterator[HttpBotApi]:
    client = HttpBotApi(TOKEN, f"http://127.0.0.1:{server.port}")
    try:
        yield client
    finally:
        await client.close()


def answer(reply: Reply) -> Any:
    return lambda seen: reply


async def test_json_body_is_compact_utf8_with_nested_objects(
    api: HttpBotApi, server: FakeBotApi
) -> None:
    markup = {"inline_keyboard": [[{"text": "Да", "callback_data": "y"}]]}
    assert await api.call("sendMessage", {"chat_id": 5, "text": "Привет", "reply_markup": markup})
    seen = server.requests[0]
    assert (seen.method, seen.target) == ("POST", f"/bot{TOKEN}/sendMessage")
    assert seen.headers["host"] == f"127.0.0.1:{server.port}"
    assert seen.headers["content-type"] == "application/json"
    assert seen.body == json.dumps(
        {"chat_id": 5, "text": "Привет", "reply_markup": markup},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    assert int(seen.headers["content-length"]) == len(seen.body)


async def test_none_parameters_are_left_out(api: HttpBotApi, server: FakeBotApi) -> None:
    await api.call("sendMessage", {"chat_id": 5, "text": "x", "reply_markup": None})
    assert json.loads(server.requests[0].body) == {"chat_id": 5, "text": "x"}


async def test_files_go_as_multipart_with_json_fields(api: HttpBotApi, server: FakeBotApi) -> None:
    params = {
        "chat_id": 5,
        "photo": telegram_file("cat.jpg", b"\xff\xd8jpeg", "image/jpeg"),
        "thumbnail": b"raw",
        "caption": "Жук",
        "disable_notification": True,
        "reply_markup": {"inline_keyboard": []},
        "reply_to_message_id": None,
    }
    await api.call("sendPhoto", params)
    seen = server.requests[0]
    assert seen.headers["content-type"].startswith("multipart/form-data; boundary=")
    body = seen.body
    assert b'name="chat_id"\r\n\r\n5\r\n' in body
    assert b'name="caption"\r\n\r\n' + "Жук".encode() + b"\r\n" in body
    assert b'name="disable_notification"\r\n\r\ntrue\r\n' in body
    assert b'name="reply_markup"\r\n\r\n{"inline_keyboard":[]}\r\n' in body
    assert (
        b'name="photo"; filename="cat.jpg"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8jpeg' in body
    )
    assert b'name="thumbnail"; filename="thumbnail"' in body
    assert b"reply_to_message_id" not in body


async def test_one_connection_is_kept_for_sequential_calls(
    api: HttpBotApi, server: FakeBotApi
) -> None:
    for _ in range(5):
        await api.call("getMe", {})
    assert server.connections == 1
    async with trio.open_nursery() as nursery:
        for _ in range(4):
            nursery.start_soon(api.call, "getMe", {})
    assert 1 < server.connections <= 5  # concurrent calls need connections of their own
    await api.call("getMe", {})
    assert server.connections <= 5


@pytest.mark.parametrize("reply", [Reply(close=True), Reply(hang_up=True)], ids=["said", "unsaid"])
async def test_a_connection_the_server_closes_is_not_reused(
    api: HttpBotApi, server: FakeBotApi, reply: Reply
) -> None:
    server.reply = answer(reply)
    assert await api.call("getMe", {}) is True
    await trio.sleep(0.05)  # the server's close reaches the client
    server.reply = answer(Reply())
    assert await api.call("getMe", {}) is True
    assert [s.connection for s in server.requests] == [1, 2]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (429, {"ok": False, "error_code": 429, "parameters": {"retry_after": 3}}, RetryAfter),
        (429, {"ok": False, "error_code": 429, "description": "Too Many"}, TransientError),
        (403, {"ok": False, "error_code": 403, "description": "Forbidden: blocked"}, BotBlocked),
        (400, {"ok": False, "error_code": 400, "description": "Bad Request: x"}, BadRequest),
        (401, {"ok": False, "error_code": 401, "description": "Unauthorized"}, InvalidToken),
        (404, {"ok": False, "error_code": 404, "description": "Not Found"}, InvalidToken),
        (409, {"ok": False, "error_code": 409, "description": "Conflict"}, Conflict),
        (500, {"ok": False, "error_code": 500, "description": "Internal"}, TransientError),
        (502, b"<html>Bad Gateway</html>", TransientError),
        (401, b"Unauthorized", InvalidToken),
        (200, b"{not json", TransientError),
        (200, b"\xff\xfe", TransientError),
        (200, [1, 2], TransientError),
        (200, {"ok": False, "error_code": 400, "description": "odd"}, BadRequest),
        (302, b"", TransientError),
    ],
)
async def test_answers_map_to_typed_errors(
    api: HttpBotApi, server: FakeBotApi, status: int, body: Any, expected: type[TelegramError]
) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    server.reply = answer(Reply(status, raw))
    with pytest.raises(TelegramError) as caught:
        await api.call("sendMessage", {"chat_id": 1, "text": "x"})
    assert type(caught.value) is expected
    server.reply = answer(Reply())
    assert await api.call("getMe", {}) is True  # the connection is still fine to use


async def test_retry_after_and_migration(api: HttpBotApi, server: FakeBotApi) -> None:
    server.reply = answer(
        Reply.json(429, {"ok": False, "error_code": 429, "parameters": {"retry_after": 12}})
    )
    with pytest.raises(RetryAfter) as flood:
        await api.call("sendMessage", {"chat_id": 1, "text": "x"})
    assert flood.value.seconds == 12.0
    migrated = {"ok": False, "error_code": 400, "parameters": {"migrate_to_chat_id": -100777}}
    server.reply = answer(Reply.json(400, migrated))
    with pytest.raises(BadRequest) as moved:
        await api.call("sendMessage", {"chat_id": -5, "text": "x"})
    assert moved.value.description == "chat migrated to -100777"


async def test_result_is_returned_as_is(api: HttpBotApi, server: FakeBotApi) -> None:
    server.reply = answer(Reply.json(200, {"ok": True, "result": {"message_id": 9}}))
    assert await api.call("sendMessage", {"chat_id": 1, "text": "x"}) == {"message_id": 9}


async def test_a_chunked_answer_is_read_whole(api: HttpBotApi, server: FakeBotApi) -> None:
    result = {"message_id": 9, "text": "Привет, " * 40}
    server.reply = answer(Reply.json(200, {"ok": True, "result": result}, chunked=True))
    assert await api.call("sendMessage", {"chat_id": 1, "text": "x"}) == result
    server.reply = answer(Reply())
    assert await api.call("getMe", {}) is True
    assert [s.connection for s in server.requests] == [1, 1]  # and the connection is kept


@pytest.mark.parametrize(
    "raw", [b"SMTP ready\r\n\r\n", b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n{}"]
)
async def test_an_answer_that_is_not_http_or_is_cut_short_is_transient(
    api: HttpBotApi, server: FakeBotApi, raw: bytes
) -> None:
    server.reply = answer(Reply(raw=raw))
    with pytest.raises(TransientError, match="getMe"):
        await api.call("getMe", {})
    server.reply = answer(Reply())
    assert await api.call("getMe", {}) is True
    assert [s.connection for s in server.requests] == [1, 2]  # the broken one is dropped


async def test_an_answer_over_the_size_limit_is_refused(
    api: HttpBotApi, server: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_http1, "MAX_ANSWER_BYTES", 100)
    server.reply = answer(Reply.json(200, {"ok": True, "result": "x" * 200}))
    with pytest.raises(TransientError, match="over 100 bytes"):
        await api.call("getMe", {})
    server.reply = answer(Reply.json(200, {"ok": True, "result": "x" * 50}))
    assert await api.call("getMe", {}) == "x" * 50


async def test_what_cannot_be_encoded_is_a_bad_request_sent_nowhere(
    api: HttpBotApi, server: FakeBotApi
) -> None:
    with pytest.raises(BadRequest):
        await api.call("sendMessage", {"chat_id": 1, "text": object()})
    with pytest.raises(BadRequest):
        await api.call("sendPhoto", {"chat_id": 1, "photo": b"x", "caption": {1, 2}})
    with pytest.raises(BadRequest, match="method name"):
        await api.call("send Message", {"chat_id": 1})
    assert server.requests == []


async def test_a_stalled_answer_ends_at_the_read_timeout(
    api: HttpBotApi, server: FakeBotApi
) -> None:
    server.reply = answer(Reply(stall=True))
    began = trio.current_time()
    with pytest.raises(TransientError, match="read timeout"):
        await api.call("getUpdates", {"timeout": 0}, read_timeout=0.3)
    assert trio.current_time() - began < 2


async def test_a_trickling_answer_ends_at_the_read_timeout(
    api: HttpBotApi, server: FakeBotApi
) -> None:
    server.reply = answer(Reply(trickle=0.05))  # 26 bytes: 1.3 s in all, a byte every 50 ms
    with pytest.raises(TransientError, match="read timeout"):
        await api.call("getMe", {}, read_timeout=0.5)


async def test_a_cancelled_call_leaves_no_connection_behind(
    api: HttpBotApi, server: FakeBotApi
) -> None:
    server.reply = answer(Reply(stall=True))
    with trio.move_on_after(0.2):
        await api.call("getMe", {})
    server.reply = answer(Reply())
    assert await api.call("getMe", {}) is True
    assert [s.connection for s in server.requests] == [1, 2]
    with trio.fail_after(2):
        while server.closed < 1:  # the server saw the first connection closed
            await trio.sleep(0.01)


async def test_pool_timeout_when_every_connection_is_busy(
    server: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http_bot_api, "CONNECTIONS", 1)
    monkeypatch.setattr(http_bot_api, "POOL_TIMEOUT", 0.2)
    api = HttpBotApi(TOKEN, f"http://127.0.0.1:{server.port}")
    server.reply = lambda seen: Reply(stall=seen.target.endswith("getUpdates"))
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(api.call, "getUpdates", {})
            await trio.sleep(0.1)
            with pytest.raises(TransientError, match="pool timeout"):
                await api.call("getMe", {})
            nursery.cancel_scope.cancel()
    finally:
        await api.close()


async def test_closed_means_closed(api: HttpBotApi) -> None:
    assert await api.call("getMe", {}) is True
    await api.close()
    await api.close()
    with pytest.raises(RuntimeError, match="closed"):
        await api.call("getMe", {})


async def test_tls_with_a_trusted_certificate(
    nursery: trio.Nursery, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = self_signed(tmp_path)
    if made is None:
        pytest.skip("no openssl tool to make a certificate")
    cert, context = made
    server = FakeBotApi()
    base = await serve(nursery, server, context)
    untrusted = HttpBotApi(TOKEN, base)  # certifi's bundle does not know this certificate
    with pytest.raises(TransientError, match="CERTIFICATE_VERIFY_FAILED"):
        await untrusted.call("getMe", {})
    await untrusted.close()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    outgoing_tls.cache_clear()  # the context is built once per process: build it again
    api = HttpBotApi(TOKEN, base)
    try:
        for _ in range(3):
            assert await api.call("getMe", {}) is True
    finally:
        await api.close()
        outgoing_tls.cache_clear()
    assert [s.connection for s in server.requests] == [2, 2, 2]
    assert server.requests[0].headers["host"] == f"127.0.0.1:{server.port}"


async def test_descriptions_and_reprs_never_show_the_token(
    api: HttpBotApi, server: FakeBotApi
) -> None:
    server.reply = answer(Reply.json(400, {"ok": False, "description": f"bad {TOKEN}"}))
    with pytest.raises(BadRequest) as caught:
        await api.call("getMe", {})
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(api) and "123456789" in repr(api)
    odd = HttpBotApi("not-a-token-shape-secret", "http://127.0.0.1:1")
    assert "not-a-token-shape-secret" not in repr(odd)
    with pytest.raises(TransientError) as refused:
        await odd.call("getMe", {})
    assert "not-a-token-shape-secret" not in str(refused.value)
    assert refused.value.__context__ is None and refused.value.__cause__ is None
    await odd.close()


@pytest.mark.parametrize("token", ["", "12:ab/cd", "12:ab cd", "12:ab?x"])
def test_a_token_that_breaks_the_url_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="token") as caught:
        HttpBotApi(token, "https://api.telegram.org")
    assert not token or token not in str(caught.value)


@pytest.mark.parametrize("base", ["ftp://host", "api.telegram.org", "https://"])
def test_a_base_url_that_is_not_http_is_refused(base: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        HttpBotApi(TOKEN, base)


def test_environment_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert environment_proxy("https://api.telegram.org") is None
    monkeypatch.setenv("HTTPS_PROXY", "http://user:s3cret@proxy.local:3128")
    assert environment_proxy("https://api.telegram.org") == "http://user:***@proxy.local:3128"
    monkeypatch.setenv("NO_PROXY", "api.telegram.org")
    assert environment_proxy("https://api.telegram.org") is None


async def test_the_tree_sends_with_http_bot_api_unless_a_proxy_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    used: list[type] = []

    async def body(api: BotApi) -> None:
        used.append(type(api))

    await with_bot_api(TOKEN, "https://api.telegram.org", body)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.local:3128")
    await with_bot_api(TOKEN, "https://api.telegram.org", body)
    assert used == [HttpBotApi, PtbBotApi]
