"""No token, key or password in any log line: a day of the service, logged as in production.

One bot in webhook mode on PostgreSQL and Redis (both URLs with a password), with an ops
token and KIE's webhook HMAC key, goes through what makes the most log lines: a start and
the wizard, a Stars top-up, a paid generation delivered through a signed KIE callback, a
generation KIE fails, Telegram answering 500 and KIE rejecting the key, admins' stats, export,
configuration check and self-test, the ops feed, and requests with the wrong webhook secret,
a forged KIE callback and a wrong ops token. Every line (structlog's and the standard
library's, at debug, through the production pipeline) is then searched for each secret, as
is and URL-encoded or escaped (`trt_actors.testing.secret_watch`). The conftest's
`log_watch` does the same for every service test; this test makes sure the paths that
handle secrets ran and logged.
"""

from __future__ import annotations

import json
import secrets
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import redis
import trio
from trio_websocket import ConnectionRejected, open_websocket_url

from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.emulators.kie import FaultKind as KieFault
from trt_actors.emulators.telegram import FaultKind, TelegramEmulator
from trt_actors.testing.kit import Conversation, running_bot
from trt_actors.testing.postgres import create_database
from trt_actors.testing.secret_watch import SecretWatch
from trt_actors.testing.trt_process import free_port

ADMIN = 7_000_077


def data_of(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [str(button.get("callback_data")) for row in rows for button in row]


def with_password(url: str, user: str, password: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


def redis_user(url: str, password: str) -> str:
    """A Redis user with `password` on the session's server; its URL."""
    name = f"trt_{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        client.acl_setuser(
            name,
            enabled=True,
            passwords=[f"+{password}"],
            keys=["*"],
            channels=["*"],
            commands=["+@all"],
        )
    finally:
        client.close()
    return with_password(url, name, password)


async def start(user: Conversation) -> None:
    await user.send("/start")
    await user.next_message()
    await user.press("Skip")
    await user.next_edit()


async def generate(user: Conversation) -> None:
    """Z-Image with a prompt, confirmed (paid: the tenant has no free quota)."""
    since = max((int(m["message_id"]) for m in user.messages()), default=0)

    def new(wanted: str) -> Any:
        return lambda m: m["message_id"] > since and any(d.startswith(wanted) for d in data_of(m))

    await user.send("/menu")
    menu = await user.ctl.wait_for(user.user, new("v1|l|text_to_image|0"))
    await user.press_data("v1|l|text_to_image|0", menu)
    await user.next_edit()
    await user.press_data("v1|c|z-image")
    await user.next_edit()
    await user.press_data("v1|go|z-image")
    await user.next_edit()
    await user.send("a quiet harbour")
    screen = await user.ctl.wait_for(user.user, new("v1|nx|"))
    [go_on] = [d for d in data_of(screen) if d.startswith("v1|nx|")]
    await user.press_data(go_on, screen)
    screen = await user.ctl.wait_for(user.user, new("v1|ok|"))
    [ok] = [d for d in data_of(screen) if d.startswith("v1|ok|")]
    assert "for free" not in str(screen["reply_markup"])
    await user.press_data(ok, screen)


async def says(user: Conversation, command: str, fragment: str) -> None:
    """Send `command`, then wait for a new message holding `fragment`."""
    since = max((int(m["message_id"]) for m in user.messages()), default=0)
    await user.send(command)
    await user.ctl.wait_for(
        user.user, lambda m: m["message_id"] > since and fragment in (m.get("text") or "")
    )


async def until(condition: Any, timeout: float = 20.0) -> None:
    with trio.fail_after(timeout):
        while not condition():
            await trio.sleep(0.05)


def events(watch: SecretWatch) -> list[dict[str, Any]]:
    found = []
    for line in watch.lines():
        try:
            found.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return found


async def test_no_secret_reaches_the_log_in_a_day_of_the_service(
    log_watch: SecretWatch | None,
    telegram_emulator: TelegramEmulator,
    postgres_server: str,
    redis_url: str,
    tmp_path: Path,
) -> None:
    assert log_watch is not None  # the conftest watches every e2e test
    db_password = f"pg/P@ss:{secrets.token_hex(6)}"
    redis_password = f"rd/P@ss:{secrets.token_hex(6)}"
    ops_token = f"ops-{secrets.token_hex(12)}"
    webhook_secret = f"hook-{secrets.token_hex(12)}"
    hmac_key = f"hmac-{secrets.token_hex(12)}"
    database = create_database(postgres_server, f"secrets_{uuid.uuid4().hex[:8]}")
    port = free_port()
    terms = TenantSettings(admins=(ADMIN,), stars_rate_kopecks=150, free_per_day=0)
    async with running_bot(
        tmp_path,
        emulator=telegram_emulator,
        terms=terms,
        database_url=with_password(database, "postgres", db_password),
        redis_url=redis_user(redis_url, redis_password),
        bot_mode="webhook",
        webhook_secret_token=webhook_secret,
        webhook_base_url=f"http://127.0.0.1:{port}",
        port=port,
        ops_token=ops_token,
        kie_webhook_hmac_key=hmac_key,
    ) as bot:
        bot.kie.ctl.set_hmac_key(hmac_key)
        ctl = telegram_emulator.ctl
        await until(lambda: ctl.bot.webhook is not None)
        ann = bot.user("Ann", language_code="en")
        await start(ann)

        # a Stars top-up, then a paid generation, delivered after KIE's signed callback
        await ann.send("/topup")
        await ann.next_message()
        await ann.press("⭐ 100 → 150 ₽")
        invoice = await ann.next_message()
        paid = await ctl.pay_invoice(ann.user, invoice["message_id"])
        assert paid.status == "paid"
        assert "150 ₽ credited" in (await ann.next_message())["text"]
        await generate(ann)
        await until(lambda: any("photo" in m for m in ann.messages()))
        await until(lambda: bool(bot.kie.callback_attempts))

        # KIE fails the next task; Telegram answers 500 to a send
        bot.kie.ctl.inject(KieFault.FAIL, code=500, message="internal error")
        await generate(ann)
        await until(lambda: any("failed" in (m.get("text") or "") for m in ann.messages()))
        telegram_emulator.faults.inject(FaultKind.SERVER_ERROR, method="sendMessage", status=500)
        await says(ann, "/balance", "Balance")  # sent again after the 500

        # admins: stats, an export, the configuration check, the self-test with KIE refusing
        boss = bot.user("Boss", language_code="en", user_id=ADMIN)
        await start(boss)
        await boss.send("/admin")
        await boss.next_message()
        await boss.press("📊 Stats")
        await boss.next_edit()
        await boss.send("/admin")
        await boss.next_message()
        await boss.press("📁 Export")
        await boss.next_edit()
        await boss.press("Users")
        await boss.next_message()
        await boss.send("/config_check")
        checked = await boss.next_message(timeout=30)
        assert "postgres" in checked["text"].lower(), checked["text"]
        bot.kie.ctl.inject(KieFault.AUTH, "credit")
        await boss.send("/selftest")
        assert "kie" in (await boss.next_message(timeout=30))["text"]

        # the ops feed, with and without its token
        feed = f"ws://127.0.0.1:{bot.ops_port}/feed"
        async with open_websocket_url(f"{feed}?token={ops_token}") as ws:
            assert json.loads(await ws.get_message())["type"] == "tree"
        try:
            async with open_websocket_url(f"{feed}?token=wrong-{ops_token[:6]}") as ws:
                await ws.get_message()
            raise AssertionError("the feed let a wrong token in")
        except ConnectionRejected:
            pass

        # strangers: the wrong webhook secret, a forged KIE callback
        async with httpx.AsyncClient(timeout=10) as client:
            wrong = await client.post(
                f"http://127.0.0.1:{port}/webhook/default",
                json={"update_id": 1},
                headers={"X-Telegram-Bot-Api-Secret-Token": "not-" + webhook_secret[:8]},
            )
            assert wrong.status_code == 401
            forged = await client.post(
                f"http://127.0.0.1:{port}/kie/callback/default/1?s=guess",
                json={"code": 200, "data": {"taskId": "t-1"}},
            )
            assert forged.status_code == 401
        assert bot.failures() == []

    seen = {event.get("event") for event in events(log_watch)}
    for expected in (
        "storage.opened",  # the database URL, its password masked
        "coordination.opened",  # the Redis URL, likewise
        "webhook_setter.ok",
        "kie.callback",  # a signed callback, verified
        "job.failed",  # KIE failed the task
        "outbound.retrying",  # Telegram's 500
        "kie.operator_alert",  # KIE refused the key
        "webhook.unauthorised",
        "kie.callback_rejected",
    ):
        assert expected in seen, sorted(str(e) for e in seen)
    assert log_watch.leaks() == []
    for secret in (db_password, redis_password, ops_token, webhook_secret, hmac_key):
        assert secret in log_watch.secrets  # each was looked for
