"""The Telegram Bot API emulator: an HTTP app on `trt_actors.web` plus its state.

Every call to `{base}/bot{token}/{method}` goes through the same pipeline: bot by token
(401), method by name (404), parameters from the body (400), spec validation and Telegram's
prose limits (every problem recorded in `violations`, the first one answered as 400), fault
injection, flood limits (429), then the method itself. Answers are Telegram's JSON.
"""

from __future__ import annotations

import mimetypes
from collections import Counter, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import structlog
import trio

from trt_actors.emulators.telegram import (  # noqa: F401 - registers the methods
    _methods_media,
    _methods_messages,
    _methods_payments,
    _methods_updates,
)
from trt_actors.emulators.telegram._checks import check_semantics
from trt_actors.emulators.telegram._config import (
    API_HANDLER_TIMEOUT,
    EmulatorConfig,
    bot_id_of,
)
from trt_actors.emulators.telegram._control import Control
from trt_actors.emulators.telegram._control_http import add_control_routes
from trt_actors.emulators.telegram._errors import (
    NOT_FOUND,
    UNAUTHORIZED,
    ApiError,
    bad_request,
    too_many_requests,
)
from trt_actors.emulators.telegram._faults import FaultInjector, fault_response
from trt_actors.emulators.telegram._multipart import UploadedFile
from trt_actors.emulators.telegram._params import BodyError, read_params
from trt_actors.emulators.telegram._registry import METHODS, SENDING_METHODS, Call, not_supported
from trt_actors.emulators.telegram._spec import ApiSpec, MethodSpec
from trt_actors.emulators.telegram._store import BotState, DropRecord, User, World
from trt_actors.emulators.telegram._validator import Problem, Validator
from trt_actors.emulators.telegram._webhook import DeliveryAttempt, WebhookDeliverer
from trt_actors.web import HTTPServer, Request, Response, Router, ServerLimits

log = structlog.get_logger(__name__)

#: How many calls `TelegramEmulator.calls` keeps (oldest dropped first).
MAX_RECORDED_CALLS = 10_000
#: Deadline for closing the webhook HTTP client when the emulator stops.
CLIENT_CLOSE_TIMEOUT = 2.0


@dataclass(frozen=True, slots=True)
class Violation:
    """A request that broke the spec or Telegram's limits."""

    method: str
    kind: str
    path: str
    description: str


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One Bot API call as the emulator saw it (file parts summarised)."""

    method: str
    params: dict[str, Any]
    status: int
    description: str | None


def _summary(params: dict[str, Any]) -> dict[str, Any]:
    return {
        k: {"file": v.filename, "size": len(v.data)} if isinstance(v, UploadedFile) else v
        for k, v in params.items()
    }


def _api_error(error: ApiError) -> Response:
    return Response.json(error.to_json(), error.code)


class TelegramEmulator:
    """A Bot API emulator with one bot (more with `add_bot`), its state and control.

    Run it with `base_url = await nursery.start(emulator.serve)` or
    `async with open_telegram_emulator() as emulator:`.
    """

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.spec = ApiSpec.load()
        self.validator = Validator(self.spec)
        self.world = World()
        self.faults = FaultInjector()
        self.violations: list[Violation] = []
        self.calls: deque[CallRecord] = deque(maxlen=MAX_RECORDED_CALLS)
        #: Every call ever answered, counted by (method, status): unlike `calls`, never
        #: forgets (how many 429s a burst drew, how many replies went out).
        self.tallies: Counter[tuple[str, int]] = Counter()
        self.router = Router()
        self.server: HTTPServer | None = None
        self.base_url: str | None = None
        self._deliverers: dict[str, WebhookDeliverer] = {}
        self._nursery: trio.Nursery | None = None
        self._client: httpx.AsyncClient | None = None
        self._default_token = self.config.token
        self._add_routes()
        self.add_bot(self.config.token)

    # bots and control

    def add_bot(
        self, token: str, *, username: str | None = None, first_name: str | None = None
    ) -> Control:
        """Add a bot with its own chats, updates and files; returns its Control."""
        user = User(
            bot_id_of(token),
            first_name or self.config.bot_first_name,
            username=username or self.config.bot_username,
            language_code=None,
            is_bot=True,
        )
        bot = BotState(
            token,
            user,
            first_update_id=self.config.first_update_id,
            limits=self.config.rate_limits,
            clock=self.config.clock,
        )
        self.world.bots[token] = bot
        if self._nursery is not None and self._client is not None:
            self._start_deliverer(bot, self._nursery, self._client)
        return self.control(token)

    def revoke_token(self, token: str, *, revoked: bool = True) -> None:
        """Make every call with `token` answer 401 Unauthorized, as Telegram does for a revoked
        token (a waiting getUpdates ends with it too); `revoked=False` accepts it again."""
        bot = self.bot(token)
        bot.revoked = revoked
        bot.updates.changed.notify()

    def bot(self, token: str | None = None) -> BotState:
        """The state of the bot with `token` (default: the first bot)."""
        return self.world.bots[token or self._default_token]

    def control(self, token: str | None = None) -> Control:
        """The control interface of one bot (default: the first bot)."""
        return Control(self.world, self.bot(token), self.config)

    @property
    def ctl(self) -> Control:
        """The control interface of the first bot."""
        return self.control()

    @property
    def drop_records(self) -> list[DropRecord]:
        """Every drop_pending_updates=true the bots used (tests assert it is empty)."""
        return [r for bot in self.world.bots.values() for r in bot.drop_records]

    def webhook_attempts(self, token: str | None = None) -> list[DeliveryAttempt]:
        """Webhook POSTs made for one bot, in order."""
        deliverer = self._deliverers.get(token or self._default_token)
        return list(deliverer.attempts) if deliverer else []

    def assert_no_violations(self) -> None:
        """Raise AssertionError listing every recorded violation, if any."""
        if self.violations:
            lines = "\n".join(f"  {v.method}: {v.description}" for v in self.violations)
            raise AssertionError(f"{len(self.violations)} Bot API violation(s):\n{lines}")

    # serving

    async def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        limits: ServerLimits | None = None,
        task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Serve until cancelled; reports the base URL (e.g. "http://127.0.0.1:41234")."""
        server = HTTPServer(self.router, limits=limits)
        client = httpx.AsyncClient()
        try:
            async with trio.open_nursery() as nursery:
                self._nursery, self._client = nursery, client
                bound = await nursery.start(server.serve, host, port)
                self.server = server
                self.base_url = f"http://{host}:{bound}"
                for bot in self.world.bots.values():
                    self._start_deliverer(bot, nursery, client)
                task_status.started(self.base_url)
        finally:
            self._nursery = None
            with trio.CancelScope(shield=True), trio.move_on_after(CLIENT_CLOSE_TIMEOUT):
                await client.aclose()

    def _start_deliverer(
        self, bot: BotState, nursery: trio.Nursery, client: httpx.AsyncClient
    ) -> None:
        deliverer = WebhookDeliverer(bot, client, self.config.webhook)
        self._deliverers[bot.token] = deliverer
        nursery.start_soon(deliverer.run)

    def _add_routes(self) -> None:
        self.router.add(
            ("GET", "POST"),
            "/bot{token}/{method}",
            self._api,
            max_body_bytes=self.config.max_body_bytes,
            handler_timeout=API_HANDLER_TIMEOUT,
        )
        self.router.add("GET", "/file/bot{token}/{file_path:path}", self._download)
        add_control_routes(self.router, self)

    # the Bot API pipeline

    async def _api(self, request: Request) -> Response:
        bot = self.world.bots.get(request.params["token"])
        if bot is None or bot.revoked:
            return _api_error(UNAUTHORIZED)
        name = request.params["method"]
        method = self.spec.method(name)
        if method is None:
            self._violate(name, [Problem("unknown_method", name, f"method {name} not found")])
            return self._answer(name, {}, NOT_FOUND)
        return await self._call(bot, method, request)

    async def _call(self, bot: BotState, method: MethodSpec, request: Request) -> Response:
        try:
            raw = read_params(request)
        except BodyError as exc:
            problem = Problem("bad_body", "", str(exc))
            self._violate(method.name, [problem])
            return self._answer(method.name, {}, bad_request(problem.detail))
        args, problems = self.validator.check_call(
            method, raw.params, raw.uploads, json_keys=raw.json_keys
        )
        problems += check_semantics(method.name, args) if not problems else []
        self._violate(method.name, problems)
        fault = self.faults.take(method.name)
        faulted = await fault_response(fault) if fault is not None else None
        if fault is not None and faulted is not None:
            self._record(CallRecord(method.name, _summary(raw.params), 0, fault.kind))
            return faulted
        blocking = [p for p in problems if self._blocks(p)]
        call = Call(method.name, bot, args, self.world, self.config, raw.uploads)
        try:
            if blocking:
                raise bad_request(blocking[0].detail)
            result = await self._execute(call)
        except ApiError as error:
            return self._answer(method.name, raw.params, error)
        self._record(CallRecord(method.name, _summary(raw.params), 200, None))
        return Response.json({"ok": True, "result": result})

    def _blocks(self, problem: Problem) -> bool:
        return problem.kind != "unknown_parameter" or self.config.reject_unknown_parameters

    async def _execute(self, call: Call) -> Any:
        impl = METHODS.get(call.method)
        if impl is None:
            raise not_supported(call.method)
        if call.method in SENDING_METHODS:
            self._flood_check(call)
        return await impl(call)

    def _flood_check(self, call: Call) -> None:
        chat_id = call.args.get("chat_id")
        chat = call.bot.chat(chat_id) if isinstance(chat_id, int) else None
        if chat is None or chat.blocked:
            return
        wait = call.bot.limiter.acquire(chat.id, is_group=chat.is_group)
        if wait > 0:
            raise too_many_requests(wait)

    def _answer(self, method: str, params: dict[str, Any], error: ApiError) -> Response:
        self._record(CallRecord(method, _summary(params), error.code, error.description))
        return _api_error(error)

    def _record(self, record: CallRecord) -> None:
        self.calls.append(record)
        self.tallies[record.method, record.status] += 1

    def _violate(self, method: str, problems: list[Problem]) -> None:
        for problem in problems:
            violation = Violation(method, problem.kind, problem.path, problem.description)
            self.violations.append(violation)
            log.warning(
                "telegram_emulator.violation",
                method=method,
                kind=problem.kind,
                description=violation.description,
            )

    async def _download(self, request: Request) -> Response:
        bot = self.world.bots.get(request.params["token"])
        stored = bot.files.by_path(request.params["file_path"]) if bot else None
        if bot is None or stored is None or stored.data is None:
            return Response.json(NOT_FOUND.to_json(), 404)
        guessed = mimetypes.guess_type(stored.file_path)[0]
        content_type = stored.mime_type or guessed or "application/octet-stream"
        bot.files.downloads.append((stored.file_path, len(stored.data)))
        return Response.bytes(stored.data, content_type)


@asynccontextmanager
async def open_telegram_emulator(
    config: EmulatorConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[TelegramEmulator]:
    """Run an emulator for the duration of the block; it is stopped (and every task ended)
    when the block exits."""
    emulator = TelegramEmulator(config)
    async with trio.open_nursery() as nursery:
        await nursery.start(emulator.serve, host, port)
        try:
            yield emulator
        finally:
            nursery.cancel_scope.cancel()
