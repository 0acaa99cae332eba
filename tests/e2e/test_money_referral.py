"""Referrals end to end: the link is a t.me deep link with the bot's own username (read with
getMe at start) that carries a code, and a Share button passes it on; a new user who opens it
and the referrer both get the bonus once; a user who existed before gets nothing."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import trio

from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.texts import text
from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.storage import Store, Tx
from trt_actors.testing.kit import running_bot


async def test_referral_bonus_once_for_both_and_never_for_an_existing_user(
    tmp_path: Path, telegram_emulator: TelegramEmulator
) -> None:
    terms = TenantSettings(referral_bonus_free=10)
    async with running_bot(tmp_path, emulator=telegram_emulator, terms=terms) as bot:
        store: Store = bot.tree.root.child("store")
        ann, bob, cid = (bot.user(n, language_code="en") for n in ("Ann", "Bob", "Cid"))
        for person in (ann, cid):
            await person.send("/start")
            await person.next_message()
        await ann.send("/menu")
        await ann.next_message()
        with trio.fail_after(10):  # the warmup's getMe names the bot
            while bot.tree.identities["default"].username is None:
                await trio.sleep(0.01)
        await ann.press(text("en", "menu_referral"))
        screen = await ann.next_edit()
        username = telegram_emulator.ctl.bot.user.username
        link = next(w for w in screen["text"].split() if w.startswith("https://t.me/"))
        assert link.startswith(f"https://t.me/{username}?start=ref_")
        payload = parse_qs(urlsplit(link).query)["start"][0]
        assert str(ann.id) not in payload
        share = screen["reply_markup"]["inline_keyboard"][0][0]
        assert share["text"] == text("en", "pay_btn_share")
        shared = parse_qs(urlsplit(share["url"]).query)
        assert share["url"].startswith("https://t.me/share/url?") and shared["url"] == [link]

        await bob.send(f"/start {payload}")
        welcome = await bob.next_message()
        assert text("en", "pay_referral_welcome", n=10) in welcome["text"]
        joined = await ann.next_message()
        assert joined["text"] == text("en", "pay_referral_friend_joined", n=10)
        await bob.send(f"/start {payload}")  # again: nothing more
        await bob.next_message()
        await cid.send(f"/start {payload}")  # Cid existed before the link: nothing
        await cid.next_message()

        def bonuses(tx: Tx) -> tuple[int, int, int, int]:
            left = tx.free_bonus.left
            return left(ann.id), left(bob.id), left(cid.id), tx.referrals.count_for(ann.id)

        assert await store.read("default", bonuses) == (10, 10, 0, 1)
        await ann.send("/menu")
        await ann.next_message()
        await ann.press(text("en", "menu_referral"))
        stats = await ann.next_edit()
        assert "Invited: 1" in stats["text"] and "Activated: 1" in stats["text"]
        assert "Bonus generations earned: 10" in stats["text"]
        assert len([m for m in ann.messages() if m.get("text") == joined["text"]]) == 1
