"""A crawler through the whole service against the Telegram emulator: from /start it presses
every button of every kind of screen it meets, breadth first, to depth 6 and beyond, and at
wizard steps also types a prompt and sends a photo.

Every press must be answered (answerCallbackQuery) and followed by a send or an edit in that
chat; every typed message gets a new message; the emulator finds no Bot API violation; no
actor crashes (which is what a traceback in a handler does). Each branch is replayed by a new
user from /start, so the screens are the ones real users get in that order.

Screens are grouped by the kinds of button they carry (their callback codes); every screen
of a group is pressed through, and a group is explored further at most `EXPLORE_PER_KIND`
times — so the crawl reaches the confirmation without walking the whole catalog (the pure
crawler in tests/domain walks it all).
"""

from __future__ import annotations

import struct
import zlib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trio

from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.telegram.pacing import Limits
from trt_actors.testing.kit import BotService, Conversation, running_bot

EXPLORE_PER_KIND = 2
MAX_DEPTH = 9
MAX_ACTIONS = 400
REPLY = ("sendMessage", "editMessageText")
PROMPT = "A red fox running through a snowy forest at sunrise"
FAST = Limits(global_rate=5000, global_burst=500, private_rate=5000, private_burst=500)

Step = tuple[str, str]  # ("press", callback data) | ("text", words) | ("photo", "")


def png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


PHOTO = png(1024, 1024)


@dataclass
class Node:
    path: list[Step]
    screen: dict[str, Any]
    owner: Conversation | None  # a user now at this screen, not yet used further

    @property
    def depth(self) -> int:
        return len(self.path)


@dataclass
class Crawl:
    service: BotService
    actions: int = 0
    deepest: int = 0
    codes: set[str] = field(default_factory=set)
    explored: dict[tuple[str, ...], int] = field(default_factory=dict)
    users: int = 0

    def new_user(self) -> Conversation:
        self.users += 1
        return self.service.user(f"Crawler{self.users}", language_code="en")

    async def act(self, user: Conversation, step: Step) -> dict[str, Any]:
        """Do one step as `user`; check the bot answered it; return the screen shown."""
        emulator = self.service.emulator
        mark = len(emulator.calls)
        kind, value = step
        if kind == "press":
            last = user.messages()[-1]
            query = await user.press(message=last, data=value)
            await user.answer_to(query)
        elif kind == "text":
            await user.send(value)
        else:
            emulator.ctl.send_photo(user.user, PHOTO, mime_type="image/png")
        record = await _reply_after(self.service, user.id, mark)
        if kind != "press":
            assert record.method == "sendMessage", (step, record)
        if record.method == "editMessageText":
            wanted = int(record.params["message_id"])
            return next(m for m in user.messages() if m["message_id"] == wanted)
        return user.messages()[-1]

    async def reach(self, node: Node) -> Conversation:
        """A user at `node`: its owner if unused, else a new one replaying the path."""
        if node.owner is not None:
            user, node.owner = node.owner, None
            return user
        user = self.new_user()
        await user.send("/start")
        await _reply_after(self.service, user.id, 0)
        for step in node.path:
            await self.act(user, step)
        return user


async def _reply_after(service: BotService, chat_id: int, mark: int) -> Any:
    """The first send or edit to `chat_id` among the emulator's calls from index `mark`."""
    calls = service.emulator.calls
    assert len(calls) < (calls.maxlen or 0), "the emulator's call record overflowed"
    with trio.fail_after(10):
        while True:
            for record in list(calls)[mark:]:
                if record.method in REPLY and str(record.params.get("chat_id")) == str(chat_id):
                    return record
            await trio.sleep(0.003)


def buttons(screen: dict[str, Any]) -> list[str]:
    rows = (screen.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


def code(data: str) -> str:
    parts = data.split("|")
    return parts[1] if len(parts) > 1 else data


def steps_of(screen: dict[str, Any]) -> list[Step]:
    steps: list[Step] = [("press", data) for data in buttons(screen)]
    if any(code(data) == "bk" for data in buttons(screen)):  # a wizard step: type, send
        steps += [("text", PROMPT), ("photo", "")]
    return steps


def kind_of(screen: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted({code(data) for data in buttons(screen)}))


async def crawl(service: BotService) -> Crawl:
    state = Crawl(service)
    first = state.new_user()
    await first.send("/start")
    await _reply_after(service, first.id, 0)
    queue = deque([Node([], first.messages()[-1], first)])
    while queue and state.actions < MAX_ACTIONS:
        node = queue.popleft()
        for step in steps_of(node.screen):
            if state.actions >= MAX_ACTIONS:
                break
            user = await state.reach(node)
            screen = await state.act(user, step)
            state.actions += 1
            if step[0] == "press":
                state.codes.add(code(step[1]))
            child = Node([*node.path, step], screen, user)
            state.deepest = max(state.deepest, child.depth)
            kind = kind_of(screen)
            if step[1].startswith("v1|ok|") or child.depth >= MAX_DEPTH:
                continue  # a started generation goes on by itself: not a place to explore
            if state.explored.get(kind, 0) < EXPLORE_PER_KIND:
                state.explored[kind] = state.explored.get(kind, 0) + 1
                queue.append(child)
    return state


async def test_every_button_of_every_kind_of_screen_is_answered(tmp_path: Path) -> None:
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())
    async with open_telegram_emulator(config) as emulator:
        async with running_bot(tmp_path, emulator=emulator, limits=FAST) as service:
            result = await crawl(service)
            assert service.failures() == []
            assert emulator.ctl.unanswered_callbacks() == []
        emulator.assert_no_violations()
    assert result.deepest >= 6
    assert result.actions >= 100
    # the menus, lists, cards, every kind of wizard step, the settings and the confirmation
    wanted = {"ts", "l", "c", "go", "in", "nx", "ok", "ed", "bk", "rs", "cx", "en", "sk", "sl", "h"}
    assert wanted <= result.codes, wanted - result.codes
