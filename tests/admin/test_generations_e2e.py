"""An admin opens a user's delivered generation and sends it to the user again; the stats
show KIE's credit balance."""

from __future__ import annotations

from pathlib import Path

import trio

from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.testing.kit import Conversation, running_bot

from ..e2e.test_generation_per_kind import confirm, data_of, seed_money


async def test_an_admin_resends_a_delivered_generation_to_its_owner(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    boss_user = telegram_emulator.ctl.user("Boss", language_code="en")
    async with running_bot(tmp_path, emulator=telegram_emulator, admin_ids=(boss_user.id,)) as bot:
        boss = Conversation(telegram_emulator, boss_user)
        ann = bot.user("Ann", language_code="en")
        await ann.send("/start")
        await ann.next_message()
        await ann.press("Skip")
        await ann.next_edit()
        await seed_money(bot, ann.id)
        confirmation = await confirm(ann, bot, "z-image")
        [ok] = [d for d in data_of(confirmation) if d.startswith("v1|ok|")]
        await ann.press_data(ok)
        with trio.fail_after(40):
            while not any("photo" in m for m in ann.messages()):
                await trio.sleep(0.1)
        [job_id] = {
            d.split("|")[2] for m in ann.messages() for d in data_of(m) if d.startswith("v1|ja|")
        }

        await boss.send("/admin")
        await boss.next_message()
        await boss.press("📊 Stats")
        stats = (await boss.next_edit())["text"]
        assert "KIE credits:" in stats and "worth" in stats, stats
        await boss.press("⬅️ Panel")
        await boss.next_edit()
        await boss.press("🎨 Generations")
        await boss.next_edit()
        await boss.press(f"#{job_id}")
        detail = (await boss.next_edit())["text"]
        assert "State: delivered" in detail
        await boss.press("📤 Send to the user again")
        assert (await boss.next_edit())["text"].startswith("Done.")
        with trio.fail_after(20):
            while sum(1 for m in ann.messages() if "photo" in m) < 2:
                await trio.sleep(0.1)
        store = bot.tree.root.child("store")
        audit = await store.read("default", lambda tx: tx.audit.recent(action="redeliver"))
        assert [entry.target for entry in audit] == [job_id]
