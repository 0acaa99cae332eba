"""Pacing rules for sending to Telegram, as pure data and arithmetic (no clock of its own).

Telegram allows about 30 messages per second in all, about 1 per second to one private chat
(short bursts tolerated) and 20 per minute to one group. A token bucket per scope enforces
each; time is passed in, so the same code runs under trio's real or mock clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from trt_actors.coordination import TokenBucket

# Methods that put something into a chat: they count against the chat's limit.
CHAT_PACED_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendVideo",
        "sendAudio",
        "sendDocument",
        "sendAnimation",
        "sendVoice",
        "sendVideoNote",
        "sendMediaGroup",
        "sendSticker",
        "sendInvoice",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "sendDice",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    }
)


@dataclass(frozen=True, slots=True)
class Limits:
    """Rates in messages per second; bursts in messages."""

    global_rate: float = 30.0
    global_burst: int = 20  # below Telegram's 30: the tokens left are slack for network jitter
    bulk_rate: float = 25.0  # broadcasts use at most this much, leaving room for replies
    private_rate: float = 1.0
    private_burst: int = 2  # Telegram tolerates about 3
    group_rate: float = 20.0 / 60.0
    group_burst: int = 2
    # Send at this fraction of each rate: clocks and rounding on Telegram's side never agree
    # exactly with ours, and a 429 costs far more than 2 % of throughput.
    margin: float = 0.98

    def bucket(self, rate: float, burst: int, now: float) -> TokenBucket:
        return TokenBucket(rate * self.margin, burst, now)

    def chat_bucket(self, chat_id: int | str, now: float) -> TokenBucket:
        """Private chats have positive ids; groups and channels negative ones or @names."""
        private = isinstance(chat_id, int) and chat_id > 0
        if private:
            return self.bucket(self.private_rate, self.private_burst, now)
        return self.bucket(self.group_rate, self.group_burst, now)

    def scaled(self, factor: float) -> Limits:
        """The same limits `factor` times faster (for tests against a scaled emulator)."""
        return Limits(
            global_rate=self.global_rate * factor,
            global_burst=self.global_burst,
            bulk_rate=self.bulk_rate * factor,
            private_rate=self.private_rate * factor,
            private_burst=self.private_burst,
            group_rate=self.group_rate * factor,
            group_burst=self.group_burst,
            margin=self.margin,
        )


def chat_of(method: str, params: dict[str, object]) -> int | str | None:
    """The chat a call is paced by, or None for calls that only count globally."""
    if method not in CHAT_PACED_METHODS:
        return None
    chat = params.get("chat_id")
    if isinstance(chat, int | str) and not isinstance(chat, bool):
        return chat
    return None
