"""A deployment of the old bot brought over, through the Telegram emulator: an imported user's
/start, Balance and History show what they had; sending an old result again says so when its
file is gone; old referral links still refer (once, and only to users brought over); a Stars
payment made in the old bot is refunded through the usual path."""

from __future__ import annotations

import base64
import datetime
import json
from pathlib import Path
from typing import Any

from tests.importer.old_bot import ANN, BOB, STARS_CHARGE, partner_01
from tests.importer.support import plan
from trt_actors.domain.callbacks import encode
from trt_actors.domain.quota import quota_day
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.texts import text
from trt_actors.emulators.telegram import FaultKind, TelegramEmulator
from trt_actors.emulators.telegram._store import Charge
from trt_actors.importer import run_import
from trt_actors.storage import Currency, Store, Tx
from trt_actors.testing.kit import BotService, running_bot

BOSS = 7_000_001
OLD_FILES = "https://tempfile.example/"


def old_link(user_id: int) -> str:
    """The old bot's newer link format: base64 of u:<id>."""
    return "ref_" + base64.urlsafe_b64encode(f"u:{user_id}".encode()).decode().rstrip("=")


async def bring_over(bot: BotService, tmp_path: Path) -> None:
    """Import partner-01 into the running bot's database; its results' links point at files
    that are gone (the KIE emulator answers 404 for them)."""
    today = quota_day(datetime.datetime.now(datetime.UTC), "Europe/Moscow")
    directory = tmp_path / "old" / "partner-01"
    directory.mkdir(parents=True)
    gone = f"{bot.kie.base_url}/files/gone/"
    for name, document in partner_01(today).items():
        raw = json.dumps(document).replace(OLD_FILES, gone)
        (directory / name).write_text(raw, encoding="utf-8")
    url = bot.settings.database_url.get_secret_value()
    report = await run_import(plan(url, today=today, source_dir=tmp_path / "old", tenant="default"))
    assert report.money_agrees


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button for row in rows for button in row]


async def test_an_imported_user_finds_their_balance_and_history(
    tmp_path: Path, telegram_emulator: TelegramEmulator
) -> None:
    async with running_bot(tmp_path, emulator=telegram_emulator) as bot:
        await bring_over(bot, tmp_path)
        ann = bot.user("Ann", language_code="ru", user_id=ANN)  # she chose English before
        await ann.send("/start")
        menu = await ann.next_message()
        assert menu["text"] == text("en", "welcome", name="Ann")  # no first-run tutorial

        await ann.press(text("en", "menu_balance"))
        balance = await ann.next_edit()
        assert text("en", "pay_balance", balance="152.37 ₽") in balance["text"]
        assert f"{text('en', 'pay_kind_opening')} · +152.37 ₽" in balance["text"]

        await ann.send("/history")
        history = await ann.next_message()
        opened = [b for b in buttons(history) if b["callback_data"].split("|")[1:2] == ["jo"]]
        assert len(opened) == 4  # four past generations, each once
        assert all(text("en", "job_word_delivered") in b["text"] for b in opened)
        newest = opened[0]
        await ann.press(newest["text"])
        detail = await ann.next_edit()
        job_id = newest["callback_data"].split("|")[2]
        assert detail["text"].startswith(f"#{job_id} · Flux 2 Pro")  # our model, by its name
        assert "3 ₽" in detail["text"]  # the newest: the one only history_events.json had
        assert "19.01.2026" in detail["text"]  # made in the old bot, shown at its time

        # Send again: the old file is gone (Telegram cannot fetch it, nor can the bot).
        telegram_emulator.faults.inject(
            FaultKind.BAD_REQUEST,
            method="sendPhoto",
            description="Bad Request: failed to get HTTP URL content",
        )
        query = await ann.press_data(encode("jd", job_id), detail)
        assert (await ann.answer_to(query))["text"] == text("en", "job_redelivering")
        told = await ann.next_message()
        assert told["text"] == text("en", "job_resend_failed", job=job_id)

        # Again, on the oldest (the legacy shape): its model and prompt, ready to confirm.
        await ann.send("/history")
        await ann.next_message()
        await ann.press(opened[-1]["text"])
        oldest = await ann.next_edit()
        await ann.press(text("en", "job_btn_again"), oldest)
        again = await ann.next_edit()
        assert "Flux 2 Pro" in again["text"] and "a lighthouse" in again["text"]
        assert "148.37 ₽" in again["text"]  # her old balance, less the price here
        assert bot.failures() == []


async def test_old_referral_links_and_an_old_stars_payment(
    tmp_path: Path, telegram_emulator: TelegramEmulator
) -> None:
    terms = TenantSettings(admins=(BOSS,), main_admin=BOSS, referral_bonus_free=10)
    async with running_bot(tmp_path, emulator=telegram_emulator, terms=terms) as bot:
        store: Store = bot.tree.root.child("store")
        await bring_over(bot, tmp_path)
        ann = bot.user("Ann", language_code="en", user_id=ANN)
        bob = bot.user("Bob", language_code="en", user_id=BOB)
        zed, kim, lou, max_ = (
            bot.user(n, language_code="en") for n in ("Zed", "Kim", "Lou", "Max")
        )
        await lou.send("/start")  # a user of this bot, not of the old one
        await lou.next_message()

        # The old bot's plain link. Ann has not written to this bot yet: the notice to her
        # cannot be sent, which costs Zed nothing.
        await zed.send(f"/start ref_{ANN}")
        welcome = await zed.next_message()
        assert text("en", "pay_referral_welcome", n=10) in welcome["text"]
        await ann.send("/start")
        await ann.next_message()
        await kim.send(f"/start {old_link(ANN)}")  # the old bot's newer link
        assert text("en", "pay_referral_welcome", n=10) in (await kim.next_message())["text"]
        joined = await ann.next_message()
        assert joined["text"] == text("en", "pay_referral_friend_joined", n=10)
        await zed.send(f"/start ref_{ANN}")  # again: nothing more
        await zed.next_message()
        await bob.send(f"/start ref_{ANN}")  # referred in the old bot already: nothing
        await bob.next_message()
        await max_.send(f"/start ref_{lou.id}")  # an old-style link to a local user: nothing
        await max_.next_message()

        def bonuses(tx: Tx) -> dict[str, int]:
            people = {"ann": ANN, "zed": zed.id, "kim": kim.id, "bob": BOB, "max": max_.id}
            return {name: tx.free_bonus.left(uid) for name, uid in people.items()}

        assert await store.read("default", bonuses) == {
            "ann": 10 + 10 + 10, "zed": 10, "kim": 10, "bob": 0, "max": 0,
        }  # fmt: skip
        assert len([m for m in ann.messages() if m.get("text") == joined["text"]]) == 1

        # A Stars payment of the old bot, refunded by an admin: Telegram returns the Stars,
        # the rubles it credited (48.125 ₽ → 48.12 ₽) come off the balance.
        bot.emulator.ctl.bot.charges[STARS_CHARGE] = Charge(STARS_CHARGE, ANN, "XTR", 77, "old")
        boss = bot.user("Boss", language_code="en", user_id=BOSS)
        await boss.send("/start")
        await boss.next_message()
        await boss.send(f"/refund {STARS_CHARGE} disputed")
        done = await boss.next_message()
        assert "48.12 ₽ debited" in done["text"]
        left = await store.read("default", lambda tx: tx.ledger.account(ANN, Currency.RUB))
        assert left.balance == 15237 - 4812
        assert bot.emulator.ctl.bot.charges[STARS_CHARGE].refunded
        assert bot.failures() == []
