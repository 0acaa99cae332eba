"""Settings of one Telegram emulator, with defaults fit for tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from trt_actors.emulators.telegram._limits import RateLimits

DEFAULT_TOKEN = "7000000001:AAEmulatorTokenForTestsOnly_0123456789"
#: Longest getUpdates wait the emulator grants, whatever `timeout` asks (seconds).
MAX_LONG_POLL = 50.0
#: How long a user's payment waits for answerPreCheckoutQuery (Telegram: 10 s).
PRE_CHECKOUT_TIMEOUT = 10.0
#: Default deadline of `Control.next_bot_message`.
NEXT_MESSAGE_TIMEOUT = 5.0
#: Largest Bot API request body (a 50 MB upload plus the multipart framing).
MAX_API_BODY_BYTES = 52 * 1024 * 1024
#: Deadline of one Bot API handler call (must exceed MAX_LONG_POLL and HANG_SECONDS).
API_HANDLER_TIMEOUT = 330.0


@dataclass(frozen=True, slots=True)
class WebhookPolicy:
    """How webhook delivery retries: delays between attempts, attempts per update, and
    the deadline of one POST."""

    retry_delays: tuple[float, ...] = (0.05, 0.2, 0.5, 1.0, 2.0)
    max_attempts: int = 8
    request_timeout: float = 10.0


@dataclass(frozen=True, slots=True)
class EmulatorConfig:
    """One emulator. The first bot is made from `token`; `add_bot` adds more."""

    token: str = DEFAULT_TOKEN
    bot_username: str = "trt_emulated_bot"
    bot_first_name: str = "TRT Emulated Bot"
    rate_limits: RateLimits = field(default_factory=RateLimits)
    #: Clock of the rate limits; None = trio.current_time (MockClock-friendly).
    clock: Callable[[], float] | None = None
    webhook: WebhookPolicy = field(default_factory=WebhookPolicy)
    max_long_poll: float = MAX_LONG_POLL
    pre_checkout_timeout: float = PRE_CHECKOUT_TIMEOUT
    first_update_id: int = 100_000_001
    #: Answer 400 to unknown parameters (they are recorded as violations either way).
    reject_unknown_parameters: bool = True
    max_body_bytes: int = MAX_API_BODY_BYTES


def bot_id_of(token: str) -> int:
    """The bot's user id: the number before the colon in its token."""
    head, _, _ = token.partition(":")
    if not head.isdigit():
        raise ValueError("a bot token looks like '<digits>:<secret>'")
    return int(head)
