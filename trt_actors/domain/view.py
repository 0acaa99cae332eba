"""A screen (text and inline buttons) and the Bot API calls that show it.

Every text is cut to Telegram's limits here, once: 4096 characters for a message, 1024 for a
caption, 200 for a callback answer — counted in UTF-16 code units, as Telegram counts them.
Messages are plain text (no parse mode), so user input can never break the markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .effects import BotCall

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
TOAST_LIMIT = 200
LABEL_LIMIT = 60  # button labels: no documented limit, but long ones are cut by clients
ELLIPSIS = "…"


def utf16_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji may count two)."""
    return len(text.encode("utf-16-le")) // 2


def fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-16 units, marked with an ellipsis when cut."""
    if utf16_length(text) <= limit:
        return text
    kept: list[str] = []
    used = utf16_length(ELLIPSIS)
    for char in text:
        size = utf16_length(char)
        if used + size > limit:
            break
        kept.append(char)
        used += size
    return "".join(kept).rstrip() + ELLIPSIS


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: its label and its callback data (see `callbacks.encode`) — or, with
    `url`, a link the client opens (a support chat, the share sheet); then `data` is empty."""

    label: str
    data: str
    url: str = ""


def link_button(label: str, url: str) -> Button:
    return Button(label, "", url)


Rows = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True, slots=True)
class Screen:
    """What the user sees: a text and rows of buttons."""

    text: str
    rows: Rows = ()

    def with_note(self, note: str | None) -> Screen:
        """The same screen with a short note above the text."""
        return self if not note else Screen(f"{note}\n\n{self.text}", self.rows)

    def buttons(self) -> list[Button]:
        return [button for row in self.rows for button in row]


def grid(buttons: Iterable[Button], columns: int) -> Rows:
    """`buttons` laid out `columns` per row."""
    items = list(buttons)
    return tuple(tuple(items[i : i + columns]) for i in range(0, len(items), columns))


def stack(*groups: Sequence[Sequence[Button]] | Rows) -> Rows:
    """Rows of several groups, in order, empty rows dropped."""
    return tuple(tuple(row) for group in groups for row in group if row)


def markup(screen: Screen) -> dict[str, Any]:
    rows = [[_button(button) for button in row] for row in screen.rows]
    return {"inline_keyboard": rows}


def _button(button: Button) -> dict[str, str]:
    label = fit(button.label, LABEL_LIMIT)
    if button.url:
        return {"text": label, "url": button.url}
    return {"text": label, "callback_data": button.data}


def send(chat_id: int, screen: Screen) -> BotCall:
    """A new message showing `screen`."""
    params: dict[str, Any] = {"chat_id": chat_id, "text": fit(screen.text, TEXT_LIMIT)}
    if screen.rows:
        params["reply_markup"] = markup(screen)
    return BotCall("sendMessage", params)


def edit(chat_id: int, message_id: int, screen: Screen) -> BotCall:
    """`screen` shown in place of the message `message_id` (navigation edits, not sends)."""
    params: dict[str, Any] = {
        "chat_id": chat_id,
        "message_id": message_id,
        "text": fit(screen.text, TEXT_LIMIT),
        "reply_markup": markup(screen),
    }
    return BotCall("editMessageText", params)


def answer(callback_id: str, toast: str | None = None) -> BotCall:
    """The answer to a button press; `toast` shows briefly at the top of the chat."""
    params: dict[str, Any] = {"callback_query_id": callback_id}
    if toast:
        params["text"] = fit(toast, TOAST_LIMIT)
    return BotCall("answerCallbackQuery", params)
