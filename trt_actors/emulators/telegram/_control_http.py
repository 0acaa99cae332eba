"""The control interface over HTTP: `POST {base}/_control/{action}` with a JSON object
(or GET with query parameters for the reading actions), answered with JSON.

Every body may name the bot with "bot": "<token>" (default: the first bot). Answers are
`{"ok": true, "result": ...}` or `{"ok": false, "error": "..."}` with status 400 (404 for an
unknown action, 408 when a wait timed out). CORS is open so a browser page can drive it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import trio

from trt_actors.emulators.telegram._control import Control
from trt_actors.emulators.telegram._errors import ControlError
from trt_actors.emulators.telegram._faults import FaultKind
from trt_actors.web import Request, Response, Router

if TYPE_CHECKING:
    from trt_actors.emulators.telegram._app import TelegramEmulator

Action = Callable[["TelegramEmulator", Control, dict[str, Any]], Awaitable[Any]]
CORS = {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": "content-type",
}
#: Deadline of one control request (pay_invoice and next_message wait inside it).
CONTROL_HANDLER_TIMEOUT = 120.0
_ACTIONS: dict[str, Action] = {}
_NUMERIC = ("user_id", "chat_id", "message_id", "times", "retry_after", "status", "count")


def _action(name: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        _ACTIONS[name] = fn
        return fn

    return register


def _bytes(body: dict[str, Any]) -> bytes:
    try:
        return base64.b64decode(body["data_base64"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ControlError("data_base64 is not valid base64") from exc


@_action("users")
async def _users(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    user = ctl.user(
        body.get("first_name", "Test"),
        username=body.get("username"),
        last_name=body.get("last_name"),
        language_code=body.get("language_code", "en"),
        user_id=body.get("user_id"),
    )
    return user.to_json()


@_action("open_chats")
async def _open_chats(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    users = ctl.open_chats(int(body["count"]), first_name=body.get("first_name", "User"))
    return [user.id for user in users]


@_action("groups")
async def _groups(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    members = [emu.world.users[i] for i in body.get("member_ids", []) if i in emu.world.users]
    return ctl.group(body["title"], members).to_json()


@_action("send_text")
async def _send_text(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    return ctl.send_text(body["user_id"], body["text"], chat=body.get("chat_id"))


@_action("send_command")
async def _send_command(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    return ctl.send_command(
        body["user_id"], body["command"], body.get("args", ""), chat=body.get("chat_id")
    )


@_action("send_photo")
async def _send_photo(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    return ctl.send_photo(
        body["user_id"],
        _bytes(body),
        caption=body.get("caption"),
        chat=body.get("chat_id"),
        mime_type=body.get("mime_type", "image/jpeg"),
    )


@_action("send_document")
async def _send_document(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    return ctl.send_document(
        body["user_id"],
        _bytes(body),
        file_name=body.get("file_name", "file.bin"),
        mime_type=body.get("mime_type", "application/octet-stream"),
        caption=body.get("caption"),
        chat=body.get("chat_id"),
    )


@_action("press_button")
async def _press(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    query_id = ctl.press_button(
        body["user_id"],
        body["message_id"],
        callback_data=body.get("callback_data"),
        label=body.get("label"),
        chat=body.get("chat_id"),
    )
    return {"callback_query_id": query_id}


@_action("pay_invoice")
async def _pay(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    result = await ctl.pay_invoice(
        body["user_id"], body["message_id"], chat=body.get("chat_id"), timeout=body.get("timeout")
    )
    return asdict(result)


@_action("block")
async def _block(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    ctl.block_bot(body["user_id"])
    return True


@_action("unblock")
async def _unblock(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    ctl.unblock_bot(body["user_id"])
    return True


@_action("messages")
async def _messages(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    found = ctl.messages(body["chat_id"], include_deleted=bool(body.get("include_deleted")))
    return [{"from_bot": m.from_bot, "deleted": m.deleted, "message": m.data} for m in found]


@_action("next_message")
async def _next_message(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    return await ctl.next_bot_message(body["chat_id"], timeout=float(body.get("timeout", 5)))


@_action("violations")
async def _violations(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    return [asdict(v) for v in emu.violations]


@_action("clear_violations")
async def _clear_violations(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    emu.violations.clear()
    return True


@_action("faults")
async def _faults(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    if "kind" not in body:
        return [f.to_json() for f in emu.faults.active]
    try:
        kind = FaultKind(body["kind"])
    except ValueError as exc:
        raise ControlError(f"unknown fault kind {body['kind']!r}") from exc
    fault = emu.faults.inject(
        kind,
        method=body.get("method"),
        times=body.get("times", 1),
        delay=float(body.get("delay", 1.0)),
        status=body.get("status", 500),
        retry_after=body.get("retry_after", 5),
        description=body.get("description", "injected fault"),
    )
    return fault.to_json()


@_action("clear_faults")
async def _clear_faults(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    emu.faults.clear(body.get("method"))
    return True


@_action("state")
async def _state(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    bot = ctl.bot
    return {
        "bot": bot.user.to_json(),
        "webhook": bot.webhook.url if bot.webhook else "",
        "pending_updates": len(bot.updates),
        "chats": [c.to_json() for c in bot.chats.values()],
        "violations": len(emu.violations),
        "drop_pending_updates_used": len(emu.drop_records),
        "faults": [f.to_json() for f in emu.faults.active],
    }


@_action("calls")
async def _calls(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    last = int(body.get("last", 100))
    return [asdict(c) for c in list(emu.calls)[-last:]]


@_action("tallies")
async def _tallies(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    """Every call answered so far, counted by method and status: {"sendMessage": {"200": 5}}."""
    tallies: dict[str, dict[str, int]] = {}
    for (method, status), count in emu.tallies.items():
        tallies.setdefault(method, {})[str(status)] = count
    return tallies


@_action("answered")
async def _answered(emu: TelegramEmulator, ctl: Control, body: dict[str, Any]) -> Any:
    """How many chats have at least one message from the bot."""
    return {"chats": sum(1 for chat in ctl.bot.chats.values() if chat.bot_message_ids)}


def _query_body(request: Request) -> dict[str, Any]:
    body: dict[str, Any] = dict(request.query)
    for key in _NUMERIC:
        if key in body and body[key].lstrip("-").isdigit():
            body[key] = int(body[key])
    return body


def add_control_routes(router: Router, emulator: TelegramEmulator) -> None:
    """Mount `/_control/{action}` (GET, POST, OPTIONS) on `router`."""

    async def handle(request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response.empty(204, headers=CORS)
        action = _ACTIONS.get(request.params["action"])
        if action is None:
            return Response.json({"ok": False, "error": "unknown action"}, 404, headers=CORS)
        body = request.json() if request.body else _query_body(request)
        if not isinstance(body, dict):
            return Response.json(
                {"ok": False, "error": "body must be an object"}, 400, headers=CORS
            )
        try:
            control = emulator.control(body.get("bot"))
            result = await action(emulator, control, body)
        except trio.TooSlowError:
            return Response.json({"ok": False, "error": "timed out"}, 408, headers=CORS)
        except (ControlError, KeyError, TypeError, ValueError) as exc:
            return Response.json({"ok": False, "error": repr(exc)}, 400, headers=CORS)
        return Response.json({"ok": True, "result": result}, headers=CORS)

    router.add(
        ("GET", "POST", "OPTIONS"),
        "/_control/{action}",
        handle,
        handler_timeout=CONTROL_HANDLER_TIMEOUT,
    )
