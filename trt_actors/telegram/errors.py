"""Typed errors of Bot API calls: what a caller of the outbound actor can get back."""

from __future__ import annotations


class TelegramError(Exception):
    """Base of every Bot API failure."""


class RetryAfter(TelegramError):
    """429: flood control. Nothing may be sent (to that chat) for `seconds`."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"flood control: retry after {seconds:g}s")
        self.seconds = seconds


class BotBlocked(TelegramError):
    """403: the user blocked the bot (or the bot cannot write to the chat)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class BadRequest(TelegramError):
    """400: the request is wrong; sending it again will not help."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class InvalidToken(TelegramError):
    """401/404 on the bot path: the token is revoked or malformed."""


class Conflict(TelegramError):
    """409: another poller, or a webhook, holds the updates."""


class TransientError(TelegramError):
    """5xx, a network failure or a timeout: the same request may succeed later."""


class CallTimeout(TelegramError):
    """The call's own deadline passed before Telegram accepted it (retries included)."""


# Descriptions of 400s that mean the wanted state is already there.
NOT_MODIFIED = "message is not modified"
QUERY_TOO_OLD = ("query is too old", "query id is invalid")
# Descriptions of 400s to an edit whose message no edit can reach (deleted, too old, not the
# bot's): what it wanted shown can only be sent as a new message.
EDIT_UNREACHABLE = (
    "message to edit not found",
    "message can't be edited",
    "message_id_invalid",
)


# Descriptions of 400s that mean the chat cannot be written to (the user never wrote to the
# bot, or deleted their account): trying again will not reach them.
CHAT_UNREACHABLE = ("chat not found", "user is deactivated", "peer_id_invalid")


def chat_unreachable(error: TelegramError) -> bool:
    """The call's chat cannot be reached: the user blocked the bot (403), never wrote to it
    or is gone (400)."""
    if isinstance(error, BotBlocked):
        return True
    text = error.description.lower() if isinstance(error, BadRequest) else ""
    return any(phrase in text for phrase in CHAT_UNREACHABLE)


def harmless(error: BadRequest) -> bool:
    """A 400 that needs no action: an edit to what is already shown, an expired callback."""
    text = error.description.lower()
    return NOT_MODIFIED in text or any(phrase in text for phrase in QUERY_TOO_OLD)


def edit_unreachable(error: BadRequest) -> bool:
    """A 400 to an edit because its message cannot be edited any more."""
    text = error.description.lower()
    return any(phrase in text for phrase in EDIT_UNREACHABLE)
