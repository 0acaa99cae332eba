"""The admin panel through the Telegram emulator: what an operator does from the phone, and
what a non-admin gets when reaching for it (nothing but an audit entry)."""

from __future__ import annotations

import csv
import io
import re
import struct
import threading
from pathlib import Path
from typing import Any

import pytest
import trio

from trt_actors.domain.areas import admin
from trt_actors.domain.callbacks import encode
from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.operations.chart import money_chart
from trt_actors.storage import Currency, LedgerKind
from trt_actors.testing.kit import Conversation, running_bot

PNG = b"\x89PNG\r\n\x1a\n"
ADMIN_ARGS: dict[str, tuple[str | int, ...]] = {
    "av": ("1000001",),
    "ak": (1000001, 1),
    "ac": (1000001,),
    "am": (1000001,),
    "ae": ("users",),
    "aq": (1,),
    "ar": (1,),
    "an": ("free_per_day",),
    "anr": ("free_per_day",),
    "aje": (1,),
    "apd": ("SPRING",),
    "ag": (0,),
    "aj": (1,),
}


async def _audit(bot, action: str) -> list:  # type: ignore[no-untyped-def]
    store = bot.tree.root.child("store")
    return await store.read("default", lambda tx: tx.audit.recent(action=action))


async def test_an_admin_finds_a_user_credits_blocks_exports_and_charts(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    boss_user = telegram_emulator.ctl.user("Boss", language_code="en")
    async with running_bot(tmp_path, emulator=telegram_emulator, admin_ids=(boss_user.id,)) as bot:
        boss = Conversation(telegram_emulator, boss_user)
        ann = bot.user("Ann", username="ann_k", language_code="en")
        await ann.send("/start")
        await ann.next_message()

        await boss.send("/admin")
        assert "Admin panel" in (await boss.next_message())["text"]
        await boss.press("👤 Users")
        assert "user id or @username" in (await boss.next_edit())["text"]
        await boss.send("@ann_k")
        card = await boss.next_message()
        assert f"id {ann.id}" in card["text"] and "Balance: 0" in card["text"]

        await boss.press("💰 Top up / correct")
        await boss.next_edit()
        await boss.send("+500 welcome gift")
        card = await boss.next_message()
        assert "Balance: 500" in card["text"], card["text"]
        assert re.search(r"\d\d:\d\d MSK admin 500 ₽", card["text"]), card["text"]  # zone named
        store = bot.tree.root.child("store")
        account = await store.read("default", lambda tx: tx.ledger.account(ann.id, Currency.RUB))
        assert account.balance == 50_000
        [entry] = await store.read("default", lambda tx: tx.ledger.entries(ann.id))
        assert entry.kind is LedgerKind.ADMIN and entry.actor == f"admin:{boss.id}"
        assert entry.reference == "welcome gift"

        await boss.send("-1000 too much")  # no longer waiting for an amount: just text
        await boss.next_message()
        await boss.send(f"/user_balance {ann.id}")
        await boss.next_message()
        await boss.press("💰 Top up / correct")
        await boss.next_edit()
        await boss.send("-1000 too much")
        refused = await boss.next_message()
        assert "Refused: the balance does not cover 1,000 ₽." in refused["text"]
        account = await store.read("default", lambda tx: tx.ledger.account(ann.id, Currency.RUB))
        assert account.balance == 50_000

        await boss.press("⛔ Block")
        assert "blocked by an admin" in (await boss.next_edit())["text"]
        await ann.send("hello")
        assert "restricted" in (await ann.next_message())["text"]
        await ann.send("/start")  # a menu from memory: the block is there at once too
        assert "restricted" in (await ann.next_message())["text"]
        await boss.send(f"/unblock_user {ann.id}")
        await boss.next_message()
        await ann.send("/start")
        assert "restricted" not in (await ann.next_message())["text"]

        await boss.send("/admin")
        await boss.next_message()
        await boss.press("📁 Export")
        await boss.next_edit()
        await boss.press("Users")
        document = await boss.next_message()
        data = telegram_emulator.ctl.file_bytes(document["document"]["file_id"])
        assert data is not None
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert {int(r["user_id"]) for r in rows} == {boss.id, ann.id}
        assert next(r for r in rows if int(r["user_id"]) == ann.id)["username"] == "ann_k"

        await boss.send("/admin")
        await boss.next_message()
        await boss.press("📊 Stats")
        stats = await boss.next_edit()
        assert "Users: 2 in all" in stats["text"]
        await boss.press("📈 Chart, 30 days")
        photo = await boss.next_message()
        png = telegram_emulator.ctl.file_bytes(photo["photo"][-1]["file_id"])
        assert png is not None and png.startswith(PNG)
        width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
        assert (width, height) == (800, 400)
        caption = photo["caption"]  # a sentence, not "stats-20261201.png: 1 rows"
        assert caption.startswith("📈 Money paid in and spent, day by day, over the last 30 days")
        assert ".png" not in caption and "rows" not in caption

        actions = {entry.action for entry in await _audit(bot, "")}  # type: ignore[arg-type]
        assert {"balance", "block", "unblock"} <= actions


async def test_a_non_admin_reaching_for_the_panel_gets_nothing_but_an_audit_entry(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    boss_user = telegram_emulator.ctl.user("Boss", language_code="en")
    async with running_bot(tmp_path, emulator=telegram_emulator, admin_ids=(boss_user.id,)) as bot:
        eve = bot.user("Eve", language_code="en")
        await eve.send("/start")
        await eve.next_message()  # the first-run tutorial
        await eve.send("/menu")
        menu = await eve.next_message()
        assert "Balance" in str(menu["reply_markup"])  # the main menu
        labels = [b["text"] for row in menu["reply_markup"]["inline_keyboard"] for b in row]
        assert not any("Admin" in label for label in labels)

        await eve.send("/admin")
        answer = await eve.next_message()
        assert "There is no such command." in answer["text"]  # as for any unknown command
        assert "Admin" not in answer["text"]

        store = bot.tree.root.child("store")
        forged = [  # every admin button, with arguments that would act on Eve herself
            encode(code, *ADMIN_ARGS.get(code, ()))
            for code in admin.AREA.actions
            if code != "aw"  # "I want a bot like this" is a user's button
        ]
        for data in forged:
            telegram_emulator.ctl.forge_callback(eve.id, menu["message_id"], data)
        with trio.fail_after(60):  # each press edits Eve's chat: about one per second
            while len(await _audit(bot, "denied")) < len(forged) + 1:
                await trio.sleep(0.05)
        user = await store.read("default", lambda tx: tx.users.get(eve.id))
        assert not user.is_blocked  # "ak" did not block anyone
        assert bot.tree.terms["default"].current.admins == (boss_user.id,)  # nor "am" appoint
        assert not telegram_emulator.ctl.unanswered_callbacks()
        sent = [m for m in eve.messages() if m.get("document") or m.get("photo")]
        assert sent == []  # no export, no chart
        for message in eve.messages():
            assert "Admin panel" not in message.get("text", "")
            assert "Stats" not in message.get("text", "")
        account = await store.read("default", lambda tx: tx.ledger.account(eve.id, Currency.RUB))
        assert account.balance == 0


async def test_diagnostics_selftest_trace_and_a_partner_lead(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    boss_user = telegram_emulator.ctl.user("Boss", language_code="en")
    async with running_bot(tmp_path, emulator=telegram_emulator, admin_ids=(boss_user.id,)) as bot:
        boss = Conversation(telegram_emulator, boss_user)
        store = bot.tree.root.child("store")

        def old_job(tx):  # type: ignore[no-untyped-def]
            tx.users.upsert(boss.id, first_name="Boss")
            return tx.jobs.create(
                boss.id, "flux-kontext-pro", {"prompt": "a red fox"}, price=0, currency=Currency.RUB
            ).id

        job_id = await store.run("default", old_job)
        await boss.send("/admin")
        await boss.next_message()
        await boss.press("🎨 Generations")
        listing = (await boss.next_edit())["text"]
        assert f"#{job_id}" in listing and "flux-kontext-pro" in listing
        await boss.press(f"#{job_id}")
        detail = (await boss.next_edit())["text"]
        assert "prompt: a red fox" in detail and "State: created" in detail

        await boss.send("/selftest")
        report = (await boss.next_message())["text"]
        assert "everything answers" in report, report
        assert "✅ storage" in report and "✅ telegram: @" in report and "✅ kie:" in report

        await boss.send("/admin")
        await boss.next_message()
        await boss.press("🩺 Diagnostics")
        diagnostics = (await boss.next_edit())["text"]
        assert "✅ storage" in diagnostics and "✅ redis: not configured" in diagnostics
        assert "✅ webhook: none (polling)" in diagnostics
        assert "✅ leader: broadcaster:default" in diagnostics  # one instance leads it all

        lead = bot.user("Lea", username="lea_shop", language_code="en")
        await lead.send("/start")
        await lead.next_message()  # the first-run tutorial
        await lead.send("/menu")
        menu = await lead.next_message()
        await lead.press("🤝 I want a bot like this", menu)
        await lead.next_edit()
        await lead.send("A bot for my flower shop, call +1 555 0100")
        assert "passed on" in (await lead.next_message())["text"]
        note = await boss.next_message()
        assert "New partner lead" in note["text"] and "@lea_shop" in note["text"]
        assert "flower shop" in note["text"]

        # the path of Lea's /start, recorded by the correlation flush
        first_update = telegram_emulator.config.first_update_id
        trail_id = None
        with trio.fail_after(10):
            while trail_id is None:
                for update_id in range(first_update, first_update + 10):
                    steps = await store.read(
                        "default", lambda tx, u=update_id: tx.correlations.trail(f"u{u}")
                    )
                    if any(step.step == "session" for step in steps):
                        trail_id = f"u{update_id}"
                        break
                await trio.sleep(0.2)
        await boss.send("/admin")
        await boss.next_message()
        await boss.press("🩺 Diagnostics")
        await boss.next_edit()
        await boss.press("🔎 Trace an update")
        await boss.next_edit()
        await boss.send(trail_id)
        trace = (await boss.next_message())["text"]
        assert trace.startswith(f"🔎 {trail_id}") and "session" in trace, trace


async def test_settings_change_at_once_audited_and_the_main_admin_appoints_admins(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    boss_user = telegram_emulator.ctl.user("Boss", language_code="en")
    async with running_bot(tmp_path, emulator=telegram_emulator, admin_ids=(boss_user.id,)) as bot:
        boss = Conversation(telegram_emulator, boss_user)
        await boss.send("/admin")
        await boss.next_message()
        await boss.press("⚙️ Settings")
        assert "free_per_day: 5" in (await boss.next_edit())["text"]
        await boss.press("free_per_day")
        assert "free generations per user per day" in (await boss.next_edit())["text"]
        await boss.send("7")
        changed = (await boss.next_message())["text"]
        assert changed.startswith("Done.") and "free_per_day: 7" in changed
        assert bot.tree.terms["default"].current.free_per_day == 7
        await boss.press("markup")
        await boss.next_edit()
        await boss.send("0.5")
        refused = (await boss.next_message())["text"]
        assert refused.startswith("Not changed: expected a number of at least 1")
        assert bot.tree.terms["default"].current.markup != 0.5
        audited = [e.target for e in await _audit(bot, "settings.update")]
        assert audited == ["free_per_day"]

        ann = bot.user("Ann", language_code="en")
        await ann.send("/start")
        await ann.next_message()
        await ann.send("/admin")
        assert "Admin panel" not in (await ann.next_message())["text"]
        await boss.send(f"/add_admin {ann.id}")
        assert "Done." in (await boss.next_message())["text"]
        await ann.send("/admin")
        assert "Admin panel" in (await ann.next_message())["text"]
        await ann.send(f"/add_admin {boss.id}")  # only the main admin appoints
        assert "Only the main admin" in (await ann.next_message())["text"]


async def test_the_configuration_check_says_what_to_fix(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    boss_user = telegram_emulator.ctl.user("Boss", language_code="en")
    async with running_bot(
        tmp_path, emulator=telegram_emulator, admin_ids=(boss_user.id,), kie_api_key=None
    ) as bot:
        assert bot.settings.kie_api_key is None
        boss = Conversation(telegram_emulator, boss_user)
        await boss.send("/config_check")
        report = (await boss.next_message())["text"]
        assert report.startswith("🧰 Configuration: something needs fixing."), report
        assert "✅ database" in report
        assert "❌ kie" in report and "KIE_API_KEY" in report, report


async def test_payments_and_promo_codes_from_the_panel(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    boss_user = telegram_emulator.ctl.user("Boss", language_code="en")
    async with running_bot(tmp_path, emulator=telegram_emulator, admin_ids=(boss_user.id,)) as bot:
        boss = Conversation(telegram_emulator, boss_user)
        eve = bot.user("Eve", language_code="en")
        await eve.send("/start")
        await eve.next_message()
        await eve.send("/newpromo FREE 100")  # not an admin: an unknown command, nothing made
        assert "Admin" not in (await eve.next_message())["text"]

        await boss.send("/newpromo SPRING 50 10 7")
        await boss.next_message()
        await boss.send("/newpromo GIFTS 3free 10")
        assert "3 free generations" in (await boss.next_message())["text"]
        await boss.send("/admin")
        await boss.next_message()
        await boss.press("🎟 Promo codes")
        promos = (await boss.next_edit())["text"]
        assert "SPRING · 50 ₽ · 0/10" in promos and "FREE" not in promos, promos
        assert "GIFTS · 3 free generations · 0/10" in promos
        await boss.press("⛔ SPRING")
        promos = (await boss.next_edit())["text"]
        assert promos.startswith("Done.") and "SPRING · 50 ₽ · 0/10" in promos and "off" in promos
        await eve.send("/promo SPRING")
        assert "This promo code is switched off." in (await eve.next_message())["text"]
        store = bot.tree.root.child("store")
        account = await store.read("default", lambda tx: tx.ledger.account(eve.id, Currency.RUB))
        assert account.balance == 0  # a disabled code credits nothing

        await eve.send("/promo GIFTS")
        assert "+3 free generations" in (await eve.next_message())["text"]

        await boss.send("/payments")
        payments = (await boss.next_message())["text"]
        assert payments.startswith("💳 Latest payments") and "/refund" in payments
        assert [e.target for e in await _audit(bot, "promo_disable")] == ["SPRING"]


async def test_the_chart_press_is_answered_before_the_chart_is_drawn(
    telegram_emulator: TelegramEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slowest screen of the panel: the press is answered (the button's spinner stops)
    while the chart is still being drawn, and the picture follows when it is done."""
    drawing = threading.Event()
    release = threading.Event()

    def slow_chart(*args: Any, **kwargs: Any) -> bytes:
        drawing.set()
        release.wait(timeout=30)
        return money_chart(*args, **kwargs)

    monkeypatch.setattr("trt_actors.operations.admin.money_chart", slow_chart)
    boss_user = telegram_emulator.ctl.user("Boss", language_code="en")
    async with running_bot(tmp_path, emulator=telegram_emulator, admin_ids=(boss_user.id,)) as bot:
        boss = Conversation(telegram_emulator, boss_user)
        await boss.send("/admin")
        await boss.next_message()
        await boss.press("📊 Stats")
        await boss.next_edit()
        query = await boss.press("📈 Chart, 30 days")
        await boss.answer_to(query)
        assert drawing.is_set() and not release.is_set()  # answered while the work goes on
        assert telegram_emulator.ctl.unanswered_callbacks() == []
        release.set()
        photo = await boss.next_message()
        assert photo["photo"]
        assert bot.failures() == []
