"""A test kit for people who extend the bot: run it in-process against the emulator and talk
to it as users.

    async def test_start(bot_service):                     # the pytest fixture
        ann = bot_service.user("Ann", language_code="en")
        await ann.send("/start")
        menu = await ann.next_message()
        assert "Hi, Ann" in menu["text"]
        await ann.press("🎨 Create")                         # a button of the last message
        assert "opens soon" in (await ann.next_edit())["text"]

`BotService` runs the whole supervision tree (`trt_actors/app/tree.py`) in the test's
trio loop on a fresh SQLite file, with the Telegram emulator as its Bot API. Real sockets and
threads are used, so do not combine it with trio's MockClock.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import trio

from trt_actors.app.tree import HTTP, OPS, Tree
from trt_actors.domain.effects import Handler
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.emulators.kie import KieEmulator, open_kie_emulator
from trt_actors.emulators.telegram import (
    Control,
    EmulatorConfig,
    TelegramEmulator,
    open_telegram_emulator,
)
from trt_actors.observability.events import EventKind, LifecycleEvent, current_bus
from trt_actors.operations import PERFORMERS, Performers
from trt_actors.settings import Settings
from trt_actors.telegram.pacing import Limits

REPLY_TIMEOUT = 10.0
EVENT_BUFFER = 4096


class Conversation:
    """One emulated Telegram user talking to the bot in a private chat."""

    def __init__(
        self, emulator: TelegramEmulator, user: Any, control: Control | None = None
    ) -> None:
        self.emulator = emulator
        self.user = user
        self.ctl = control or emulator.ctl  # the bot this user talks to
        self._last: dict[str, Any] | None = None
        self._versions: dict[int, str] = {}

    @property
    def id(self) -> int:
        return int(self.user.id)

    async def send(self, text: str) -> None:
        """Send a text; a leading "/" makes it a command (with its entity)."""
        if text.startswith("/"):
            command, _, argument = text[1:].partition(" ")
            self.ctl.send_command(self.user, command, argument)
        else:
            self.ctl.send_text(self.user, text)
        await trio.lowlevel.checkpoint()

    async def next_message(self, timeout: float = REPLY_TIMEOUT) -> dict[str, Any]:
        """The bot's next new message in this chat."""
        message = await self.ctl.next_bot_message(self.user, timeout=timeout)
        self._last = message
        return message

    async def press(
        self,
        label: str | None = None,
        message: Mapping[str, Any] | None = None,
        *,
        data: str | None = None,
    ) -> str:
        """Press the inline button with this label (or this callback data) on `message`
        (default: the last one); returns the callback query id."""
        target = message or self._last
        if target is None:
            raise AssertionError("no bot message to press a button on")
        self._versions[int(target["message_id"])] = str(target.get("text", ""))
        query_id = self.ctl.press_button(
            self.user, int(target["message_id"]), label=label, callback_data=data
        )
        await trio.lowlevel.checkpoint()
        return str(query_id)

    async def press_data(self, data: str, message: Mapping[str, Any] | None = None) -> str:
        """Press the inline button whose callback_data is `data` on `message` (default: the
        last one) — for buttons whose labels change (prices, counts)."""
        target = message or self._last
        if target is None:
            raise AssertionError("no bot message to press a button on")
        self._last = dict(target)
        return await self.press(message=target, data=data)

    async def answer_to(self, query_id: str, timeout: float = REPLY_TIMEOUT) -> dict[str, Any]:
        """The bot's answerCallbackQuery for a press, once it came."""
        with trio.fail_after(timeout):
            # The emulator records the answer without signalling it: look every 2 ms.
            while (answer := self.ctl.callback_answer(query_id)) is None:  # noqa: ASYNC110
                await trio.sleep(0.002)
        return answer

    async def next_edit(self, timeout: float = REPLY_TIMEOUT) -> dict[str, Any]:
        """The last message, once the bot has edited it."""
        assert self._last is not None, "no bot message to wait for an edit of"
        message_id = int(self._last["message_id"])
        before = self._versions.get(message_id, self._last.get("text"))

        def edited(message: dict[str, Any]) -> bool:
            return bool(message["message_id"] == message_id and message.get("text") != before)

        self._last = await self.ctl.wait_for(self.user, edited, timeout=timeout)
        self._versions[message_id] = str(self._last.get("text", ""))  # the next edit is after this
        return self._last

    def messages(self) -> list[dict[str, Any]]:
        """Everything the bot sent to this user, current versions, oldest first."""
        return list(self.ctl.bot_messages(self.user))


class BotService:
    """The bot's whole tree running in-process against the emulator."""

    def __init__(
        self,
        tree: Tree,
        emulator: TelegramEmulator,
        kie: KieEmulator,
        events: list[LifecycleEvent] | None = None,
    ) -> None:
        self.tree = tree
        self.emulator = emulator
        self.kie = kie
        self.events = events if events is not None else []  # every lifecycle event since start

    def failures(self) -> list[LifecycleEvent]:
        """Children that crashed or were given up on since the service started (a handler
        that raised crashes its session actor): a healthy run has none."""
        return [e for e in self.events if e.kind in (EventKind.CRASHED, EventKind.GAVE_UP)]

    @property
    def settings(self) -> Settings:
        return self.tree.settings

    def user(
        self, first_name: str = "Test", *, bot: str | None = None, **profile: Any
    ) -> Conversation:
        """A new user talking to the bot with token `bot` (default: the emulator's first)."""
        control = self.emulator.control(bot)
        return Conversation(self.emulator, control.user(first_name, **profile), control)

    def same_user(self, other: Conversation, *, bot: str | None = None) -> Conversation:
        """The user of `other`, talking to another bot (with token `bot`)."""
        return Conversation(self.emulator, other.user, self.emulator.control(bot))

    @property
    def port(self) -> int:
        return self.tree.root.running(HTTP).port

    @property
    def ops_port(self) -> int:
        return self.tree.root.running(OPS)


def service_settings(emulator_url: str, token: str, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test service: the emulator's Bot API, SQLite in `data_dir`, a free port."""
    values: dict[str, Any] = {
        "telegram_bot_token": token,
        "telegram_api_base_url": emulator_url,
        "database_url": f"sqlite:///{data_dir / 'trt.db'}",
        "host": "127.0.0.1",
        "port": 0,
        "ops_port": 0,
        "log_format": "json",
        # tests drive one user as fast as a script can: the flood limit is tested on its own
        # (tests/actors/test_flood_limit.py) and set by the tests that want it
        "user_updates_per_second": 0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@asynccontextmanager
async def running_bot(
    data_dir: Path,
    *,
    emulator: TelegramEmulator | None = None,
    handler: Handler | None = None,
    limits: Limits | None = None,
    terms: TenantSettings | None = None,
    performers: Performers = PERFORMERS,
    **settings: Any,
) -> AsyncIterator[BotService]:
    """Start the emulators (the Telegram one unless given, and a KIE one) and the tree; stop
    all of them at exit, gracefully. `terms` replaces the tenant's business terms (admins,
    Stars rate, bank requisites, bonuses, ...); `handler` and `performers` replace the bot's
    areas (a test's own)."""
    async with _emulator(emulator) as emu, open_kie_emulator() as kie:
        assert emu.base_url is not None, "the emulator is not serving"
        settings = {
            "kie_api_key": kie.api_key,
            "kie_api_base_url": kie.base_url,
            "kie_upload_base_url": kie.upload_base_url,
            **settings,
        }
        tree = Tree(
            service_settings(emu.base_url, emu.config.token, data_dir, **settings),
            handler,
            limits,
            performers,
        )
        if terms is not None:
            tree.tenants = [replace(tenant, settings=terms) for tenant in tree.tenants]
            for tenant in tree.tenants:
                live = tree.terms[tenant.tenant_id]
                live.configured = terms
                live.apply(live.overrides)
        events: list[LifecycleEvent] = []
        with current_bus.get().subscribe(EVENT_BUFFER) as subscriber:
            async with trio.open_nursery() as collecting:
                collecting.start_soon(_collect, subscriber.receive, events)
                async with trio.open_nursery() as nursery:
                    await nursery.start(tree.root.run)
                    try:
                        yield BotService(tree, emu, kie, events)
                    finally:
                        tree.root.request_stop()
                collecting.cancel_scope.cancel()


async def _collect(
    receive: Callable[[], Awaitable[LifecycleEvent]], events: list[LifecycleEvent]
) -> None:
    while True:
        events.append(await receive())


@asynccontextmanager
async def _emulator(given: TelegramEmulator | None) -> AsyncIterator[TelegramEmulator]:
    if given is not None:
        yield given
        return
    async with open_telegram_emulator(EmulatorConfig()) as emu:
        yield emu


def clean_environment() -> None:
    """Drop settings variables inherited from the shell, so tests see only their own."""
    for name in Settings.model_fields:
        os.environ.pop(name.upper(), None)
