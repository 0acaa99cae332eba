"""The page's HTTP interface: act as one of the sandbox's people towards the bot.

    GET  /api/config                                  the bot, the people, the chat feed's port
    POST /api/send     {user_id, text}                a text; "/name args" is a command
    POST /api/press    {user_id, message_id, callback_data}    an inline button
    POST /api/pay      {user_id, message_id}          pay an invoice with Stars
    POST /api/upload   {user_id, data_base64, file_name, mime_type, caption}   photo or file

Answers are `{"ok": true, "result": ...}` or `{"ok": false, "error": "..."}` with status 400.
POST bodies must be `application/json`: a page of another origin cannot send that without a
CORS preflight, which this server never grants. Every action goes through the emulator's
`Control`, exactly as a Telegram user's would; new bot messages reach the page over the chat
websocket (`_chat_feed.py`), and the message an action created is also in its answer.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from trt_actors.emulators.telegram import BotState, Control, ControlError
from trt_actors.web import Request, Response, Router

from ._people import People, Person
from ._views import message_view

MAX_TEXT = 4096  # Telegram's limit on a user's text message
MAX_CAPTION = 1024
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BODY = MAX_UPLOAD_BYTES * 4 // 3 + 64 * 1024  # base64 and the JSON around it
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_PHOTO_BYTES = 10 * 1024 * 1024
#: How long a payment waits for the bot's answerPreCheckoutQuery (Telegram: 10 s).
PAY_TIMEOUT = 10.0


class ActionError(Exception):
    """A request the page should not have sent; answered 400 with this message."""


@dataclass(slots=True)
class Backend:
    """What the page's actions drive: one bot's control, its people, the feed's address."""

    control: Control
    emulator_url: str
    people: People
    ws_port: int = 0
    kie_url: str | None = None

    @property
    def bot(self) -> BotState:
        return self.control.bot

    def config(self) -> dict[str, Any]:
        """What the page needs to start: the bot, the people and the feed's port."""
        bot = self.bot.user
        return {
            "bot": {"first_name": bot.first_name, "username": bot.username, "id": bot.id},
            "people": [person.to_json() for person in self.people.all],
            "ws_port": self.ws_port,
            "emulator_url": self.emulator_url,
            "kie_url": self.kie_url,
        }

    def view(self, user_id: int, message: dict[str, Any]) -> dict[str, Any]:
        """The page's view of a message just posted in `user_id`'s private chat."""
        stored = self.control.chat(user_id).messages[int(message["message_id"])]
        return message_view(self.bot, self.emulator_url, stored)


Action = Callable[[Backend, Person, dict[str, Any]], Awaitable[Any]]


async def send(backend: Backend, person: Person, body: dict[str, Any]) -> Any:
    text = _string(body, "text").strip()
    if not 1 <= len(text) <= MAX_TEXT:
        raise ActionError(f"text must be 1-{MAX_TEXT} characters")
    if text.startswith("/") and len(text) > 1 and not text[1].isspace():
        command, _, args = text[1:].partition(" ")
        sent = backend.control.send_command(person.user_id, command, args.strip())
    else:
        sent = backend.control.send_text(person.user_id, text)
    return backend.view(person.user_id, sent)


async def press(backend: Backend, person: Person, body: dict[str, Any]) -> Any:
    query_id = backend.control.press_button(
        person.user_id, _integer(body, "message_id"), callback_data=_string(body, "callback_data")
    )
    return {"callback_query_id": query_id}


async def pay(backend: Backend, person: Person, body: dict[str, Any]) -> Any:
    result = await backend.control.pay_invoice(
        person.user_id, _integer(body, "message_id"), timeout=PAY_TIMEOUT
    )
    answer = asdict(result)
    if result.message is not None:
        answer["message"] = backend.view(person.user_id, result.message)
    return answer


async def upload(backend: Backend, person: Person, body: dict[str, Any]) -> Any:
    try:
        data = base64.b64decode(_string(body, "data_base64"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ActionError("data_base64 is not valid base64") from exc
    if not 0 < len(data) <= MAX_UPLOAD_BYTES:
        raise ActionError(f"a file must have 1 to {MAX_UPLOAD_BYTES} bytes")
    caption = str(body.get("caption") or "").strip()[:MAX_CAPTION] or None
    mime_type = str(body.get("mime_type") or "application/octet-stream")
    file_name = str(body.get("file_name") or "file.bin")[:200]
    if mime_type in PHOTO_TYPES and len(data) <= MAX_PHOTO_BYTES:
        sent = backend.control.send_photo(
            person.user_id, data, caption=caption, mime_type=mime_type
        )
    else:
        sent = backend.control.send_document(
            person.user_id, data, file_name=file_name, mime_type=mime_type, caption=caption
        )
    return backend.view(person.user_id, sent)


ACTIONS: dict[str, tuple[Action, int | None, float | None]] = {
    # name: (action, body limit, handler deadline); None = the server's default
    "send": (send, None, None),
    "press": (press, None, None),
    "pay": (pay, None, PAY_TIMEOUT + 5.0),
    "upload": (upload, MAX_UPLOAD_BODY, None),
}


def _string(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise ActionError(f"{key} must be a string")
    return value


def _integer(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ActionError(f"{key} must be an integer")
    return value


def _error(message: str, status: int = 400) -> Response:
    return Response.json({"ok": False, "error": message}, status)


def add_api_routes(router: Router, backend: Backend) -> None:
    """Mount `/api/config` and `/api/{action}` on `router`."""

    async def config(request: Request) -> Response:
        return Response.json({"ok": True, "result": backend.config()})

    router.add("GET", "/api/config", config)
    for name, (action, body_limit, deadline) in ACTIONS.items():
        router.add(
            "POST",
            f"/api/{name}",
            _handler(backend, action),
            max_body_bytes=body_limit,
            handler_timeout=deadline,
        )


def _handler(backend: Backend, action: Action) -> Callable[[Request], Awaitable[Response]]:
    async def handle(request: Request) -> Response:
        if request.content_type != "application/json":
            return _error("the body must be application/json", 415)
        body = request.json()
        if not isinstance(body, dict):
            return _error("the body must be a JSON object")
        user_id = body.get("user_id")
        person = backend.people.get(user_id) if isinstance(user_id, int) else None
        if person is None:
            return _error("user_id must be one of the sandbox's people")
        try:
            result = await action(backend, person, body)
        except (ActionError, ControlError) as exc:
            return _error(str(exc))
        return Response.json({"ok": True, "result": result})

    return handle
