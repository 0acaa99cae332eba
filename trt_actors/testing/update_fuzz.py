"""Fuzzed updates through the real webhook route into the running bot, each one judged by the
rule (docs/testing.md, "Fuzzed updates"): a body over the size limit is refused 413 unread; a
malformed request is refused with 400 and a `webhook.malformed` event naming why, and nothing
is stored; a well-formed update is acknowledged with 200, its inbox row ends done, and the bot
answers it (a call to Telegram about it) or ignores it (not a word) as its kind says; nothing
crashes, nothing logs a traceback or an error, no answer is a 5xx, the bot breaks no rule of
the Bot API, and the tree stays ready.

`tests/e2e/test_fuzz_updates.py` runs a short version, `scripts/fuzz_updates.py` 10,000
cases; both through `fuzz_target` and `fuzz`.

How hypothesis meets trio: the bot runs in-process (the whole tree, on SQLite, against the
Telegram emulator) in the caller's trio loop, and hypothesis runs in a worker thread
(`trio.to_thread.run_sync`) as a plain synchronous `@given` test whose body hands each case
back to the loop (`trio.from_thread.run`) and waits for its verdict. So the service starts
once for all cases, every case is a real HTTP request over a socket, and hypothesis keeps its
whole machinery: the draw of every case, and, when a case breaks the rule and the caller asks
to stop there, shrinking it to a small one to report. Cases run one at a time, so what the
bot did about a case is read from the emulator as the calls since the case was posted.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import httpx
import structlog
import trio
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import FlakyFailure
from structlog.typing import EventDict, WrappedLogger

from trt_actors.app.tree import STORE
from trt_actors.emulators.telegram import (
    CallRecord,
    EmulatorConfig,
    RateLimits,
    TelegramEmulator,
    open_telegram_emulator,
)
from trt_actors.storage import InboxEntry, InboxState, Store, Tx
from trt_actors.telegram.pacing import Limits

from .kit import BotService, running_bot
from .update_strategies import Expect, FuzzCase, FuzzWorld, Person, fuzz_cases

SECRET = "fuzz-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TENANT = "default"
POST_TIMEOUT = 15.0  # one request, answer included
HANDLE_TIMEOUT = 30.0  # from the 200 to the inbox row no longer pending
CHECK_EVERY = 0.005  # seconds between looks at the inbox row
FIRST_UPDATE_ID = 1_000
MAX_PROBLEMS_KEPT = 50
SETUP_PRESSES = 60  # presses through the menus at setup, to learn the bot's buttons
FAST = Limits(
    global_rate=5_000,
    global_burst=500,
    private_rate=5_000,
    private_burst=500,
    group_rate=5_000,
    group_burst=500,
)
# The users whose updates are answered: names and languages a profile must survive.
TALKERS = (
    ("Ann", "en", "ann"),
    ("Борис", "ru", None),
    ("שרה", "he", None),
    ("🦄\u200dUni", None, "uni_corn"),
    ("Zed\u202eevil", "zz", None),
    ("李", "zh-hans", None),
    ("e\u0301" * 30, "uk", None),
    ('O\'Brien "x" <b>', "en-GB", "ob"),
)
QUIET = (("Quiet", "en", None), ("Тихий", "ru", None), ("ساكت", "ar", None))


class LogWatch:
    """Every structlog event and standard-library log record while watched: counted by name,
    the `webhook.malformed` events kept, and those with a traceback or at error level."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.malformed: list[EventDict] = []
        self.tracebacks: list[str] = []
        self.errors: list[str] = []

    def __call__(self, _: WrappedLogger, method_name: str, event: EventDict) -> NoReturn:
        name = str(event.get("event"))
        self.counts[name] += 1
        if name == "webhook.malformed":
            self.malformed.append(event)
        if _has_traceback(event) or method_name == "exception":
            self.tracebacks.append(_shown(name, event))
        elif method_name in ("error", "critical"):
            self.errors.append(_shown(name, event))
        raise structlog.DropEvent

    def record(self, record: logging.LogRecord) -> None:
        self.counts[f"logging:{record.name}"] += 1
        if record.exc_info or record.exc_text:
            self.tracebacks.append(f"{record.name}: {record.getMessage()}")
        elif record.levelno >= logging.ERROR:
            self.errors.append(f"{record.name}: {record.getMessage()}")


class _RecordHandler(logging.Handler):
    def __init__(self, watch: LogWatch) -> None:
        super().__init__(logging.DEBUG)
        self.watch = watch

    def emit(self, record: logging.LogRecord) -> None:
        self.watch.record(record)


def _has_traceback(event: EventDict) -> bool:
    if event.get("exc_info") or "exception" in event:
        return True
    return any(isinstance(v, str) and "Traceback (most recent call" in v for v in event.values())


def _shown(name: str, event: EventDict) -> str:
    fields = ", ".join(f"{k}={str(v)[:200]}" for k, v in event.items() if k != "event")
    return f"{name}: {fields}"


@contextmanager
def watching_logs() -> Iterator[LogWatch]:
    """Route structlog's events and the standard library's records to a `LogWatch` (and
    nowhere else) while the block runs; the configuration before is restored after."""
    watch = LogWatch()
    processors = structlog.get_config()["processors"]
    structlog.configure(processors=[structlog.contextvars.merge_contextvars, watch])
    handler = _RecordHandler(watch)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield watch
    finally:
        root.removeHandler(handler)
        structlog.configure(processors=processors)


@dataclass
class Verdict:
    """What happened to one case."""

    case: FuzzCase
    update_id: int
    status: int
    outcome: str  # "answered", "ignored", "refused", or what happened instead
    problems: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [
            f"{self.case.family} (expected {self.case.expect}, update_id {self.update_id}): "
            f"HTTP {self.status}, {self.outcome}",
            *(f"  - {problem}" for problem in self.problems),
        ]
        return "\n".join(lines)


@dataclass
class FuzzTally:
    """The counts of a run."""

    cases: int = 0
    answered: int = 0
    ignored: int = 0
    refused: int = 0
    too_large: int = 0  # bodies over the webhook's limit, refused 413 unread
    server_errors: int = 0  # 5xx answers
    crashes: int = 0  # children crashed or given up on
    tracebacks: int = 0  # log events or records with a traceback
    errors_logged: int = 0  # log events at error level (without a traceback)
    against_rule: int = 0  # cases with any problem
    violations: int = 0  # requests of the bot that broke the Bot API spec
    seconds: float = 0.0
    families: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def add(self, verdict: Verdict) -> None:
        self.cases += 1
        self.families[":".join(verdict.case.family.split(":")[:2])] += 1
        if verdict.outcome == "answered":
            self.answered += 1
        elif verdict.outcome == "ignored":
            self.ignored += 1
        elif verdict.outcome == "refused":
            self.refused += 1
        elif verdict.outcome == "too large":
            self.too_large += 1
        if verdict.status >= 500:
            self.server_errors += 1
        if verdict.problems:
            self.against_rule += 1
            if len(self.problems) < MAX_PROBLEMS_KEPT:
                self.problems.append(verdict.describe())

    @property
    def clean(self) -> bool:
        return not (
            self.server_errors
            or self.crashes
            or self.tracebacks
            or self.errors_logged
            or self.against_rule
            or self.violations
        )

    def lines(self) -> list[str]:
        rows = [
            ("cases", self.cases),
            ("well-formed, answered", self.answered),
            ("well-formed, ignored (by rule)", self.ignored),
            ("malformed, refused 400", self.refused),
            ("too large, refused 413 unread", self.too_large),
            ("5xx answers", self.server_errors),
            ("crashes", self.crashes),
            ("tracebacks", self.tracebacks),
            ("errors logged", self.errors_logged),
            ("outcomes against the rule", self.against_rule),
            ("Bot API violations", self.violations),
        ]
        width = max(len(name) for name, _ in rows)
        out = [f"{name:<{width}}  {value:>7,}" for name, value in rows]
        rate = self.cases / self.seconds if self.seconds else 0.0
        out.append(f"{'time':<{width}}  {self.seconds:>7,.1f} s ({rate:.1f} cases/s)")
        return out


class FuzzTarget:
    """The running bot, what exists on Telegram's side, and how to post a case and judge it."""

    def __init__(self, service: BotService, logs: LogWatch, client: httpx.AsyncClient) -> None:
        self.service = service
        self.logs = logs
        self.client = client
        self.emulator: TelegramEmulator = service.emulator
        self.url = f"http://127.0.0.1:{service.port}/webhook/{TENANT}"
        self.next_update_id = itertools.count(FIRST_UPDATE_ID)
        self.world: FuzzWorld | None = None
        self.background: set[int] = set()  # chats where the bot may write at any time

    @property
    def store(self) -> Store:
        store: Store = self.service.tree.root.running(STORE)
        return store

    async def post(self, body: bytes) -> httpx.Response:
        with trio.fail_after(POST_TIMEOUT):
            return await self.client.post(
                self.url,
                content=body,
                headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"},
            )

    async def handled(self, update_id: int) -> InboxEntry | None:
        """The inbox row once it is no longer pending; None if it still is after
        HANDLE_TIMEOUT (a hang)."""
        with trio.move_on_after(HANDLE_TIMEOUT):
            while True:
                entry = await self.store.read(TENANT, lambda tx: tx.inbox.get(update_id))
                if entry.state is not InboxState.PENDING:
                    return entry
                await trio.sleep(CHECK_EVERY)
        return None

    def calls_since(self, total_before: int) -> list[CallRecord]:
        """The Bot API calls the emulator answered since it had answered `total_before`."""
        new = sum(self.emulator.tallies.values()) - total_before
        return list(itertools.islice(reversed(self.emulator.calls), new))[::-1]

    async def run(self, case: FuzzCase) -> Verdict:
        """Post `case` and judge what the bot did with it."""
        update_id = next(self.next_update_id)
        calls_before = sum(self.emulator.tallies.values())
        crashes_before = len(self.service.failures())
        malformed_before = len(self.logs.malformed)
        tracebacks_before, errors_before = len(self.logs.tracebacks), len(self.logs.errors)
        body = case.body(update_id)
        try:
            response = await self.post(body)
        except (httpx.HTTPError, trio.TooSlowError) as exc:
            verdict = Verdict(case, update_id, 0, "no HTTP answer")
            verdict.problems.append(f"no HTTP answer: {type(exc).__name__}: {exc}")
        else:
            verdict = Verdict(case, update_id, response.status_code, f"HTTP {response.status_code}")
            if len(body) > self.service.settings.webhook_max_payload_bytes:
                self._judge_too_large(verdict, response)
            elif case.expect is Expect.REFUSED:
                await self._judge_refused(verdict, response, malformed_before)
            elif response.status_code != 200:
                verdict.problems.append(f"a well-formed update got {response.status_code}")
            else:
                await self._judge_handled(verdict, calls_before)
        for event in self.service.failures()[crashes_before:]:
            verdict.problems.append(f"crashed: {event.supervisor}/{event.child}: {event.error}")
        verdict.problems.extend(f"traceback: {t}" for t in self.logs.tracebacks[tracebacks_before:])
        verdict.problems.extend(f"error logged: {e}" for e in self.logs.errors[errors_before:])
        return verdict

    def _judge_too_large(self, verdict: Verdict, response: httpx.Response) -> None:
        """A body over the webhook's limit is refused 413 before it is read, whatever it is."""
        if response.status_code != 413:
            verdict.problems.append(f"a body over the limit got {response.status_code}, not 413")
            return
        verdict.outcome = "too large"

    async def _judge_refused(
        self, verdict: Verdict, response: httpx.Response, malformed_before: int
    ) -> None:
        if response.status_code != 400:
            verdict.problems.append(f"a malformed request got {response.status_code}, not 400")
            return
        events = self.logs.malformed[malformed_before:]
        if not events or not events[-1].get("reason"):
            verdict.problems.append("refused without a webhook.malformed event and its reason")
            return
        if verdict.case.numbered and await self._stored(verdict.update_id):
            verdict.problems.append("refused, yet stored in the inbox")
            return
        verdict.outcome = "refused"

    async def _stored(self, update_id: int) -> bool:
        def find(tx: Tx) -> bool:
            return bool(tx.inbox.by_ids([update_id]))

        return await self.store.read(TENANT, find)

    async def _judge_handled(self, verdict: Verdict, calls_before: int) -> None:
        entry = await self.handled(verdict.update_id)
        if entry is None:
            verdict.problems.append(f"still pending {HANDLE_TIMEOUT:.0f} s after its 200")
            return
        if entry.state is not InboxState.DONE:
            verdict.problems.append(f"inbox row {entry.state.value}: {entry.last_error}")
            return
        calls = self.calls_since(calls_before)
        case = verdict.case
        if case.expect is Expect.ANSWERED:
            missing = []
            replied = case.reply_chat is None or _any_param(calls, "chat_id", case.reply_chat)
            if not replied and not _query_answered(calls, case.answers):
                missing.append(f"no call to chat {case.reply_chat}")
            if case.answers is not None and not _any_param(calls, *case.answers):
                missing.append(f"no call with {case.answers[0]}={case.answers[1]}")
            verdict.problems.extend(f"not answered: {m}" for m in missing)
            verdict.outcome = "answered" if not missing else "not answered"
            return
        foreign = [c for c in calls if not self._background(c)]
        if foreign:
            shown = ", ".join(f"{c.method}({_short(c.params)})" for c in foreign[:3])
            verdict.problems.append(f"an ignored update drew calls: {shown}")
            verdict.outcome = "not ignored"
            return
        verdict.outcome = "ignored"

    def _background(self, call: CallRecord) -> bool:
        """A call the bot may make at any time: to a talker's chat or the group (a
        generation finishing), never an answer to a query."""
        if "callback_query_id" in call.params or "pre_checkout_query_id" in call.params:
            return False
        chat_id = call.params.get("chat_id")
        return chat_id is not None and _as_int(chat_id) in self.background

    async def prepare(self) -> FuzzWorld:
        """The users, the group and the bot's messages the cases use: every talker sends
        /start, and the first presses through the menus so their buttons are known."""
        ctl = self.emulator.ctl
        talkers: list[Person] = []
        quiet: list[Person] = []
        for people, profiles in ((talkers, TALKERS), (quiet, QUIET)):
            for first_name, language, username in profiles:
                user = ctl.user(first_name, language_code=language, username=username)
                chat = ctl.bot.private_chat(user)
                people.append(Person(user.to_json(), chat.to_json()))
        group = ctl.group("Fuzz 🧪 group", [ctl.world.users[p.id] for p in talkers])
        self.background = {p.id for p in talkers} | {group.id}
        for person in talkers:
            await self._setup_update({"message": _start_message(person)})
        buttons = await self._crawl(talkers[0])
        pressable = [(p, m) for p in talkers for m in ctl.bot_messages(p.id)]
        buttons += sorted({d for _, m in pressable for d in _button_data(m)} - set(buttons))
        self.world = FuzzWorld(
            talkers=talkers,
            quiet=quiet,
            group=group.to_json(),
            pressable=pressable,
            button_data=buttons,
            bot_username=ctl.bot.user.username or "bot",
        )
        return self.world

    async def _crawl(self, person: Person) -> list[str]:
        """Press, breadth first, the buttons the bot shows `person` (on their newest message,
        up to SETUP_PRESSES presses); the data of every button seen."""
        ctl = self.emulator.ctl
        seen = list(_button_data(ctl.bot_messages(person.id)[-1]))
        for presses, data in enumerate(itertools.islice(_growing(seen), SETUP_PRESSES)):
            message = ctl.bot_messages(person.id)[-1]
            query = {"id": f"setup{presses}", "from": dict(person.user), "chat_instance": "1"}
            await self._setup_update(
                {"callback_query": {**query, "message": message, "data": data}}
            )
            for shown in _button_data(ctl.bot_messages(person.id)[-1]):
                if shown not in seen:
                    seen.append(shown)
        return seen

    async def _setup_update(self, update: dict[str, Any]) -> None:
        update_id = next(self.next_update_id)
        response = await self.post(FuzzCase("setup", Expect.ANSWERED, update).body(update_id))
        entry = await self.handled(update_id) if response.status_code == 200 else None
        if entry is None or entry.state is not InboxState.DONE:
            raise RuntimeError(f"setup update {update} not handled: HTTP {response.status_code}")

    async def ready(self) -> bool:
        with trio.fail_after(POST_TIMEOUT):
            answer = await self.client.get(f"http://127.0.0.1:{self.service.port}/readyz")
        return answer.status_code == 200


def _start_message(person: Person) -> dict[str, Any]:
    return {
        "message_id": 1,
        "date": int(time.time()),
        "chat": dict(person.chat),
        "from": dict(person.user),
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }


def _button_data(message: Mapping[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["callback_data"] for row in rows for b in row if "callback_data" in b]


def _growing(items: list[str]) -> Iterator[str]:
    """The items of a list that grows while it is walked."""
    index = 0
    while index < len(items):
        yield items[index]
        index += 1


def _as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _query_answered(calls: list[CallRecord], answers: tuple[str, object] | None) -> bool:
    """Whether the query itself was answered: a stale press right after another gets only its
    answer (a toast saying where the current screen is, or no words at all when the session
    answered it early because it was slow), with no second copy of the screen in the chat."""
    return answers is not None and _any_param(calls, *answers)


def _any_param(calls: list[CallRecord], name: str, value: object) -> bool:
    return any(str(call.params.get(name)) == str(value) for call in calls)


def _short(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={str(v)[:40]}" for k, v in params.items())


@asynccontextmanager
async def fuzz_target(data_dir: Path) -> AsyncIterator[FuzzTarget]:
    """The bot in webhook mode against an emulator without flood limits (and fast pacing:
    the cases are not a load test), its logs watched, its world prepared."""
    with watching_logs() as logs:
        config = EmulatorConfig(rate_limits=RateLimits.relaxed())
        async with (
            open_telegram_emulator(config) as emulator,
            running_bot(
                data_dir,
                emulator=emulator,
                limits=FAST,
                bot_mode="webhook",
                webhook_secret_token=SECRET,
            ) as service,
            httpx.AsyncClient(timeout=POST_TIMEOUT) as client,
        ):
            target = FuzzTarget(service, logs, client)
            await target.prepare()
            yield target


async def fuzz(
    target: FuzzTarget, *, cases: int, seed_value: int, stop_at_first: bool
) -> FuzzTally:
    """Run `cases` drawn cases through `target` and count what happened. With
    `stop_at_first`, the first case against the rule raises AssertionError (after hypothesis
    has shrunk it), for a test; without, every case runs and the tally says what broke."""
    world = target.world
    assert world is not None, "prepare() the target first"
    tally = FuzzTally()
    token = trio.lowlevel.current_trio_token()
    started = time.monotonic()

    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.shrink) if stop_at_first else (Phase.generate,),
        print_blob=False,
    )
    @seed(seed_value)
    @given(fuzz_cases(world))
    def one_case(case: FuzzCase) -> None:
        verdict = trio.from_thread.run(target.run, case, trio_token=token)
        tally.add(verdict)
        if stop_at_first and verdict.problems:
            raise AssertionError(verdict.describe())

    try:
        await trio.to_thread.run_sync(one_case)
    except (AssertionError, FlakyFailure) as failure:
        # Cases share one bot, so a case may fail for what an earlier one left behind: the
        # first case against the rule comes first, then the one hypothesis shrank to.
        first = tally.problems[0] if tally.problems else "(none kept)"
        raise AssertionError(f"first case against the rule: {first}\n\nshrunk: {failure}") from None
    finally:
        tally.seconds = time.monotonic() - started
        tally.crashes = len(target.service.failures())
        tally.tracebacks = len(target.logs.tracebacks)
        tally.errors_logged = len(target.logs.errors)
        tally.violations = len(target.emulator.violations)
    return tally
