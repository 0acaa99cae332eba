"""Every admin operation is refused to a non-admin — by default. The bot's press codes and
commands are listed from its own tables; the few a user may use are named here, and every
other one is an admin's, forged by a user with arguments aimed at real objects: the press is
answered like a stale button, the command like an unknown one, each attempt at an action is
audited as `denied`, nothing changes and no admin screen or data reaches the user. A code or
command added later is in this matrix without anyone remembering to add it; making it a
user's means adding it to `USER_CODES` / `USER_COMMANDS` here, on purpose."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import trio

from trt_actors.domain.callbacks import Press, decode, encode
from trt_actors.domain.effects import Lookup
from trt_actors.domain.journey import default_routes
from trt_actors.domain.texts import text
from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.storage import BroadcastState, Currency, JobState, PaymentStatus, Store, Tx
from trt_actors.telegram.pacing import Limits
from trt_actors.testing.kit import running_bot

ROUTES = default_routes()  # every area's codes and commands, as the running bot has them
BOSS = 7_000_009
FAST = Limits(global_rate=5000, global_burst=500, private_rate=5000, private_burst=500)
USER_CODES = frozenset(
    {
        *("m", "k", "l", "c", "w", "t", "?", "lg", "sl", "ts", "ff"),  # menus, models, help, free
        *("go", "en", "tg", "dn", "sk", "bk", "rs", "cx", "in", "ed", "nx", "ok"),  # wizard
        *("ja", "jp", "jc", "jo", "jd", "h"),  # own generations and History
        *("b", "u", "r", "ps", "pc", "pb", "pt", "pp", "pq"),  # balance, top-ups, referrals
        "aw",  # "I want a bot like this": a partner's message to the main admin
    }
)
USER_COMMANDS = frozenset(
    {
        *("start", "menu", "help", "language", "cancel", "reset"),
        *("generate", "models", "history", "status", "search", "ask"),
        *("balance", "topup", "promo", "paysupport"),
    }
)


def every_code() -> set[str]:
    return set(ROUTES.codes)


def admin_codes() -> list[str]:
    return sorted(every_code() - USER_CODES)


def every_command() -> set[str]:
    return set(ROUTES.commands)


def admin_commands() -> list[str]:
    return sorted(every_command() - USER_COMMANDS)


def args_of(code: str, eve: int, ids: dict[str, int]) -> tuple[str | int, ...]:
    """Arguments that would act on real objects (or on Eve herself) if the press were obeyed."""
    job, payment, broadcast = ids["job"], ids["payment"], ids["broadcast"]
    table: dict[str, tuple[str | int, ...]] = {
        "av": (eve,),
        "ak": (eve, 1),
        "ac": (eve,),
        "am": (eve,),
        "ae": ("users",),
        "ag": (0,),
        "aj": (job,),
        "aje": (job,),
        "ai": (f"j{job}",),
        "aq": (broadcast,),
        "ar": (broadcast,),
        "an": ("free_per_day",),
        "anr": ("free_per_day",),
        "apd": ("SPRING",),
        "pa": (payment,),
        "pr": (payment,),
        "pj": (payment,),
    }
    return table.get(code, ())


def command_argument(name: str, eve: int) -> str:
    return {
        "user_balance": str(eve),
        "block_user": str(eve),
        "unblock_user": str(eve),
        "add_admin": str(eve),
        "refund": "charge-1 because",
        "newpromo": "EVE 500",
        "add": "Who is admin? | Eve.",
        "kb_edit": "1 Who is admin? | Eve.",
        "kb_delete": "1",
    }.get(name, "")


def test_the_users_lists_name_real_codes_and_commands() -> None:
    assert every_code() >= USER_CODES, USER_CODES - every_code()
    assert every_command() >= USER_COMMANDS, USER_COMMANDS - every_command()
    assert {"a", "as", "ak", "pa", "pr", "pl"} <= set(admin_codes())
    assert {"admin", "refund", "newpromo", "add", "transfers"} <= set(admin_commands())


def nothing(_: object) -> list[Lookup]:
    return []


def test_nothing_an_admin_code_needs_is_read_for_anyone_else() -> None:
    """The session reads a lookup for a non-admin only if it is not `admin_only`: each lookup
    an admin press, screen or command names must be."""
    ids = {"job": 1, "payment": 1, "broadcast": 1}
    for code in admin_codes():
        press = Press(code, tuple(str(a) for a in args_of(code, 7, ids)))
        named = [*ROUTES.press_needs.get(code, nothing)(press)]
        named += ROUTES.screen_needs.get(code, nothing)(press)
        assert all(lookup.admin_only for lookup in named), (code, named)
    for name in admin_commands():
        named = list(ROUTES.command_needs.get(name, nothing)(command_argument(name, 7)))
        assert all(lookup.admin_only for lookup in named), (name, named)


def seed(tx: Tx, ann: int, boss: int) -> dict[str, int]:
    """Real objects for the forged presses to aim at: Ann's delivered generation, her pending
    bank transfer, a draft broadcast, a promo code and a help entry."""
    tx.users.upsert(ann, first_name="Ann")
    job = tx.jobs.create(ann, "z-image", {"prompt": "a fox"}, price=0, currency=Currency.RUB)
    tx.jobs.transition(job.id, JobState.SUBMITTED, kie_task_id="task-1")
    tx.jobs.transition(job.id, JobState.SUCCEEDED, result_urls=["https://files.example/1.png"])
    tx.jobs.transition(job.id, JobState.DELIVERED)
    payment, _ = tx.payments.submit_transfer(
        ann, 150_000, Currency.RUB, reference="msg:1:1", proof="proof-file"
    )
    broadcast = tx.broadcasts.create(boss, {"method": "sendMessage", "text": "Hello"})
    tx.promos.create("SPRING", 50_000, Currency.RUB, created_by=boss)
    tx.knowledge.add("How do I pay?", "With Stars.", key="kb-1")
    return {"job": job.id, "payment": payment.id, "broadcast": broadcast.id}


async def test_every_admin_press_and_command_is_refused_to_a_user(tmp_path: Path) -> None:
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())  # many answers to one chat
    async with (
        open_telegram_emulator(config) as emulator,
        running_bot(tmp_path, emulator=emulator, limits=FAST, admin_ids=(BOSS,)) as bot,
    ):
        ctl = emulator.ctl
        boss = ctl.user("Boss", language_code="en", user_id=BOSS)
        store: Store = bot.tree.root.child("store")
        ann = bot.user("Ann", language_code="en")
        ids = await store.run("default", lambda tx: seed(tx, ann.id, boss.id))
        eve = bot.user("Eve", language_code="en")
        await eve.send("/start")
        await eve.next_message()
        await eve.send("/menu")
        menu = await eve.next_message()
        terms_before = bot.tree.terms["default"].current

        forged = [encode(code, *args_of(code, eve.id, ids)) for code in admin_codes()]
        queries = [ctl.forge_callback(eve.id, menu["message_id"], data) for data in forged]
        for name in admin_commands():
            await eve.send(f"/{name} {command_argument(name, eve.id)}".rstrip())
        actions = [code for code in admin_codes() if code in ROUTES.actions]
        unknown = text("en", "hint_unknown_command")

        def refused_commands() -> int:
            return sum(unknown in (m.get("text") or "") for m in eve.messages())

        with trio.fail_after(30):  # every press answered, every command refused
            while ctl.unanswered_callbacks() or refused_commands() < len(admin_commands()):
                await trio.sleep(0.05)
        await trio.sleep(0.5)  # anything more that would come
        assert refused_commands() == len(admin_commands())
        entries = await store.read("default", lambda tx: tx.audit.recent(limit=1000))
        audited = sorted(e.target.split("|")[0] for e in entries if e.action == "denied")
        assert audited == sorted([*actions, *["command"] * len(admin_commands())])

        stale = (text("en", "note_stale"), text("en", "note_stale_again"))
        for query in queries:  # like a stale button: the stale note, or an early bare answer
            answer = ctl.callback_answer(query)
            assert answer is not None and answer.get("text", "") in ("", *stale), answer
        shown = [decode(data) for m in eve.messages() for data in buttons(m)]
        assert not {p.code for p in shown if p is not None} & set(admin_codes())
        assert [m for m in eve.messages() if m.get("document") or m.get("photo")] == []

        def after(tx: Tx) -> dict[str, Any]:
            return {
                "eve blocked": tx.users.get(eve.id).is_blocked,
                "eve balance": tx.ledger.account(eve.id, Currency.RUB).balance,
                "payment": tx.payments.get(ids["payment"]).status,
                "broadcast": tx.broadcasts.get(ids["broadcast"]).state,
                "redelivery": tx.jobs.get(ids["job"]).redeliver_requested_at,
                "promos": [(p.code, p.active) for p in tx.promos.recent()],
                "help": [(e.id, e.question) for e in tx.knowledge.latest()],
            }

        assert await store.read("default", after) == {
            "eve blocked": False,
            "eve balance": 0,
            "payment": PaymentStatus.PENDING,
            "broadcast": BroadcastState.DRAFT,
            "redelivery": None,
            "promos": [("SPRING", True)],
            "help": [(1, "How do I pay?")],
        }
        assert bot.tree.terms["default"].current == terms_before  # no setting, no admin
        assert bot.failures() == []
    emulator.assert_no_violations()


def buttons(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [str(b["callback_data"]) for row in rows for b in row if "callback_data" in b]
