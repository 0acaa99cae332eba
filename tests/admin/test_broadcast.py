"""Broadcasts: composed in the panel, sent by the leader-only broadcaster through the
outbound actor at bulk pace — no 429s, users who blocked the bot counted (and marked), and a
SIGKILL midway resumed by the next process where it stopped."""

from __future__ import annotations

from pathlib import Path

import trio

from trt_actors.emulators.telegram import EmulatorConfig, TelegramEmulator, open_telegram_emulator
from trt_actors.emulators.telegram._limits import RateLimits
from trt_actors.storage import BroadcastState, DeliveryState, Store, open_store
from trt_actors.testing.kit import Conversation, running_bot
from trt_actors.testing.trt_process import run_service, service_env

SCALE = 10  # flood limits ten times faster on both sides: the same pacing, in a tenth the time


async def _wait_state(store: Store, broadcast_id: int, state: BroadcastState, timeout: float):  # type: ignore[no-untyped-def]
    with trio.fail_after(timeout):
        while True:
            found = await store.read("default", lambda tx: tx.broadcasts.get(broadcast_id))
            if found.state is state:
                return found
            await trio.sleep(0.1)


async def test_an_admin_broadcasts_text_with_a_button_to_every_user(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    boss_user = telegram_emulator.ctl.user("Boss", language_code="en")
    async with running_bot(tmp_path, emulator=telegram_emulator, admin_ids=(boss_user.id,)) as bot:
        boss = Conversation(telegram_emulator, boss_user)
        fans = [bot.user(f"Fan{i}", language_code="en") for i in range(6)]
        for fan in fans:
            await fan.send("/start")
            await fan.next_message()
        telegram_emulator.ctl.bot.private_chat(fans[0].user).blocked = True  # quietly

        await boss.send("/admin")
        await boss.next_message()
        await boss.press("📣 Broadcast")
        await boss.next_edit()
        await boss.send("Big news: video models are here!\nTry them | https://example.com/new")
        preview = await boss.next_message()  # the message exactly as users will get it
        assert preview["text"] == "Big news: video models are here!"
        assert preview["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://example.com/new"
        confirm = await boss.next_message()
        assert "Send it to every user" in confirm["text"]
        await boss.press("📣 Send to everyone")
        status = await boss.next_edit()
        assert "The broadcast has started" in status["text"]

        store = bot.tree.root.child("store")
        [broadcast] = await store.read("default", lambda tx: tx.broadcasts.running()) or [None]
        done = await _wait_state(store, broadcast.id, BroadcastState.DONE, timeout=30)
        assert done.counts[DeliveryState.SKIPPED] == 1  # the fan who blocked the bot
        assert done.counts[DeliveryState.SENT] == 6  # five fans and the boss
        for fan in fans[1:]:
            news = [m for m in fan.messages() if m.get("text", "").startswith("Big news")]
            assert len(news) == 1
        blocked = await store.read("default", lambda tx: tx.users.get(fans[0].id))
        assert blocked.blocked_bot  # the 403 marked them

        with trio.fail_after(10):  # the boss's progress message reaches its final figures
            while not any(
                m.get("text", "").startswith(f"📣 #{broadcast.id} done") for m in boss.messages()
            ):
                await trio.sleep(0.1)
        assert [c for c in telegram_emulator.calls if c.status == 429] == []


async def test_a_formatted_broadcast_reaches_users_in_html_and_the_history_shows_it(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    """Bad markup is refused at the preview and nothing goes out; good markup is previewed
    and broadcast with parse_mode HTML (users see bold, italic, a link); the history lists
    the broadcast with its figures and duration. The emulator refuses malformed HTML as
    Telegram does, so a bad message could not have slipped through unnoticed."""
    boss_user = telegram_emulator.ctl.user("Boss", language_code="en")
    async with running_bot(tmp_path, emulator=telegram_emulator, admin_ids=(boss_user.id,)) as bot:
        boss = Conversation(telegram_emulator, boss_user)
        fans = [bot.user(f"Fan{i}", language_code="en") for i in range(4)]
        for fan in fans:
            await fan.send("/start")
            await fan.next_message()
        telegram_emulator.ctl.bot.private_chat(fans[0].user).blocked = True

        await boss.send("/admin")
        await boss.next_message()
        await boss.press("📣 Broadcast")
        compose = await boss.next_edit()
        assert "Formatting is Telegram's HTML" in compose["text"]
        sent_before = len(telegram_emulator.calls)
        await boss.send("<b>Big news</b>: prices < 10 ₽ on <i>video</i>")
        refused = await boss.next_message()
        assert refused["text"].startswith("❌ The formatting has a mistake, so nothing was sent.")
        assert 'A "<" that opens no tag' in refused["text"] and "Line 1:" in refused["text"]
        later = list(telegram_emulator.calls)[sent_before:]
        assert [c for c in later if c.params.get("parse_mode")] == []  # no preview went out

        markup = (
            '<b>Big news</b>: <i>video</i> models &amp; more — <a href="https://example.com/new">'
            "try them</a>"
        )
        await boss.send(markup)
        preview = await boss.next_message()
        shown = "Big news: video models & more — try them"
        assert preview["text"] == shown
        assert [e["type"] for e in preview["entities"]] == ["bold", "italic", "text_link"]
        await boss.next_message()  # "Send it to every user?"
        await boss.press("📣 Send to everyone")
        await boss.next_edit()

        store = bot.tree.root.child("store")
        [broadcast] = await store.read("default", lambda tx: tx.broadcasts.running()) or [None]
        done = await _wait_state(store, broadcast.id, BroadcastState.DONE, timeout=30)
        assert done.counts[DeliveryState.SENT] == 4  # three fans and the boss
        assert done.counts[DeliveryState.SKIPPED] == 1
        for fan in fans[1:]:
            [news] = [m for m in fan.messages() if m.get("text") == shown]
            assert news["entities"][2]["url"] == "https://example.com/new"
        sends = [
            c
            for c in telegram_emulator.calls
            if c.method == "sendMessage" and c.params.get("text") == markup
        ]
        assert len(sends) == 6  # the preview, then the boss and the four fans (one 403)
        assert {c.params.get("parse_mode") for c in sends} == {"HTML"}

        await boss.send("/admin")
        while "Admin panel" not in (await boss.next_message())["text"]:
            pass  # the broadcaster's progress message may come first
        await boss.press("📣 Broadcast")
        await boss.next_edit()
        await boss.press("📜 Past broadcasts")
        history = (await boss.next_edit())["text"]
        assert history.startswith("📜 Broadcasts, newest first")
        assert f"#{broadcast.id} · " in history and " · finished · " in history
        assert "✅ 4 sent · ⛔ 1 blocked · ⚠️ 0 failed\n" + shown in history
        await boss.press(f"#{broadcast.id}")
        status = (await boss.next_edit())["text"]
        assert f"Broadcast {broadcast.id}: finished" in status
        assert "Sent: 4" in status and "Blocked the bot: 1" in status and "Time: " in status


async def test_a_broadcast_to_1000_users_survives_sigkill_and_counts_the_blocked(
    tmp_path: Path,
) -> None:
    limits = RateLimits(
        private_per_second=1.0 * SCALE,
        group_per_minute=20.0 * SCALE,
        global_per_second=30.0 * SCALE,
    )
    async with open_telegram_emulator(EmulatorConfig(rate_limits=limits)) as emu:
        assert emu.base_url is not None
        users = [emu.ctl.user(f"R{i}", language_code="en") for i in range(1000)]
        for user in users:
            emu.ctl.bot.private_chat(user)
        blocked = users[::20]  # 50 users blocked the bot; the bot does not know yet
        for user in blocked:
            emu.ctl.bot.private_chat(user).blocked = True
        url = f"sqlite:///{tmp_path}/trt.db"
        async with open_store(url) as store:

            def seed(tx):  # type: ignore[no-untyped-def]
                for user in users:
                    tx.users.upsert(user.id, first_name=user.first_name)
                created = tx.broadcasts.create(
                    users[0].id, {"method": "sendMessage", "text": "hi all"}
                )
                tx.broadcasts.set_state(created.id, BroadcastState.RUNNING)
                return created.id

            broadcast_id = await store.run("default", seed)
        env = service_env(emu.base_url, emu.config.token, tmp_path, TELEGRAM_RATE_SCALE=str(SCALE))

        def received() -> int:
            return sum(1 for u in users if emu.ctl.bot_messages(u))

        async with run_service(env, tmp_path) as first:
            with trio.fail_after(60):
                while received() < 200:
                    await trio.sleep(0.02)
            first.kill()
            await first.wait()
        at_kill = received()
        assert at_kill < 950, "the kill came too late to prove anything"

        async with run_service(env, tmp_path) as second:
            async with open_store(url) as store:
                done = await _wait_state(store, broadcast_id, BroadcastState.DONE, timeout=90)
                marked = await store.read(
                    "default", lambda tx: sum(tx.users.get(u.id).blocked_bot for u in blocked)
                )
            second.signal()
            assert await second.wait() == 0

        assert done.counts[DeliveryState.SKIPPED] == len(blocked)
        assert done.counts[DeliveryState.SENT] == 1000 - len(blocked)
        assert done.counts[DeliveryState.PENDING] == 0
        assert marked == len(blocked)
        copies = [len(emu.ctl.bot_messages(u)) for u in users if u not in blocked]
        assert min(copies) == 1
        assert sum(copies) - len(copies) <= 8  # at most one in flight per sender re-sent
        assert [c for c in emu.calls if c.status == 429] == []
        emu.assert_no_violations()
