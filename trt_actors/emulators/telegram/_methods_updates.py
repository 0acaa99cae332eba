"""Bot identity, updates and commands: getMe, getUpdates, setWebhook, deleteWebhook,
getWebhookInfo, setMyCommands, getMyCommands, deleteMyCommands."""

from __future__ import annotations

import json
import time
from typing import Any

import trio

from trt_actors.emulators.telegram._errors import UNAUTHORIZED, ApiError, conflict
from trt_actors.emulators.telegram._registry import Call, api_method
from trt_actors.emulators.telegram._store import BotState, DropRecord, WebhookState

GET_UPDATES_LIMIT = (1, 100)
WEBHOOK_ACTIVE = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)
TERMINATED = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)


@api_method("getMe")
async def get_me(call: Call) -> dict[str, Any]:
    data = call.bot.user.to_json()
    data.update(
        can_join_groups=True, can_read_all_group_messages=False, supports_inline_queries=False
    )
    return data


@api_method("getUpdates")
async def get_updates(call: Call) -> list[dict[str, Any]]:
    """Long poll: confirms updates before `offset`, then waits up to `timeout` seconds (capped
    by the emulator's max_long_poll) for one. A newer getUpdates ends this one with 409."""
    bot = call.bot
    if bot.webhook is not None:
        raise conflict(WEBHOOK_ACTIVE)
    queue = bot.updates
    if "offset" in call.args:
        queue.confirm(call.args["offset"])
    queue.set_allowed(call.args.get("allowed_updates"))
    low, high = GET_UPDATES_LIMIT
    limit = min(max(call.args.get("limit", high), low), high)
    timeout = min(max(call.args.get("timeout", 0), 0), call.config.max_long_poll)
    bot.poll_generation += 1
    generation = bot.poll_generation
    queue.changed.notify()  # an older poll still waiting sees it was superseded
    with trio.move_on_after(timeout):
        while (
            not len(queue)
            and bot.poll_generation == generation
            and bot.webhook is None
            and not bot.revoked
        ):
            await queue.changed.wait()
    if bot.revoked:
        raise ApiError(UNAUTHORIZED.code, UNAUTHORIZED.description)
    if bot.poll_generation != generation:
        raise conflict(TERMINATED)
    return queue.peek(limit)


def _drop_pending(call: Call) -> None:
    if call.args.get("drop_pending_updates"):
        dropped = call.bot.updates.drop_all()
        call.bot.drop_records.append(DropRecord(call.method, dropped, time.time()))


def _notify(bot: BotState) -> None:
    bot.updates.changed.notify()


@api_method("setWebhook")
async def set_webhook(call: Call) -> bool:
    url = call.args["url"]
    _drop_pending(call)
    call.bot.updates.set_allowed(call.args.get("allowed_updates"))
    if not url:
        call.bot.webhook = None
    else:
        call.bot.webhook = WebhookState(
            url=url,
            secret_token=call.args.get("secret_token"),
            max_connections=call.args.get("max_connections", 40),
            ip_address=call.args.get("ip_address"),
        )
    _notify(call.bot)
    return True


@api_method("deleteWebhook")
async def delete_webhook(call: Call) -> bool:
    _drop_pending(call)
    call.bot.webhook = None
    _notify(call.bot)
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(call: Call) -> dict[str, Any]:
    hook = call.bot.webhook
    info: dict[str, Any] = {
        "url": hook.url if hook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(call.bot.updates),
    }
    if hook is not None:
        info["max_connections"] = hook.max_connections
        for key in ("ip_address", "last_error_date", "last_error_message"):
            value = getattr(hook, key)
            if value is not None:
                info[key] = value
    allowed = call.bot.updates.allowed
    if allowed is not None:
        info["allowed_updates"] = sorted(allowed)
    return info


def commands_key(args: dict[str, Any]) -> str:
    """Commands are kept per (scope, language_code)."""
    scope = args.get("scope") or {"type": "default"}
    return json.dumps([scope, args.get("language_code", "")], sort_keys=True)


@api_method("setMyCommands")
async def set_my_commands(call: Call) -> bool:
    call.bot.commands[commands_key(call.args)] = list(call.args["commands"])
    return True


@api_method("getMyCommands")
async def get_my_commands(call: Call) -> list[dict[str, Any]]:
    return list(call.bot.commands.get(commands_key(call.args), []))


@api_method("deleteMyCommands")
async def delete_my_commands(call: Call) -> bool:
    call.bot.commands.pop(commands_key(call.args), None)
    return True
