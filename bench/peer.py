"""What the peer bots share: their settings from the environment (the driver sets them) and the
reply to /start (`start_reply.json`: what we send a new user, so every bot sends the same message).

    BENCH_TOKEN      the bot token the sink answers to
    BENCH_API_URL    the sink's base URL (it plays https://api.telegram.org)
    BENCH_MODE       webhook | polling
    BENCH_PORT       webhook mode: the port the bot listens on (127.0.0.1), path /webhook
    BENCH_SECRET     webhook mode: the secret token Telegram sends in its header
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

REPLY_FILE = Path(__file__).with_name("start_reply.json")
WEBHOOK_PATH = "/webhook"


@dataclass(frozen=True)
class StartReply:
    """The text (with `{name}` for the user's first name) and the inline keyboard's rows of
    (label, callback data)."""

    text: str
    rows: tuple[tuple[tuple[str, str], ...], ...]

    @classmethod
    def load(cls, path: Path = REPLY_FILE) -> StartReply:
        raw = json.loads(path.read_text(encoding="utf-8"))
        rows = tuple(
            tuple((str(label), str(data)) for label, data in row) for row in raw["inline_keyboard"]
        )
        return cls(str(raw["text"]), rows)

    def text_for(self, first_name: str) -> str:
        return self.text.replace("{name}", first_name)


@dataclass(frozen=True)
class PeerSettings:
    token: str
    api_url: str
    mode: Literal["webhook", "polling"]
    port: int
    secret: str

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    @classmethod
    def from_env(cls) -> PeerSettings:
        def need(name: str) -> str:
            value = os.environ.get(name)
            if not value:
                raise SystemExit(f"{name} is not set (see {__file__})")
            return value

        mode = need("BENCH_MODE")
        if mode not in ("webhook", "polling"):
            raise SystemExit(f"BENCH_MODE must be webhook or polling, not {mode!r}")
        webhook = mode == "webhook"
        return cls(
            token=need("BENCH_TOKEN"),
            api_url=need("BENCH_API_URL").rstrip("/"),
            mode="webhook" if webhook else "polling",
            port=int(need("BENCH_PORT")) if webhook else 0,
            secret=need("BENCH_SECRET") if webhook else "",
        )
