"""Telegram misbehaving while the bot answers a user: the whole tree against the emulator.

Each test injects one fault and checks both sides of it — what the user sees in the chat, and
what the operator sees (the log event, the /metrics counter) — and that nothing crashed.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from structlog.testing import capture_logs

from trt_actors.emulators.telegram import FaultKind, TelegramEmulator
from trt_actors.telegram import http_bot_api
from trt_actors.testing.kit import running_bot

from .support import grew, named, scrape, until_grown, until_stored, wait_until

# (fault, its options, the outbound outcome it counts as, the event the operator reads)
REPLY_FAULTS: list[tuple[FaultKind, dict[str, Any], str, str]] = [
    (FaultKind.FLOOD, {"retry_after": 1}, "throttled", "outbound.throttled"),
    (FaultKind.SERVER_ERROR, {"status": 502}, "retried", "outbound.retrying"),
    (FaultKind.SERVER_ERROR, {"status": 420}, "retried", "outbound.retrying"),  # ok:false, odd
    (FaultKind.DROP, {}, "retried", "outbound.retrying"),  # the connection reset, no answer
    (FaultKind.MALFORMED, {}, "retried", "outbound.retrying"),  # 200 with an HTML page
    (FaultKind.HANG, {}, "retried", "outbound.retrying"),  # no answer within the read timeout
]


@pytest.mark.parametrize(
    ("kind", "options", "outcome", "event"),
    REPLY_FAULTS,
    ids=["429", "502", "ok-false-420", "connection-reset", "malformed-json", "timeout"],
)
async def test_a_reply_that_meets_a_passing_fault_still_reaches_the_user(
    telegram_emulator: TelegramEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    kind: FaultKind,
    options: dict[str, Any],
    outcome: str,
    event: str,
) -> None:
    monkeypatch.setattr(http_bot_api, "READ_TIMEOUT", 1.0)  # a hang ends in 1 s, not 10
    with capture_logs() as logs:
        async with running_bot(tmp_path, emulator=telegram_emulator) as bot:
            before = await scrape(bot)
            ann = bot.user("Ann", language_code="en")
            fault = telegram_emulator.faults.inject(kind, method="sendMessage", **options)
            began = trio.current_time()
            await ann.send("/start")
            menu = await ann.next_message(timeout=15)
            assert "Hi, Ann" in menu["text"]  # the user gets the menu, once
            waited = trio.current_time() - began
            sent = [c for c in telegram_emulator.calls if c.method == "sendMessage"]
            assert fault.hits == 1 and [c.status for c in sent if c.status] == [200]
            after = await scrape(bot)
            assert grew(before, after, "trt_outbound_calls_total", outcome=outcome) == 1
            assert grew(before, after, "trt_outbound_calls_total", outcome="failed") == 0
            await trio.sleep(0.3)
            assert len(ann.messages()) == 1
            assert bot.failures() == []
    assert [entry["method"] for entry in named(logs, event)] == ["sendMessage"]
    if kind is FaultKind.FLOOD:
        assert waited >= 1.0  # Telegram's retry_after, kept
        assert named(logs, event)[0]["log_level"] == "warning"


async def test_a_user_who_blocked_the_bot_is_marked_and_the_update_not_retried(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    async with running_bot(tmp_path, emulator=telegram_emulator) as bot:
        before = await scrape(bot)
        ann = bot.user("Ann", language_code="en")
        telegram_emulator.faults.inject(FaultKind.BLOCKED, method="sendMessage")
        await ann.send("/start")
        store = bot.tree.root.child("store")
        await until_stored(bot, lambda tx: tx.users.find(ann.id), lambda u: u and u.blocked_bot)
        after = await until_grown(bot, before, "trt_updates_processed_total", outcome="handled")
        assert grew(before, after, "trt_outbound_calls_total", outcome="blocked") == 1
        assert await store.read("default", lambda tx: tx.inbox.pending()) == []  # done, not retried
        sends = [c.status for c in telegram_emulator.calls if c.method == "sendMessage"]
        assert sends == [0]  # the one refused attempt (the fault), never tried again
        assert bot.failures() == []


async def test_an_edit_telegram_calls_not_modified_is_taken_as_done(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    async with running_bot(tmp_path, emulator=telegram_emulator) as bot:
        ann = bot.user("Ann", language_code="en")
        await ann.send("/start")
        await ann.next_message()
        await until_stored(bot, lambda tx: tx.inbox.pending(), lambda rows: rows == [])
        before = await scrape(bot)  # /start's count in it: the growth below is the press's
        telegram_emulator.faults.inject(
            FaultKind.BAD_REQUEST,
            method="editMessageText",
            description="message is not modified: specified new message content and reply "
            "markup are exactly the same as a current content and reply markup of the message",
        )
        pressed = await ann.press("Skip")
        assert (await ann.answer_to(pressed)) is not None  # the spinner stops
        after = await until_grown(bot, before, "trt_updates_processed_total", outcome="handled")
        assert grew(before, after, "trt_outbound_calls_total", outcome="failed") == 0
        assert grew(before, after, "trt_updates_processed_total", outcome="failed") == 0
        assert len(ann.messages()) == 1  # no apology, no second menu
        assert bot.failures() == []


async def test_an_edit_of_a_message_that_is_gone_is_sent_as_a_new_message(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    """Telegram refuses to edit the pressed message (deleted, or too old to edit): the user
    gets the screen they asked for as a new message, and the update counts as handled — no
    failure, no restart, no apology."""
    with capture_logs() as logs:
        async with running_bot(tmp_path, emulator=telegram_emulator) as bot:
            ann = bot.user("Ann", language_code="en")
            await ann.send("/start")
            welcome = await ann.next_message()
            # the reply goes out before /start's commit: once that is done, its count is in
            # `before`, so the growth awaited below is the press's own
            await until_stored(bot, lambda tx: tx.inbox.pending(), lambda rows: rows == [])
            before = await scrape(bot)
            telegram_emulator.faults.inject(
                FaultKind.BAD_REQUEST,
                method="editMessageText",
                description="message to edit not found",
                times=None,
            )
            await ann.press("Skip")
            screen = await ann.next_message(timeout=20)
            assert screen["message_id"] != welcome["message_id"]
            assert not screen["text"].startswith("Sorry")
            assert screen["reply_markup"]["inline_keyboard"]  # the screen, with its buttons
            after = await until_grown(bot, before, "trt_updates_processed_total", outcome="handled")
            assert grew(before, after, "trt_updates_processed_total", outcome="failed") == 0
            assert bot.failures() == []
            assert (
                await bot.tree.root.child("store").read("default", lambda tx: tx.inbox.pending())
                == []
            )
    assert named(logs, "session.edit_sent_as_new")
    assert named(logs, "session.update_failed") == []


async def test_a_second_poller_with_the_same_token_is_a_passing_conflict(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    """Another process polls with the bot's token (a second copy started by mistake): Telegram
    ends the bot's long poll with 409. The intake backs off and polls again; nothing is lost."""
    with capture_logs() as logs:
        async with running_bot(tmp_path, emulator=telegram_emulator) as bot:
            url = f"{telegram_emulator.base_url}/bot{telegram_emulator.config.token}/getUpdates"
            async with httpx.AsyncClient(timeout=5) as rogue:
                with trio.fail_after(10):
                    while not named(logs, "intake.poll_failed"):
                        assert (await rogue.post(url, json={"timeout": 0})).json()["ok"]
                        await trio.sleep(0.2)
            [failed] = named(logs, "intake.poll_failed")
            assert failed["error_type"] == "Conflict" and failed["log_level"] == "warning"
            ann = bot.user("Ann", language_code="en")
            await ann.send("/start")
            assert "Hi, Ann" in (await ann.next_message())["text"]
            assert bot.failures() == []
    assert telegram_emulator.drop_records == []  # never drop_pending_updates


class FlakyDns(trio.abc.HostnameResolver):
    """Resolves `name` to loopback, or fails as a resolver does while `down`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.down = True
        self.failures = 0

    async def getaddrinfo(  # noqa: PLR0917 — trio's resolver interface
        self,
        host: bytes | None,
        port: bytes | str | int | None,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> Any:
        wanted = host.decode() if isinstance(host, bytes) else host
        if wanted == self.name:
            if self.down:
                self.failures += 1
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            wanted = "127.0.0.1"
        return await trio.to_thread.run_sync(
            socket.getaddrinfo, wanted, port, family, type, proto, flags
        )

    async def getnameinfo(self, sockaddr: tuple[Any, ...], flags: int) -> tuple[str, str]:
        return await trio.to_thread.run_sync(socket.getnameinfo, sockaddr, flags)


async def test_telegram_unreachable_at_start_is_waited_for(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    """The Bot API's name does not resolve when the service starts (DNS down; a refused
    connection takes the same path): the intake backs off and polls again, the user's
    message waits at Telegram and is answered once it is reachable."""
    assert telegram_emulator.base_url is not None
    port = telegram_emulator.base_url.rsplit(":", 1)[1]
    dns = FlakyDns("api.telegram.test")
    previous = trio.socket.set_custom_hostname_resolver(dns)
    try:
        with capture_logs() as logs:
            async with running_bot(
                tmp_path,
                emulator=telegram_emulator,
                telegram_api_base_url=f"http://api.telegram.test:{port}",
            ) as bot:
                ann = bot.user("Ann", language_code="en")
                await ann.send("/start")
                await wait_until(lambda: len(named(logs, "intake.poll_failed")) >= 2)
                assert ann.messages() == []  # nothing can reach Telegram yet
                dns.down = False
                assert "Hi, Ann" in (await ann.next_message(timeout=15))["text"]
                assert bot.failures() == []
    finally:
        trio.socket.set_custom_hostname_resolver(previous)
    failed = named(logs, "intake.poll_failed")
    assert {entry["error_type"] for entry in failed} == {"TransientError"}
    delays = [entry["retry_in"] for entry in failed]
    assert delays[1] > delays[0]  # backing off, not a busy loop


async def test_a_webhook_body_that_is_not_an_update_is_refused_and_logged(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    """Not JSON, or JSON without an update id (a broken proxy, a scanner that has the
    secret): 400, one `webhook.malformed` event with the reason, nothing stored; the next
    real update is taken as usual."""
    secret = "webhook-secret-1"
    with capture_logs() as logs:
        async with running_bot(
            tmp_path, emulator=telegram_emulator, bot_mode="webhook", webhook_secret_token=secret
        ) as bot:
            url = f"http://127.0.0.1:{bot.port}/webhook/default"
            headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
            async with httpx.AsyncClient(timeout=10) as client:
                for body in (b"<html>oops</html>", b'{"message": {"text": "/start"}}'):
                    refused = await client.post(url, content=body, headers=headers)
                    assert refused.status_code == 400
                store = bot.tree.root.child("store")
                assert await store.read("default", lambda tx: tx.inbox.pending()) == []
                ann = {"id": 42, "is_bot": False, "first_name": "Ann"}
                chat = {"id": 42, "type": "private", "first_name": "Ann"}
                message = {"message_id": 1, "date": 1, "chat": chat, "from": ann, "text": "hi"}
                update = {"update_id": 900, "message": message}
                assert (await client.post(url, json=update, headers=headers)).status_code == 200
                assert bot.failures() == []
    malformed = named(logs, "webhook.malformed")
    assert len(malformed) == 2 and all(e["log_level"] == "warning" for e in malformed)
    assert all(e["reason"] for e in malformed)
