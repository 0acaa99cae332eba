"""The control interface: act as Telegram users towards one bot, and read what it sent.

Every action creates what Telegram would create: messages stored in the chat, and an update
queued for the bot (delivered by getUpdates or the webhook). Actions on things that do not
exist (no such message, no such button) raise `ControlError`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import trio

from trt_actors.emulators.telegram._config import NEXT_MESSAGE_TIMEOUT, EmulatorConfig
from trt_actors.emulators.telegram._errors import ControlError
from trt_actors.emulators.telegram._store import (
    BotState,
    CallbackRecord,
    Charge,
    Chat,
    PreCheckoutRecord,
    StoredMessage,
    User,
    World,
)

ChatRef = Chat | User | int
MAX_OPENED_CHATS = 100_000  # users `open_chats` makes in one call


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """How a payment went: "paid", "declined" (ok=false), "timeout" (no answer in time), or
    "already_paid" (the invoice was paid before: Telegram shows its receipt instead of the
    Pay button, so nothing is asked or charged; `charge_id` is the first payment's)."""

    status: str
    pre_checkout_query_id: str
    charge_id: str | None = None
    error_message: str | None = None
    message: dict[str, Any] | None = None


class Control:
    """Drives one bot's world. Get one from `TelegramEmulator.control(token)`."""

    def __init__(self, world: World, bot: BotState, config: EmulatorConfig) -> None:
        self.world = world
        self.bot = bot
        self.config = config

    # people and chats

    def user(
        self,
        first_name: str = "Test",
        *,
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
    ) -> User:
        """Create a user (not yet in any chat with the bot)."""
        return self.world.new_user(
            first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            user_id=user_id,
        )

    def open_chats(self, count: int, *, first_name: str = "User") -> list[User]:
        """`count` new users who each opened a private chat with the bot (so the bot may
        write to them), without queueing any update: load tests post their own."""
        if not 0 < count <= MAX_OPENED_CHATS:
            raise ControlError(f"count must be from 1 to {MAX_OPENED_CHATS}")
        users = [self.user(f"{first_name}{i}") for i in range(count)]
        for user in users:
            self.bot.private_chat(user)
        return users

    def group(self, title: str, members: list[User], *, supergroup: bool = True) -> Chat:
        """Create a group chat with the bot and `members`."""
        chat_id = self.world.new_group_id()
        chat = Chat(
            id=chat_id,
            type="supergroup" if supergroup else "group",
            title=title,
            member_ids={m.id for m in members},
        )
        self.bot.chats[chat_id] = chat
        return chat

    def chat(self, ref: ChatRef) -> Chat:
        """The chat `ref` names (a Chat, a User's private chat, or an id)."""
        if isinstance(ref, Chat):
            return ref
        chat_id = ref.id if isinstance(ref, User) else ref
        chat = self.bot.chat(chat_id)
        if chat is None:
            raise ControlError(f"no chat {chat_id} with this bot")
        return chat

    # acting as users

    def _user(self, ref: User | int) -> User:
        user = self.world.users.get(ref.id if isinstance(ref, User) else ref)
        if user is None:
            raise ControlError(f"unknown user {ref}")
        return user

    def _post(
        self, user: User | int, content: dict[str, Any], chat: ChatRef | None
    ) -> dict[str, Any]:
        sender = self._user(user)
        target = self.chat(chat) if chat is not None else self.bot.private_chat(sender)
        stored = self.bot.add_message(target, sender, content)
        self.bot.updates.push("message", stored.data)
        return stored.data

    def send_text(
        self,
        user: User | int,
        text: str,
        *,
        chat: ChatRef | None = None,
        entities: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The user sends `text`; returns the message."""
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        return self._post(user, content, chat)

    def send_command(
        self, user: User | int, command: str, args: str = "", *, chat: ChatRef | None = None
    ) -> dict[str, Any]:
        """The user sends `/command args` with a bot_command entity (e.g. /start ref_1)."""
        name = command.removeprefix("/")
        text = f"/{name} {args}".rstrip()
        entity = {"type": "bot_command", "offset": 0, "length": len(name) + 1}
        return self.send_text(user, text, chat=chat, entities=[entity])

    def send_photo(
        self,
        user: User | int,
        data: bytes,
        *,
        caption: str | None = None,
        chat: ChatRef | None = None,
        mime_type: str = "image/jpeg",
        declared_size: int | Literal["actual"] | None = "actual",
    ) -> dict[str, Any]:
        """The user sends a photo; its bytes become a file the bot can getFile.
        `declared_size` is the file_size the update and getFile say (None: none)."""
        stored = self.bot.files.add("photo", data=data, mime_type=mime_type, declared=declared_size)
        content: dict[str, Any] = {"photo": [stored.media_json()]}
        if caption is not None:
            content["caption"] = caption
        return self._post(user, content, chat)

    def send_document(
        self,
        user: User | int,
        data: bytes,
        *,
        file_name: str = "file.bin",
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        chat: ChatRef | None = None,
        declared_size: int | Literal["actual"] | None = "actual",
    ) -> dict[str, Any]:
        """The user sends a file as a document (`declared_size`: as for `send_photo`)."""
        stored = self.bot.files.add(
            "document",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
            declared=declared_size,
        )
        content: dict[str, Any] = {"document": stored.media_json()}
        if caption is not None:
            content["caption"] = caption
        return self._post(user, content, chat)

    def press_button(
        self,
        user: User | int,
        message_id: int,
        *,
        callback_data: str | None = None,
        label: str | None = None,
        chat: ChatRef | None = None,
    ) -> str:
        """The user presses an inline button (by callback_data or by label) on a bot message.

        Returns the callback query id; raises ControlError when the message has no such button.
        """
        sender = self._user(user)
        target = self.chat(chat if chat is not None else sender)
        stored = self._bot_message(target, message_id)
        data = _find_button_data(stored, callback_data, label)
        return self._push_callback(sender, target, stored, data)

    def forge_callback(self, user: User | int, message_id: int, data: str) -> str:
        """A press carrying `data` that no button of the message has (a forged, stale or
        hand-made callback, as a modified client can send); returns the callback query id."""
        sender = self._user(user)
        target = self.chat(sender)
        return self._push_callback(sender, target, self._bot_message(target, message_id), data)

    def _push_callback(self, sender: User, target: Any, stored: StoredMessage, data: str) -> str:
        message_id = stored.message_id
        query_id = f"{self.bot.user.id}{self.bot.next_id():012d}"
        self.bot.callbacks[query_id] = CallbackRecord(
            query_id, sender.id, target.id, message_id, data
        )
        instance = hashlib.sha1(f"{self.bot.user.id}:{target.id}".encode()).hexdigest()
        payload = {
            "id": query_id,
            "from": sender.to_json(),
            "message": dict(stored.data),
            "chat_instance": str(int(instance[:15], 16)),
            "data": data,
        }
        self.bot.updates.push("callback_query", payload)
        return query_id

    async def pay_invoice(
        self,
        user: User | int,
        message_id: int,
        *,
        chat: ChatRef | None = None,
        timeout: float | None = None,
        payload: str | None = None,
    ) -> PaymentResult:
        """The user pays the invoice in message `message_id`: a pre_checkout_query goes to the
        bot; if it answers ok within `timeout` (default: config.pre_checkout_timeout), a
        message with successful_payment follows and the charge becomes refundable. An
        invoice is paid once: paying it again is "already_paid", with no query sent.

        `payload` replaces the invoice's payload on the way (a tampered client)."""
        sender = self._user(user)
        target = self.chat(chat if chat is not None else sender)
        invoice = self._bot_message(target, message_id)
        if "invoice" not in invoice.data:
            raise ControlError(f"message {message_id} is not an invoice")
        if invoice.receipt is not None:
            return _already_paid(invoice.receipt)
        details = invoice.data["invoice"]
        query_id = f"{self.bot.user.id}{self.bot.next_id():012d}"
        record = PreCheckoutRecord(query_id, sender.id, target.id, message_id)
        self.bot.pre_checkouts[query_id] = record
        self.bot.updates.push(
            "pre_checkout_query",
            {
                "id": query_id,
                "from": sender.to_json(),
                "currency": details["currency"],
                "total_amount": details["total_amount"],
                "invoice_payload": invoice.args.get("payload", "") if payload is None else payload,
            },
        )
        with trio.move_on_after(timeout or self.config.pre_checkout_timeout):
            while record.answer is None:
                await record.answered.wait()
        if record.answer is None:
            record.expired = True
            return PaymentResult("timeout", query_id)
        if not record.answer.get("ok"):
            return PaymentResult(
                "declined", query_id, error_message=record.answer.get("error_message")
            )
        if invoice.receipt is not None:  # paid meanwhile, by a press that came first
            return _already_paid(invoice.receipt)
        return self._complete_payment(sender, target, invoice, query_id)

    def _complete_payment(
        self, sender: User, chat: Chat, invoice: StoredMessage, query_id: str
    ) -> PaymentResult:
        details = invoice.data["invoice"]
        charge_id = f"stxEmu{self.bot.user.id}x{self.bot.next_id():010d}"
        payload = invoice.args.get("payload", "")
        self.bot.charges[charge_id] = Charge(
            charge_id, sender.id, details["currency"], details["total_amount"], payload
        )
        paid = {
            "currency": details["currency"],
            "total_amount": details["total_amount"],
            "invoice_payload": payload,
            "telegram_payment_charge_id": charge_id,
            "provider_payment_charge_id": "",
        }
        invoice.receipt = charge_id
        message = self._post(sender, {"successful_payment": paid}, chat)
        return PaymentResult("paid", query_id, charge_id=charge_id, message=message)

    def redeliver(self, message: dict[str, Any]) -> None:
        """Deliver a message the bot already received once more, as a new update (Telegram
        repeating an update, e.g. a successful_payment)."""
        self.bot.updates.push("message", dict(message))

    def refund_by_telegram(self, charge_id: str) -> None:
        """Telegram refunds a Stars charge on its own (a dispute): the payer's chat gets a
        refunded_payment message, as after refundStarPayment."""
        charge = self.bot.charges.get(charge_id)
        if charge is None or charge.refunded:
            raise ControlError(f"no refundable charge {charge_id}")
        charge.refunded = True
        refund = {
            "currency": charge.currency,
            "total_amount": charge.total_amount,
            "invoice_payload": charge.payload,
            "telegram_payment_charge_id": charge.charge_id,
        }
        self._post(charge.user_id, {"refunded_payment": refund}, None)

    def block_bot(self, user: User | int) -> None:
        """The user blocks the bot: a my_chat_member update (member → kicked); sends fail 403."""
        self._member_change(self._user(user), blocked=True)

    def unblock_bot(self, user: User | int) -> None:
        """The user unblocks the bot (kicked → member)."""
        self._member_change(self._user(user), blocked=False)

    def _member_change(self, user: User, *, blocked: bool) -> None:
        chat = self.bot.private_chat(user)
        chat.blocked = blocked
        bot_user = self.bot.user.to_json()
        member = {"user": bot_user, "status": "member"}
        kicked = {"user": bot_user, "status": "kicked", "until_date": 0}
        old, new = (member, kicked) if blocked else (kicked, member)
        payload = {
            "chat": chat.to_json(),
            "from": user.to_json(),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        self.bot.updates.push("my_chat_member", payload)

    # reading what the bot did

    def _bot_message(self, chat: Chat, message_id: int) -> StoredMessage:
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted or not stored.from_bot:
            raise ControlError(f"no bot message {message_id} in chat {chat.id}")
        return stored

    def messages(self, chat: ChatRef, *, include_deleted: bool = False) -> list[StoredMessage]:
        """Every message in the chat (both sides), oldest first."""
        found = self.chat(chat).messages.values()
        return [m for m in found if include_deleted or not m.deleted]

    def bot_messages(self, chat: ChatRef) -> list[dict[str, Any]]:
        """What the bot sent to the chat (current versions, edits applied), oldest first."""
        return [m.data for m in self.messages(chat) if m.from_bot]

    async def next_bot_message(
        self, chat: ChatRef, *, timeout: float = NEXT_MESSAGE_TIMEOUT
    ) -> dict[str, Any]:
        """The next bot message in the chat not yet returned by this method, waiting for it
        up to `timeout` seconds (raises trio.TooSlowError)."""
        target = self.chat(chat)
        with trio.fail_after(timeout):
            while target.read_cursor >= len(target.bot_message_ids):
                await target.changed.wait()
        message_id = target.bot_message_ids[target.read_cursor]
        target.read_cursor += 1
        return target.messages[message_id].data

    async def wait_for(
        self,
        chat: ChatRef,
        predicate: Callable[[dict[str, Any]], bool],
        *,
        timeout: float = NEXT_MESSAGE_TIMEOUT,
    ) -> dict[str, Any]:
        """The first bot message (current version, edits included) matching `predicate`,
        waiting up to `timeout` seconds (raises trio.TooSlowError)."""
        target = self.chat(chat)
        with trio.fail_after(timeout):
            while True:
                for message in self.bot_messages(target):
                    if predicate(message):
                        return message
                await target.changed.wait()

    def callback_answer(self, callback_query_id: str) -> dict[str, Any] | None:
        """The bot's answerCallbackQuery arguments for that query, or None if unanswered."""
        record = self.bot.callbacks.get(callback_query_id)
        if record is None:
            raise ControlError(f"unknown callback query {callback_query_id}")
        return record.answer

    def unanswered_callbacks(self) -> list[CallbackRecord]:
        """Callback queries the bot never answered (every one should be)."""
        return [r for r in self.bot.callbacks.values() if r.answer is None]

    def chat_actions(self, chat: ChatRef) -> list[str]:
        """Chat actions (typing, upload_photo, ...) the bot sent, in order."""
        return list(self.chat(chat).actions)

    def downloads(self) -> list[tuple[str, int]]:
        """Every file the bot downloaded (`/file/bot<token>/<path>`): its path and the bytes
        served, in order."""
        return list(self.bot.files.downloads)

    def file_bytes(self, file_id: str) -> bytes | None:
        """The bytes of a file the bot uploaded (None for URL-only files)."""
        stored = self.bot.files.get(file_id)
        if stored is None:
            raise ControlError(f"unknown file {file_id}")
        return stored.data


def _already_paid(charge_id: str) -> PaymentResult:
    return PaymentResult(
        "already_paid", "", charge_id=charge_id, error_message="this invoice is paid already"
    )


def _find_button_data(stored: StoredMessage, callback_data: str | None, label: str | None) -> str:
    markup = stored.data.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is None:
                continue
            if (callback_data is not None and data == callback_data) or (
                label is not None and button.get("text") == label
            ):
                return str(data)
    wanted = callback_data if callback_data is not None else f"label {label!r}"
    raise ControlError(f"message {stored.message_id} has no callback button {wanted}")
