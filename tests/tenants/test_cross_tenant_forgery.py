"""Two bots on one database: a user of one, forging callback data and commands with the other
bot's ids, sees nothing of it and changes nothing in it.

Bot `beta` has a user with a running and a delivered generation, a bank transfer waiting for
review, a draft broadcast, a promo code, a referral code and a signed Stars invoice. On bot
`alpha`, Mallory (a user) and Ann (an admin of alpha only) name each of those in presses —
Again, Change parameters, Cancel, open, Send again, History, Approve / Reject; the admin's job
detail, resend, trace, broadcast status and cancel, promo switch-off, user card and block —
and in commands (/status, /promo, /user_balance, `/start ref_…`), and pay alpha's invoice with
beta's payload. Ids are unique across the database (one sequence per table), so every id named
exists — in beta only. Alpha answers as for anything unknown, no reply carries beta's data,
and beta's rows are as they were."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import trio

from trt_actors.domain.callbacks import encode
from trt_actors.domain.invoice import InvoiceClaim, sign_invoice, tenant_secret
from trt_actors.domain.referral_code import referral_code
from trt_actors.emulators.telegram import EmulatorConfig, RateLimits, open_telegram_emulator
from trt_actors.storage import Currency, JobState, Store, Tx
from trt_actors.telegram.pacing import Limits
from trt_actors.testing.kit import BotService, Conversation, running_bot

TOKEN_A = EmulatorConfig().token
TOKEN_B = "7000000002:AAEmulatorSecondBotForTestsOnly_01234"
BEA = 5_550_001  # beta's user; alpha has never seen her
ANN = 5_550_002  # alpha's admin
FAST = Limits(global_rate=5000, global_burst=500, private_rate=5000, private_burst=500)
# what beta holds that alpha must never show
PROMPT = "the beta-only prompt of a lighthouse"
RESULT = "https://files.example/beta-only-result.png"
BROADCAST = "Beta's own announcement"
TRANSFER = 77_700  # kopecks: "777 ₽"
BEA_NAME = "Beatrix"
MARKERS = (PROMPT, "beta-only", BROADCAST, "777", BEA_NAME, "beta-task", "BETASPRING:")


def seed_beta(tx: Tx) -> dict[str, Any]:
    tx.users.upsert(BEA, first_name=BEA_NAME)
    running = tx.jobs.create(BEA, "z-image", {"prompt": PROMPT}, price=0, currency=Currency.RUB)
    done = tx.jobs.create(BEA, "z-image", {"prompt": PROMPT}, price=0, currency=Currency.RUB)
    tx.jobs.transition(done.id, JobState.SUBMITTED, kie_task_id="beta-task")
    tx.jobs.transition(done.id, JobState.SUCCEEDED, result_urls=[RESULT])
    tx.jobs.transition(done.id, JobState.DELIVERED)
    payment, _ = tx.payments.submit_transfer(
        BEA, TRANSFER, Currency.RUB, reference="msg:beta:1", proof="beta-proof"
    )
    broadcast = tx.broadcasts.create(1, {"method": "sendMessage", "text": BROADCAST})
    tx.promos.create("BETASPRING", 50_000, Currency.RUB, created_by=1)
    return {
        "running": running.id,
        "done": done.id,
        "payment": payment.id,
        "broadcast": broadcast.id,
    }


def beta_state(tx: Tx, ids: dict[str, Any], alpha_users: list[int]) -> dict[str, Any]:
    return {
        "cancel asked": tx.jobs.get(ids["running"]).cancel_requested_at,
        "running": tx.jobs.get(ids["running"]).state,
        "resend asked": tx.jobs.get(ids["done"]).redeliver_requested_at,
        "payment": tx.payments.get(ids["payment"]).status,
        "broadcast": tx.broadcasts.get(ids["broadcast"]).state,
        "promo": (tx.promos.get("BETASPRING").active, tx.promos.get("BETASPRING").redemptions),
        "bea blocked": tx.users.get(BEA).is_blocked,
        "bea referrals": tx.referrals.count_for(BEA),
        "money": [tx.ledger.account(u, Currency.RUB).balance for u in [BEA, *alpha_users]],
        "users": tx.users.count(),
        "audit": [(e.actor_id, e.action) for e in tx.audit.recent()],
    }


def alpha_state(tx: Tx, users: list[int]) -> dict[str, Any]:
    return {
        "money": [tx.ledger.account(u, Currency.RUB).balance for u in users],
        "referred": [tx.referrals.get(u) for u in users],
        "payments": tx.payments.recent(),
        "bea known": tx.users.exists(BEA),
    }


def sent_texts(service: BotService) -> list[str]:
    """Every text either bot sent since the start — messages, edits (each version), captions,
    buttons, toasts, files' names — as the Bot API calls' parameters."""
    return [str(call.params) for call in service.emulator.calls]


async def menu_of(user: Conversation) -> dict[str, Any]:
    await user.send("/start")
    await user.next_message()
    await user.press(data="v1|ts")
    return await user.next_edit()


async def test_forged_ids_of_another_bot_show_nothing_and_change_nothing(tmp_path: Path) -> None:
    path = tmp_path / "tenants.yaml"
    path.write_text(
        f"""
tenants:
  - id: alpha
    token: "{TOKEN_A}"
    admins: [{ANN}]
  - id: beta
    token: "{TOKEN_B}"
    admins: [1]
""",
        encoding="utf-8",
    )
    config = EmulatorConfig(rate_limits=RateLimits.relaxed())
    async with (
        open_telegram_emulator(config) as emu,
        running_bot(tmp_path, emulator=emu, limits=FAST, trt_tenants=path) as bot,
    ):
        emu.add_bot(TOKEN_B, username="beta_bot")
        store: Store = bot.tree.root.child("store")
        ids = await store.run("beta", seed_beta)
        mallory = bot.user("Mallory", language_code="en")
        ann = bot.user("Ann", language_code="en", user_id=ANN)
        referred = bot.user("Rob", language_code="en")
        alpha_users = [mallory.id, ann.id, referred.id]
        before = await store.read("beta", lambda tx: beta_state(tx, ids, alpha_users))
        secret_b = tenant_secret(TOKEN_B, "beta")

        menu = await menu_of(mallory)
        admin_menu = await menu_of(ann)
        job, done, payment = ids["running"], ids["done"], ids["payment"]
        presses = {
            mallory: [
                *(encode(code, done) for code in ("ja", "jp", "jo", "jd")),
                encode("jc", job),
                encode("h", 0),
                *(encode(code, payment) for code in ("pa", "pr", "pj")),
            ],
            ann: [
                *(encode(code, done) for code in ("aj", "aje")),
                encode("ai", f"j{done}"),
                *(encode(code, ids["broadcast"]) for code in ("ar", "aq")),
                *(encode(code, payment) for code in ("pa", "pr", "pj")),
                encode("apd", "BETASPRING"),
                encode("av", BEA),
                encode("ak", BEA, 1),
                encode("ac", BEA),
                encode("ae", "users"),
                encode("apy"),
                encode("pl"),
            ],
        }
        for user, shown in ((mallory, menu), (ann, admin_menu)):
            for data in presses[user]:
                emu.ctl.forge_callback(user.id, shown["message_id"], data)
        for user, command in (
            (mallory, f"/status {done}"),
            (mallory, f"/status {job}"),
            (mallory, "/promo BETASPRING"),
            (mallory, "/history"),
            (ann, f"/user_balance {BEA}"),
            (ann, "/transfers"),
        ):
            await user.send(command)
        await referred.send(f"/start ref_{referral_code(secret_b, BEA)}")

        # alpha's own invoice, paid with a payload beta signed for the same person
        await mallory.send("/topup")
        topup = await mallory.ctl.wait_for(
            mallory.user, lambda m: any("v1|ps|" in b for b in buttons(m))
        )
        stars = next(b for b in buttons(topup) if b.startswith("v1|ps|"))
        await mallory.press(data=stars, message=topup)
        invoice = await mallory.ctl.wait_for(mallory.user, lambda m: "invoice" in m)
        claim = InvoiceClaim("beta", mallory.id, int(stars.split("|")[2]), int(time.time()))
        paid = await emu.ctl.pay_invoice(
            mallory.user, invoice["message_id"], payload=sign_invoice(secret_b, claim)
        )
        assert paid.status == "declined"

        with trio.fail_after(30):  # every press answered, every command replied to
            while emu.ctl.unanswered_callbacks() or len(referred.messages()) < 1:
                await trio.sleep(0.05)
        await trio.sleep(1.0)  # anything more that would come

        sent = sent_texts(bot)
        leaks = [(marker, t[:200]) for t in sent for marker in MARKERS if marker in t]
        assert leaks == [], leaks
        assert sum("out of date" in t for t in sent) >= len(presses[mallory])  # all answered
        assert any(f"No user {BEA} in this bot." in t for t in sent)  # alpha does not know her
        for user in (mallory, ann):
            files = [m for m in user.messages() if m.get("photo") or m.get("document")]
            assert all(str(BEA) not in str(m) for m in files)  # an export lists alpha's own
        assert emu.ctl.downloads() == []
        assert await store.read("beta", lambda tx: beta_state(tx, ids, alpha_users)) == before
        assert await store.read("alpha", lambda tx: alpha_state(tx, alpha_users)) == {
            "money": [0, 0, 0],
            "referred": [None, None, None],
            "payments": [],
            "bea known": False,
        }
        assert bot.failures() == []
    emu.assert_no_violations()


def buttons(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [str(b["callback_data"]) for row in rows for b in row if "callback_data" in b]
