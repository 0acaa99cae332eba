"""Watching one chat: what changed since the last look (new, edited, deleted messages).

    watch = ChatWatch(emu.bot(), user.id)
    while True:
        for change in await watch.next_changes():       # the whole chat first, then changes
            show(change.kind, change.message.data)

A `ChatWatch` remembers, per message id, which version of each message it has reported, so
it never reports the same version twice and never misses the last one (an invoice that was
paid counts as edited: its Pay button became a receipt). It wakes on the
chat's change signal (a bot message sent or edited) and re-checks every `recheck` seconds
for what sends no signal: the chat appearing (a user's first message), users' messages and
deletions. It only reads the emulator's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import trio

from trt_actors.emulators.telegram._store import BotState, Chat, StoredMessage

#: How often a watch looks again without a signal (seconds).
RECHECK_EVERY = 0.25


class ChangeKind(StrEnum):
    """What happened to a message since the watch last reported it."""

    NEW = "new"
    EDITED = "edited"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class ChatChange:
    """One message that is new, edited or deleted; `message` is its current state."""

    kind: ChangeKind
    message: StoredMessage


class ChatWatch:
    """The changes of the chat `chat_id` of one bot, as seen by one reader.

    The chat need not exist yet: it is looked up on every check. Messages deleted before
    the watch first saw them are never reported.
    """

    def __init__(self, bot: BotState, chat_id: int, *, recheck: float = RECHECK_EVERY) -> None:
        self.bot = bot
        self.chat_id = chat_id
        self.recheck = recheck
        self._seen: dict[int, tuple[int, bool, bool]] = {}  # id -> (edits, deleted, paid)

    def poll(self) -> list[ChatChange]:
        """Every change since the last call (the first call reports the whole chat), oldest
        message first. Never blocks, never raises."""
        chat = self.bot.chat(self.chat_id)
        if chat is None:
            return []
        changes = []
        for message_id, stored in chat.messages.items():
            kind = self._diff(message_id, stored)
            if kind is not None:
                changes.append(ChatChange(kind, stored))
        return changes

    def _diff(self, message_id: int, stored: StoredMessage) -> ChangeKind | None:
        now = (len(stored.history), stored.deleted, stored.receipt is not None)
        before = self._seen.get(message_id)
        if before == now:
            return None
        self._seen[message_id] = now
        if before is None:
            return None if stored.deleted else ChangeKind.NEW
        if stored.deleted:
            return None if before[1] else ChangeKind.DELETED
        return ChangeKind.EDITED

    async def next_changes(self) -> list[ChatChange]:
        """Wait for at least one change and return all of them (see `poll`).

        Waits as long as nothing changes: put a deadline around it if you need one.
        """
        while True:
            changes = self.poll()
            if changes:
                return changes
            chat: Chat | None = self.bot.chat(self.chat_id)
            with trio.move_on_after(self.recheck):
                if chat is not None:
                    await chat.changed.wait()  # no checkpoint since poll(): no lost wake-up
                else:
                    await trio.sleep_forever()
