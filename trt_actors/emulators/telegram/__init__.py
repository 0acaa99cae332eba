"""A Telegram Bot API emulator (Bot API 10.1) for tests, benchmarks and the sandbox.

    async with open_telegram_emulator() as emu:
        bot = telegram.Bot(emu.config.token, base_url=f"{emu.base_url}/bot",
                           base_file_url=f"{emu.base_url}/file/bot")
        user = emu.ctl.user("Ann")
        emu.ctl.send_command(user, "start")
        ...
        reply = await emu.ctl.next_bot_message(user)
        emu.assert_no_violations()

Every request is validated against the shipped spec (`spec/telegram-bot-api.json`) and
Telegram's prose limits; each problem is answered like Telegram (400 "Bad Request: ...")
and recorded in `emu.violations`. See docs/telegram-emulator.md.
"""

from trt_actors.emulators.telegram._app import (
    CallRecord,
    TelegramEmulator,
    Violation,
    open_telegram_emulator,
)
from trt_actors.emulators.telegram._config import (
    DEFAULT_TOKEN,
    EmulatorConfig,
    WebhookPolicy,
)
from trt_actors.emulators.telegram._control import Control, PaymentResult
from trt_actors.emulators.telegram._errors import ApiError, ControlError
from trt_actors.emulators.telegram._faults import Fault, FaultInjector, FaultKind
from trt_actors.emulators.telegram._formatting import EntityError, FormattedText, parse_formatted
from trt_actors.emulators.telegram._limits import RateLimiter, RateLimits
from trt_actors.emulators.telegram._spec import ApiSpec
from trt_actors.emulators.telegram._store import BotState, Chat, StoredMessage, User
from trt_actors.emulators.telegram._validator import Problem, Validator
from trt_actors.emulators.telegram._webhook import SECRET_HEADER, DeliveryAttempt

__all__ = [
    "DEFAULT_TOKEN",
    "SECRET_HEADER",
    "ApiError",
    "ApiSpec",
    "BotState",
    "CallRecord",
    "Chat",
    "Control",
    "ControlError",
    "DeliveryAttempt",
    "EmulatorConfig",
    "EntityError",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "FormattedText",
    "PaymentResult",
    "Problem",
    "RateLimiter",
    "RateLimits",
    "StoredMessage",
    "TelegramEmulator",
    "User",
    "Validator",
    "Violation",
    "WebhookPolicy",
    "open_telegram_emulator",
    "parse_formatted",
]
