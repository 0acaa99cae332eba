"""The emulator's state: users, chats, messages, and each bot's own records.

All state is plain in-memory data owned by one `World`; methods and the control interface
mutate it from trio tasks of one thread, so no locks are needed. Message ids increase per
chat and are shared by the user's and the bot's messages, as in Telegram.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from trt_actors.emulators.telegram._files import FileStore
from trt_actors.emulators.telegram._limits import RateLimiter, RateLimits
from trt_actors.emulators.telegram._signal import Signal
from trt_actors.emulators.telegram._updates import UpdateQueue

FIRST_USER_ID = 1_000_001
FIRST_GROUP_ID = -1_001_000_000_001


@dataclass(slots=True)
class User:
    """A Telegram user (or the bot itself)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(slots=True)
class StoredMessage:
    """One message as Telegram would return it (`data`), plus what the emulator knows."""

    chat_id: int
    message_id: int
    from_bot: bool
    data: dict[str, Any]
    method: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    deleted: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)
    receipt: str | None = None  # an invoice once paid: the charge id (it is paid only once)


@dataclass(slots=True)
class Chat:
    """A chat of one bot: private (id = the user's id) or a group (negative id)."""

    id: int
    type: str
    user: User | None = None
    title: str | None = None
    member_ids: set[int] = field(default_factory=set)
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    bot_message_ids: list[int] = field(default_factory=list)
    read_cursor: int = 0
    actions: list[str] = field(default_factory=list)
    changed: Signal = field(default_factory=Signal)

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        if self.title is not None:
            data["title"] = self.title
        return data


@dataclass(slots=True)
class CallbackRecord:
    """A callback query the emulator sent, and the bot's answer (if any)."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answer: dict[str, Any] | None = None


@dataclass(slots=True)
class PreCheckoutRecord:
    """A pre-checkout query waiting for answerPreCheckoutQuery."""

    id: str
    user_id: int
    chat_id: int
    invoice_message_id: int
    answer: dict[str, Any] | None = None
    expired: bool = False
    answered: Signal = field(default_factory=Signal)


@dataclass(slots=True)
class Charge:
    """A successful Stars payment, refundable once."""

    charge_id: str
    user_id: int
    currency: str
    total_amount: int
    payload: str
    refunded: bool = False


@dataclass(slots=True)
class WebhookState:
    """The registered webhook and its delivery status (for getWebhookInfo)."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None
    deliveries: int = 0


@dataclass(frozen=True, slots=True)
class DropRecord:
    """One use of drop_pending_updates=true (tests assert there is none)."""

    method: str
    dropped: int
    at: float


class BotState:
    """Everything one bot token owns in the emulator."""

    def __init__(
        self,
        token: str,
        user: User,
        *,
        first_update_id: int,
        limits: RateLimits,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.token = token
        self.user = user
        self.chats: dict[int, Chat] = {}
        self.updates = UpdateQueue(first_update_id)
        self.webhook: WebhookState | None = None
        self.webhook_changed = Signal()
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.callbacks: dict[str, CallbackRecord] = {}
        self.pre_checkouts: dict[str, PreCheckoutRecord] = {}
        self.charges: dict[str, Charge] = {}
        self.files = FileStore(user.id)
        self.limiter = RateLimiter(limits, clock)
        self.drop_records: list[DropRecord] = []
        self.poll_generation = 0
        self.revoked = False  # every call answers 401 (`TelegramEmulator.revoke_token`)
        self._counter = 0

    def next_id(self) -> int:
        """A number unique within this bot (for query and charge ids)."""
        self._counter += 1
        return self._counter

    def chat(self, chat_id: int) -> Chat | None:
        return self.chats.get(chat_id)

    def private_chat(self, user: User) -> Chat:
        """The private chat with `user`, created on first use."""
        chat = self.chats.get(user.id)
        if chat is None:
            chat = Chat(id=user.id, type="private", user=user, member_ids={user.id})
            self.chats[user.id] = chat
        return chat

    def add_message(
        self,
        chat: Chat,
        sender: User,
        content: dict[str, Any],
        *,
        method: str | None = None,
        args: dict[str, Any] | None = None,
    ) -> StoredMessage:
        """Store a new message in `chat` from `sender` and return it.

        `method` and `args` record the Bot API call that sent it (bot messages only).
        """
        message_id = chat.next_message_id
        chat.next_message_id += 1
        data: dict[str, Any] = {
            "message_id": message_id,
            "from": sender.to_json(),
            "chat": chat.to_json(),
            "date": int(time.time()),
        }
        data.update(content)
        stored = StoredMessage(chat.id, message_id, sender.is_bot, data, method, dict(args or {}))
        chat.messages[message_id] = stored
        if sender.is_bot:
            chat.bot_message_ids.append(message_id)
            chat.changed.notify()
        return stored


class World:
    """Users shared by every bot, and the bots by token."""

    def __init__(self) -> None:
        self.users: dict[int, User] = {}
        self.bots: dict[str, BotState] = {}
        self._next_user_id = FIRST_USER_ID
        self._next_group_id = FIRST_GROUP_ID

    def new_user(
        self,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
    ) -> User:
        """Create (or replace) a user; ids are allocated when not given."""
        if user_id is None:
            user_id = self._next_user_id
            self._next_user_id += 1
        user = User(user_id, first_name, last_name, username, language_code)
        self.users[user_id] = user
        return user

    def new_group_id(self) -> int:
        group_id = self._next_group_id
        self._next_group_id -= 1
        return group_id
