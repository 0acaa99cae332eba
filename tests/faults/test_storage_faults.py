"""The database failing under the bot: SQLite full or read-only, commits past their deadline,
a database that cannot be opened at start.

The rule each test holds the service to: an update is acknowledged only once it is stored, so
a database that cannot store it makes Telegram keep it (webhook 503, or polling's offset
left where it was) — the user's message is answered once the database is back, never lost —
and the operator sees why.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
import trio.testing
from structlog.testing import capture_logs

from trt_actors.actors import ActorRef, Identity
from trt_actors.actors.dispatcher import Backlog
from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.mailboxes import Mailbox
from trt_actors.routes.webhook import (
    COMMIT_DEADLINE,
    WebhookDoors,
    WebhookIntake,
    add_webhook_routes,
)
from trt_actors.storage import AppendResult, Store
from trt_actors.testing.kit import BotService, running_bot
from trt_actors.web import Headers, HTTPError, Request, RouteMatch, Router

from .support import grew, named, scrape, until_grown, wait_until

SECRET = "webhook-secret-1"
NO_LIMIT = 1_073_741_823  # SQLite's largest max_page_count


async def pragma(bot: BotService, statement: str) -> Any:
    """Run a PRAGMA on the SQLite writer connection, between two write batches."""
    store: Store = bot.tree.root.child("store")
    engine = store._engine
    return await engine.exclusive(lambda db: db.execute(statement), timeout=5)


async def disk_full(bot: BotService) -> None:
    """No page may be added to the database file any more: SQLite answers SQLITE_FULL to
    any write that needs one, as on a full disk."""
    [row] = await pragma(bot, "PRAGMA page_count")
    await pragma(bot, f"PRAGMA max_page_count = {row['page_count']}")


def start_update(update_id: int, user_id: int, first_name: str, padding: int = 0) -> bytes:
    """A /start as Telegram posts it; `padding` characters of a caption-like field make the
    stored row take more than a page."""
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": 1_790_000_000,
        "chat": {"id": user_id, "type": "private", "first_name": first_name},
        "from": {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"},
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    if padding:
        message["author_signature"] = "ж" * padding
    return json.dumps({"update_id": update_id, "message": message}).encode()


async def post(bot: BotService, body: bytes) -> httpx.Response:
    async with httpx.AsyncClient(timeout=15) as client:
        return await client.post(
            f"http://127.0.0.1:{bot.port}/webhook/default",
            content=body,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
        )


async def test_sqlite_disk_full_refuses_the_webhook_until_there_is_room(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    with capture_logs() as logs:
        async with running_bot(
            tmp_path,
            emulator=telegram_emulator,
            bot_mode="webhook",
            webhook_secret_token=SECRET,
        ) as bot:
            ann = bot.user("Ann", language_code="en")
            telegram_emulator.ctl.send_text(ann.user, "hello")  # the chat exists
            store: Store = bot.tree.root.child("store")
            before = await scrape(bot)
            await disk_full(bot)
            update = start_update(501, ann.id, "Ann", padding=6000)
            refused = await post(bot, update)
            assert refused.status_code == 503 and refused.headers["Retry-After"] == "1"
            assert await store.read("default", lambda tx: tx.inbox.pending()) == []
            assert ann.messages() == []
            await pragma(bot, f"PRAGMA max_page_count = {NO_LIMIT}")  # room again
            assert (await post(bot, update)).status_code == 200  # Telegram's next try
            assert "Hi, Ann" in (await ann.next_message())["text"]
            after = await until_grown(bot, before, "trt_updates_processed_total", outcome="handled")
            assert grew(before, after, "trt_updates_received_total", intake="webhook") == 1
            assert bot.failures() == []
    [failed] = named(logs, "webhook.commit_failed")
    assert failed["update_id"] == 501 and "full" in failed["error"]
    assert failed["log_level"] == "error"


async def test_sqlite_read_only_keeps_polled_updates_at_telegram_until_writable(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    with capture_logs() as logs:
        async with running_bot(tmp_path, emulator=telegram_emulator) as bot:
            ann = bot.user("Ann", language_code="en")
            await pragma(bot, "PRAGMA query_only = ON")  # the file became read-only
            await ann.send("/start")
            await wait_until(lambda: len(named(logs, "intake.poll_failed")) >= 2)
            assert ann.messages() == []
            assert telegram_emulator.ctl.bot.updates.first() is not None  # Telegram keeps it
            await pragma(bot, "PRAGMA query_only = OFF")
            assert "Hi, Ann" in (await ann.next_message(timeout=15))["text"]
            assert bot.failures() == []
    failed = named(logs, "intake.poll_failed")
    assert {entry["error_type"] for entry in failed} == {"StorageUnavailable"}
    assert all("readonly" in entry["error"] for entry in failed)


class SlowInbox:
    """An inbox whose commits take `seconds` (a database past its deadline), then succeed."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.appended: list[int] = []

    async def append(
        self, tenant: str, update_id: int, payload: Any, *, partition: int = -1
    ) -> AppendResult:
        await trio.sleep(self.seconds)
        self.appended.append(update_id)
        return AppendResult.NEW


class SlowStore:
    def __init__(self, seconds: float) -> None:
        self.inbox = SlowInbox(seconds)


async def test_a_commit_past_its_deadline_is_not_acknowledged(
    autojump_clock: trio.testing.MockClock,
) -> None:
    """The inbox commit takes longer than the webhook's 10 s: Telegram gets 503 and posts
    the update again; nothing reaches the dispatcher, so nothing runs on an unstored update."""
    store = SlowStore(seconds=COMMIT_DEADLINE + 50)
    dispatcher: ActorRef[Any] = ActorRef(Identity("dispatcher"), Mailbox("dispatcher", 10))
    doors = WebhookDoors(default_tenant="default", configured=frozenset({"default"}))
    doors.intakes["default"] = WebhookIntake(
        "default",
        SECRET,
        store,  # type: ignore[arg-type]  # only its inbox is used
        dispatcher,
        Backlog("default"),
        ready=True,
    )
    router = Router()
    add_webhook_routes(router, doors, max_body_bytes=1 << 20)
    found = router.match("POST", "/webhook/default")
    assert isinstance(found, RouteMatch)
    request = Request(
        method="POST",
        path="/webhook/default",
        params=found.params,
        headers=Headers([("X-Telegram-Bot-Api-Secret-Token", SECRET)]),
        body=start_update(7, 42, "Ann"),
        client=("149.154.167.220", 443),
    )
    with capture_logs() as logs, pytest.raises(HTTPError) as refused:
        await found.route.handler(request)
    assert refused.value.status == 503 and refused.value.headers == {"Retry-After": "1"}
    assert trio.current_time() == pytest.approx(COMMIT_DEADLINE)
    assert dispatcher.mailbox.depth == 0 and store.inbox.appended == []
    [failed] = named(logs, "webhook.commit_failed")
    assert failed["update_id"] == 7 and failed["log_level"] == "error"
    assert failed["error"] == f"no commit within {COMMIT_DEADLINE:g}s"
