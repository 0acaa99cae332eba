"""The benchmark's Bot API stand-in (bench/sink.py): it reads each client's encoding, counts
replies by chat, and plays getUpdates — an update is acknowledged when an offset confirms it.
The sink runs on asyncio (cheap per call); these tests drive it with asyncio.run."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest

from bench.sink import BadRequest, Request, Sink

MARKUP = {
    "inline_keyboard": [[{"text": "a", "callback_data": "1"}, {"text": "b", "callback_data": "2"}]]
}


def run(scenario: Callable[[Sink], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        return await scenario(Sink())

    return asyncio.run(main())


def post(content_type: str, body: bytes) -> Request:
    return Request(b"POST", b"", content_type.encode(), body, True)


def update(update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "message": {"message_id": update_id, "text": "/start"}}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", orjson.dumps({"chat_id": 7, "text": "hi", "reply_markup": MARKUP})),
        (
            "application/x-www-form-urlencoded",
            b"chat_id=7&text=hi&reply_markup=" + json.dumps(MARKUP).replace(" ", "").encode(),
        ),
        (
            "multipart/form-data; boundary=XyZ",
            b'--XyZ\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n7\r\n'
            b'--XyZ\r\nContent-Disposition: form-data; name="reply_markup"\r\n\r\n'
            + json.dumps(MARKUP).encode()
            + b"\r\n--XyZ--\r\n",
        ),
    ],
)
def test_a_reply_is_counted_by_chat_however_it_is_encoded(content_type: str, body: bytes) -> None:
    async def scenario(sink: Sink) -> None:
        result = orjson.loads(await sink.call("sendMessage", post(content_type, body), b""))
        assert result["chat"]["id"] == 7 and result["message_id"] == 1
        await sink.call("sendMessage", post(content_type, body), b"")
        assert sink.replies == 2 and list(sink.reply_at) == [7]
        assert sink.sample is not None and sink.sample["buttons"] == 2

    run(scenario)


def test_an_update_is_acknowledged_when_an_offset_confirms_it() -> None:
    async def scenario(sink: Sink) -> None:
        sink.control("updates", post("application/json", orjson.dumps([update(1), update(2)])))
        first = orjson.loads(await sink.call("getUpdates", post("", b""), b"timeout=0"))
        assert [u["update_id"] for u in first] == [1, 2] and sink.acked_at == {}
        again = await sink.call("getUpdates", post("", b""), b"offset=2&timeout=0")
        assert [u["update_id"] for u in orjson.loads(again)] == [2]
        assert list(sink.acked_at) == [1]
        await sink.call("getUpdates", post("", b""), b"offset=3&timeout=0")
        assert list(sink.acked_at) == [1, 2] and sink.queued_at.keys() == {1, 2}

    run(scenario)


def test_a_long_poll_returns_as_soon_as_an_update_is_queued() -> None:
    async def scenario(sink: Sink) -> float:
        async def queue_later() -> None:
            await asyncio.sleep(0.1)
            sink.control("updates", post("application/json", orjson.dumps([update(5)])))

        began = time.monotonic()
        task = asyncio.ensure_future(queue_later())
        got = await sink.call("getUpdates", post("", b""), b"timeout=10")
        await task
        assert [u["update_id"] for u in orjson.loads(got)] == [5]
        return time.monotonic() - began

    assert run(scenario) < 5


def test_a_long_poll_with_nothing_queued_answers_empty_after_its_timeout() -> None:
    async def scenario(sink: Sink) -> bytes:
        return await sink.call("getUpdates", post("", b""), b"timeout=0")

    assert run(scenario) == b"[]"


def test_updates_must_be_queued_in_id_order_and_reset_forgets_them() -> None:
    async def scenario(sink: Sink) -> None:
        sink.control("updates", post("application/json", orjson.dumps([update(3)])))
        with pytest.raises(BadRequest, match="ids must grow"):
            sink.control("updates", post("application/json", orjson.dumps([update(2)])))
        sink.control("reset", post("", b""))
        assert not sink.queue and not sink.queued_at
        assert orjson.loads(sink.control("count", post("", b""))) == {
            "replies": 0,
            "chats": 0,
            "first_get_updates": None,
        }

    run(scenario)


def test_an_unreadable_call_is_a_bad_request_not_a_crash() -> None:
    async def scenario(sink: Sink) -> tuple[int, bytes]:
        request = Request(
            b"POST", f"/bot{sink.token}/sendMessage".encode(), b"text/plain", b"x", True
        )
        return await sink.answer(request)

    status, body = run(scenario)
    assert status == 400 and orjson.loads(body)["ok"] is False
