"""Settings of one KIE emulator, with defaults fit for tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction

DEFAULT_API_KEY = "kie-emulator-key-0123456789abcdef"
#: Base URL used when the emulator runs in-process (no socket): never resolvable.
IN_PROCESS_BASE_URL = "http://kie.emulator.invalid"
#: Path prefix of the upload host on the emulator's server (KIE's is a separate host).
UPLOAD_PREFIX = "/redpanda"
#: KIE's account limit on new tasks: this many per window.
ACCOUNT_LIMIT = 20
ACCOUNT_WINDOW = 10.0
#: Largest upload body the emulator accepts (a 50 MB file plus multipart framing).
MAX_UPLOAD_BYTES = 60 * 1024 * 1024
#: Deadline of one API handler (longer than a HANG fault would be pointless).
HANDLER_TIMEOUT = 330.0


class Outcome(StrEnum):
    """How a task ends."""

    SUCCESS = "success"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class Schedule:
    """How long a new task stays `waiting`, then `generating`, then how it ends.

    `waiting=None` keeps tasks waiting forever (stuck); `generating=None` keeps them
    generating forever. Times are seconds of `trio.current_time()`.
    """

    waiting: float | None = 0.05
    generating: float | None = 0.1
    outcome: Outcome = Outcome.SUCCESS
    fail_code: str = "500"
    fail_message: str = "Internal server error"


@dataclass(frozen=True, slots=True)
class CallbackPolicy:
    """How callbacks are retried: delays between attempts (seconds), the attempt cap, and
    the deadline of one POST (KIE documents 15 s)."""

    retry_delays: tuple[float, ...] = (0.05, 0.2, 0.5, 1.0)
    max_attempts: int = 5
    request_timeout: float = 15.0


@dataclass(frozen=True, slots=True)
class KieEmulatorConfig:
    """One emulated KIE account.

    `prices` maps a model id (market model, or the dedicated API's model such as
    ``veo3_fast``, or the API id such as ``runway``) to credits; others cost
    `default_price`. `outputs` maps a model to "image", "video", "audio" or "text" where
    the guess from its name is wrong. `hmac_key` turns on callback signatures.
    """

    api_key: str = DEFAULT_API_KEY
    credits: Fraction = Fraction(10_000)
    default_price: Fraction = Fraction(4)
    prices: Mapping[str, Fraction] = field(default_factory=dict)
    outputs: Mapping[str, str] = field(default_factory=dict)
    schedule: Schedule = field(default_factory=Schedule)
    hmac_key: str | None = None
    callbacks: CallbackPolicy = field(default_factory=CallbackPolicy)
    account_limit: int = ACCOUNT_LIMIT
    account_window: float = ACCOUNT_WINDOW
    max_upload_bytes: int = MAX_UPLOAD_BYTES
