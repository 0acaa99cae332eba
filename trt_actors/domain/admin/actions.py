"""What admins press, type and command — each checked: a non-admin (or an admin looking at
the bot as a user) gets exactly what an unknown button or command gets, and the attempt is
recorded in the audit log. Nothing here does I/O: writes are operations, data are lookups."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from trt_actors.model import TelegramFile

from ..callbacks import Args, Page, Press
from ..effects import BotCall
from ..job_lookups import JobArgs
from ..local_time import local
from ..moves import Move
from ..state import MENU, JourneyState
from ..telegram_html import HtmlProblem, check_html
from ..turn import Turn
from ..updates import Incoming, Kind
from .facts import (
    AdjustBalance,
    AdminRedeliver,
    CancelBroadcast,
    Denied,
    DisablePromo,
    Done,
    Export,
    FileFacts,
    GrantAdmin,
    Refused,
    SetBlocked,
    StartBroadcast,
    StatsChart,
)

PressAction = Callable[[Turn, JourneyState, Press], Move | None]
CommandAction = Callable[[Turn, JourneyState, str], Move]
InputAction = Callable[[Turn, JourneyState, Incoming], Move | None]

USERNAME = re.compile(r"@?([A-Za-z0-9_]{4,32})")
AMOUNT = re.compile(r"([+-]?\d+(?:[.,]\d{1,2})?)\s+(\S.{0,199})", re.DOTALL)
TRACE_ID = re.compile(r"[uj]\d{1,18}")
BUTTON_LINE = re.compile(r"^(.{1,60}?)\s*\|\s*(https://\S+)$")
TEXT_LIMIT = 4096  # Telegram's length of a text, after entity parsing
CAPTION_LIMIT = 1024  # … and of a caption


def is_admin(turn: Turn, state: JourneyState) -> bool:
    return turn.context.is_admin and not state.as_user


def denied_press(turn: Turn, state: JourneyState, what: str) -> Move:
    """What a non-admin's admin press gets: nothing but the audit entry (shown like any stale
    button: the current screen)."""
    return Move(state, effects=(Denied(turn.user_id, what, by_command=False),))


def guarded(action: PressAction) -> PressAction:
    def checked(turn: Turn, state: JourneyState, press: Press) -> Move | None:
        if not is_admin(turn, state):
            return denied_press(turn, state, "|".join((press.code, *press.args)))
        return action(turn, replace(state, awaiting=None), press)

    return checked


def target_of(text: str) -> str | None:
    """A user id or a username (without @) from what an admin typed."""
    text = text.strip()
    if text.isdigit() and len(text) < 16:
        return text
    match = USERNAME.fullmatch(text)
    return match.group(1) if match else None


def kopecks(text: str) -> int | None:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    amount = value * 100
    return int(amount) if amount == amount.to_integral_value() and amount != 0 else None


# -- presses --------------------------------------------------------------------------------


def go(path: str) -> PressAction:
    def show(turn: Turn, state: JourneyState, press: Press) -> Move:
        awaiting = {"au": "af", "ab": "ab", "ai": "ai"}.get(path)
        return Move(replace(state.at(path), awaiting=awaiting))

    return show


@dataclass(frozen=True, slots=True)
class TargetArgs(Args):
    """`av|<user>`: a user by id or username."""

    target: str


@dataclass(frozen=True, slots=True)
class UserArgs(Args):
    """`ac|<user>`, `am|<user>`: a user by id."""

    user_id: int


@dataclass(frozen=True, slots=True)
class BlockArgs(Args):
    """`ak|<user>|<1 block, 0 unblock>`."""

    user_id: int
    blocked: int


@dataclass(frozen=True, slots=True)
class BroadcastArgs(Args):
    """`ar|<broadcast>`, `aq|<broadcast>`."""

    broadcast_id: int


@dataclass(frozen=True, slots=True)
class TableArgs(Args):
    """`ae|<users, payments or jobs>`: a CSV export."""

    table: str


@dataclass(frozen=True, slots=True)
class PromoArgs(Args):
    """`apd|<code>`: a promo code to switch off."""

    code: str


@dataclass(frozen=True, slots=True)
class TraceArgs(Args):
    """`ai|<correlation id>`: an update's or a job's path; the prompt when left out."""

    correlation_id: str = ""


def to_jobs_page(turn: Turn, state: JourneyState, args: Page) -> Move:
    return Move(state.at(f"ag|{args.page}"))


def to_job(turn: Turn, state: JourneyState, args: JobArgs) -> Move:
    return Move(state.at(f"aj|{args.job_id}"))


def open_user(turn: Turn, state: JourneyState, args: TargetArgs) -> Move | None:
    target = target_of(args.target)
    return Move(state.at(f"av|{target}")) if target else None


def set_blocked(turn: Turn, state: JourneyState, args: BlockArgs) -> Move | None:
    if args.blocked not in (0, 1):
        return None
    operation = SetBlocked(turn.user_id, args.user_id, bool(args.blocked))
    return Move(state.at(f"av|{args.user_id}"), effects=(operation,))


def ask_adjustment(turn: Turn, state: JourneyState, args: UserArgs) -> Move:
    user_id = args.user_id
    return Move(replace(state.at(f"ac|{user_id}"), awaiting=f"ac:{user_id}"))


def grant_admin(turn: Turn, state: JourneyState, args: UserArgs) -> Move:
    user_id = args.user_id
    return Move(state.at(f"av|{user_id}"), effects=(GrantAdmin(turn.user_id, user_id),))


def send_file(
    turn: Turn,
    state: JourneyState,
    found: object,
    method: str,
    field: str,
    *,
    caption: str = "",
) -> Move:
    """Send a file the lookup made; `caption` says what it is (by default its name and how
    many rows it holds)."""
    if not isinstance(found, FileFacts):
        return Move(state, note=turn.t("adm_unavailable"))
    params: dict[str, Any] = {
        "chat_id": turn.chat_id,
        field: TelegramFile(found.name, found.data, found.mime),
        "caption": caption or turn.t("adm_file_caption", name=found.name, rows=found.rows),
    }
    return Move(state, toast=turn.t("adm_file_sent"), calls=(BotCall(method, params),))


def export(turn: Turn, state: JourneyState, args: TableArgs) -> Move | None:
    table = args.table
    if table not in ("users", "payments", "jobs"):
        return None
    found = turn.context.lookup(Export(table))
    return send_file(turn, state.at("ax"), found, "sendDocument", "document")


def chart(turn: Turn, state: JourneyState, press: Press) -> Move:
    wanted = StatsChart()
    found = turn.context.lookup(wanted)
    today = local(turn.context.now, turn.context.settings.timezone)
    caption = turn.t("adm_chart_caption", days=wanted.days, date=f"{today:%d.%m.%Y}")
    return send_file(turn, state.at("as"), found, "sendPhoto", "photo", caption=caption)


def start_broadcast(turn: Turn, state: JourneyState, press: Press) -> Move | None:
    draft = state.admin_draft
    if not draft or not isinstance(draft.get("message"), dict):
        return None
    message = dict(draft["message"])
    problem = markup_problem(message)
    if problem is not None:  # a draft from before its markup was checked: never sent as is
        after = replace(state.at("ab"), awaiting="ab", admin_draft=None)
        return Move(after, note=html_note(turn, problem))
    key = f"broadcast:{turn.user_id}:{draft.get('n')}"
    operation = StartBroadcast(turn.user_id, message, key)
    return Move(replace(state, admin_draft=None), effects=(operation,))


def cancel_broadcast(turn: Turn, state: JourneyState, args: BroadcastArgs) -> Move:
    broadcast_id = args.broadcast_id
    operation = CancelBroadcast(turn.user_id, broadcast_id)
    return Move(state.at(f"ar|{broadcast_id}"), effects=(operation,))


def refresh_broadcast(turn: Turn, state: JourneyState, args: BroadcastArgs) -> Move:
    return Move(state.at(f"ar|{args.broadcast_id}"))


def to_broadcast_history(turn: Turn, state: JourneyState, args: Page) -> Move:
    return Move(state.at(f"abh|{args.page}"))


def redeliver(turn: Turn, state: JourneyState, args: JobArgs) -> Move:
    job_id = args.job_id
    return Move(state.at(f"aj|{job_id}"), effects=(AdminRedeliver(turn.user_id, job_id),))


def disable_promo(turn: Turn, state: JourneyState, args: PromoArgs) -> Move:
    code = args.code
    return Move(state.at("apc"), effects=(DisablePromo(turn.user_id, code),))


def as_user(turn: Turn, state: JourneyState, press: Press) -> Move:
    return Move(replace(state, as_user=True, screen=MENU), note=turn.t("adm_as_user_on"))


# -- typed input ----------------------------------------------------------------------------


def typed_target(turn: Turn, state: JourneyState, incoming: Incoming) -> Move | None:
    target = target_of(incoming.text) if incoming.kind is Kind.TEXT else None
    if target is None:
        return Move(state, note=turn.t("adm_find_user_hint"))
    return Move(replace(state.at(f"av|{target}"), awaiting=None))


def typed_trace(turn: Turn, state: JourneyState, incoming: Incoming) -> Move | None:
    wanted = incoming.text.strip() if incoming.kind is Kind.TEXT else ""
    if not TRACE_ID.fullmatch(wanted):
        return Move(state, note=turn.t("adm_trace_hint"))
    return Move(replace(state.at(f"ai|{wanted}"), awaiting=None))


def typed_adjustment(turn: Turn, state: JourneyState, incoming: Incoming) -> Move | None:
    user_id = int((state.awaiting or "ac:0").split(":", 1)[1] or 0)
    match = AMOUNT.fullmatch(incoming.text.strip()) if incoming.kind is Kind.TEXT else None
    amount = kopecks(match.group(1)) if match else None
    if match is None or amount is None:
        return Move(state, note=turn.t("adm_adjust_hint"))
    operation = AdjustBalance(
        turn.user_id, user_id, amount, match.group(2).strip(), key=f"admin:{turn.update_id}"
    )
    after = replace(state.at(f"av|{user_id}"), awaiting=None)
    return Move(after, effects=(operation,))


def typed_broadcast(turn: Turn, state: JourneyState, incoming: Incoming) -> Move | None:
    """Text, or a photo with a caption, in Telegram's HTML; a last line `Label | https://…`
    adds a URL button. The markup is checked first: a mistake is shown (what and where) and
    nothing is sent; else the admin gets the message exactly as users will (the preview,
    sent with `parse_mode: HTML`) and the Send button."""
    message: dict[str, Any]
    raw = (incoming.raw or {}).get("message") or {}
    photos = raw.get("photo") if isinstance(raw, dict) else None
    body = incoming.text.strip()
    button = None
    lines = body.splitlines()
    if lines and (found := BUTTON_LINE.match(lines[-1].strip())):
        button, body = (found.group(1), found.group(2)), "\n".join(lines[:-1]).strip()
    if isinstance(photos, list) and photos:
        message = {"method": "sendPhoto", "photo": photos[-1].get("file_id"), "caption": body}
    elif incoming.kind is Kind.TEXT and body:
        message = {"method": "sendMessage", "text": body}
    else:
        return Move(state, note=turn.t("adm_broadcast_hint"))
    if body:
        message["parse_mode"] = "HTML"
    problem = markup_problem(message)
    if problem is not None:
        return Move(state, note=html_note(turn, problem))  # still waiting for the message
    if button:
        message["reply_markup"] = {"inline_keyboard": [[{"text": button[0], "url": button[1]}]]}
    draft = {"n": turn.update_id, "message": message}
    preview = {**{k: v for k, v in message.items() if k != "method"}, "chat_id": turn.chat_id}
    after = replace(state.at("ap"), awaiting=None, admin_draft=draft)
    return Move(after, calls=(BotCall(str(message["method"]), preview),))


def markup_problem(message: dict[str, Any]) -> HtmlProblem | None:
    """What is wrong with a broadcast's HTML (None: nothing, or it is not HTML)."""
    if str(message.get("parse_mode", "")).upper() != "HTML":
        return None
    if message.get("method") == "sendPhoto":
        caption = str(message.get("caption") or "")
        checked = check_html(caption, limit=CAPTION_LIMIT, allow_empty=True)
    else:
        checked = check_html(str(message.get("text") or ""), limit=TEXT_LIMIT)
    return checked if isinstance(checked, HtmlProblem) else None


def html_note(turn: Turn, problem: HtmlProblem) -> str:
    """The admin's note for a markup mistake: what, on which line, near which text."""
    what = turn.t(f"adm_html_{problem.code}", **problem.values)
    return turn.t("adm_html_error", problem=what, line=problem.line, near=problem.near)


# -- settling operations --------------------------------------------------------------------


def settled_denied(turn: Turn, state: JourneyState, operation: Denied, result: object) -> Move:
    if operation.by_command:
        at = state.at(MENU) if state.draft is None else state
        return Move(at, note=turn.t("hint_unknown_command"))
    return Move(state, note=turn.t("note_stale"), toast=turn.t("note_stale"))


def settled_plain(turn: Turn, state: JourneyState, operation: object, result: object) -> Move:
    if isinstance(result, Refused):
        return Move(state, note=turn.t(result.reason, **result.values))
    return Move(state, note=turn.t("adm_done"), toast=turn.t("adm_done"))


def settled_adjustment(
    turn: Turn, state: JourneyState, operation: AdjustBalance, result: object
) -> Move:
    if isinstance(result, Refused) and result.reason == "adm_refused_funds":
        amount = turn.money(abs(operation.amount_kopecks))
        return Move(state, note=turn.t(result.reason, amount=amount))
    return settled_plain(turn, state, operation, result)


def settled_broadcast(
    turn: Turn, state: JourneyState, operation: StartBroadcast, result: object
) -> Move:
    if isinstance(result, Done):
        return Move(state.at(f"ar|{result.value}"), note=turn.t("adm_broadcast_started"))
    return settled_plain(turn, state, operation, result)


# -- commands -------------------------------------------------------------------------------


def command(action: Callable[[Turn, JourneyState, str], Move | None]) -> CommandAction:
    def checked(turn: Turn, state: JourneyState, argument: str) -> Move:
        if not turn.context.is_admin or (state.as_user and action is not open_panel):
            return Move(state, effects=(Denied(turn.user_id, "command", by_command=True),))
        return action(turn, replace(state, awaiting=None), argument) or Move(
            state.at("au"), note=turn.t("adm_command_hint")
        )

    return checked


def open_panel(turn: Turn, state: JourneyState, argument: str) -> Move:
    return Move(replace(state, as_user=False, draft=None, screen="a"))


def selftest(turn: Turn, state: JourneyState, argument: str) -> Move:
    return Move(state.at("at"))


def config_check(turn: Turn, state: JourneyState, argument: str) -> Move:
    return Move(state.at("acc"))


def user_balance(turn: Turn, state: JourneyState, argument: str) -> Move | None:
    target = target_of(argument)
    return Move(state.at(f"av|{target}")) if target else None


def block_command(blocked: bool) -> Callable[[Turn, JourneyState, str], Move | None]:
    def run(turn: Turn, state: JourneyState, argument: str) -> Move | None:
        target = argument.strip()
        if not target.isdigit():
            return None
        operation = SetBlocked(turn.user_id, int(target), blocked)
        return Move(state.at(f"av|{target}"), effects=(operation,))

    return run


def add_admin(turn: Turn, state: JourneyState, argument: str) -> Move | None:
    target = argument.strip()
    if not target.isdigit():
        return None
    return Move(state.at(f"av|{target}"), effects=(GrantAdmin(turn.user_id, int(target)),))
