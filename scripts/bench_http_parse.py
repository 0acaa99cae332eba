"""CPU per Bot API exchange spent writing the request and parsing the answer, side by side.

    .venv/bin/python scripts/bench_http_parse.py [--calls 20000]

The same work `HttpBotApi` does for every call, without sockets: encode a sendMessage's
parameters (a menu with an 8-row keyboard) as JSON, write the request, parse a typical
answer (a Message, about 1.2 kB) and decode its JSON. "h11 + json" is how HttpBotApi did it
before; "httptools + orjson" is how it does it now (`trt_actors/telegram/_http1.py`).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import h11
import httptools
import orjson

KEYBOARD = {"inline_keyboard": [[{"text": "🖼 Image", "callback_data": "v1|k|img"}]] * 8}
PARAMS = {"chat_id": 1000001, "text": "Welcome! " * 20, "reply_markup": KEYBOARD}
RESULT = {
    "message_id": 123,
    "from": {"id": 1, "is_bot": True, "first_name": "Bot", "username": "trt_bot"},
    "chat": {"id": 1000001, "first_name": "Ann", "type": "private"},
    "date": 1795000000,
    "text": "Welcome! " * 20,
    "reply_markup": KEYBOARD,
}
BODY = json.dumps({"ok": True, "result": RESULT}).encode()
ANSWER = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
    b"date: Thu, 26 Nov 2026 12:00:00 GMT\r\nserver: hypercorn-h11\r\n\r\n" % len(BODY)
) + BODY
HEAD = b"POST /botTOKEN/sendMessage HTTP/1.1\r\nHost: h\r\nUser-Agent: trt-actors\r\n"


def with_h11(calls: int) -> None:
    conn = h11.Connection(h11.CLIENT)
    for _ in range(calls):
        body = json.dumps(PARAMS, ensure_ascii=False, separators=(",", ":")).encode()
        headers = [(b"Host", b"h"), (b"Content-Type", b"application/json")]
        headers.append((b"Content-Length", b"%d" % len(body)))
        head = h11.Request(method=b"POST", target=b"/botTOKEN/sendMessage", headers=headers)
        b"".join(conn.send(e) or b"" for e in (head, h11.Data(data=body), h11.EndOfMessage()))
        conn.receive_data(ANSWER)
        chunks = []
        while not isinstance(event := conn.next_event(), h11.EndOfMessage):
            if isinstance(event, h11.Data):
                chunks.append(event.data)
        json.loads(b"".join(chunks))
        conn.start_next_cycle()


class _Answer:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)


def with_httptools(calls: int) -> None:
    for _ in range(calls):
        body = orjson.dumps(PARAMS)
        HEAD + b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body) + body
        answer = _Answer()
        parser = httptools.HttpResponseParser(answer)
        parser.feed_data(ANSWER)
        parser.get_status_code()
        orjson.loads(b"".join(answer.chunks))


def measure(way: Callable[[int], None], calls: int) -> float:
    began = time.process_time()
    way(calls)
    return (time.process_time() - began) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    calls = parser.parse_args().calls
    rounds = parser.parse_args().rounds
    print(f"{'round':<7}{'h11 + json µs':>16}{'httptools + orjson µs':>24}")
    for n in range(rounds):
        old, new = measure(with_h11, calls), measure(with_httptools, calls)
        print(f"{n + 1:<7}{old:>16.1f}{new:>24.1f}")


if __name__ == "__main__":
    main()
