"""What Telegram says a bot is, learned once its node starts (`getMe`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class BotIdentity:
    """The tenant's bot as Telegram names it. The warmup actor fills it from `getMe` each time
    the tenant's node starts (so again after a token change); until then `username` is None
    and links that need it (the referral link) fall back to the `/start` text."""

    username: str | None = None
