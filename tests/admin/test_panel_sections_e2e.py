"""More of the panel through the emulator: the audit log, "see as a user" and back, every
CSV export matching the database, and a broadcast cancelled midway."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import trio

from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.storage import BroadcastState, Currency, DeliveryState
from trt_actors.testing.kit import Conversation, running_bot


async def test_audit_see_as_user_and_every_export(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    boss_user = telegram_emulator.ctl.user("Boss", language_code="en")
    async with running_bot(tmp_path, emulator=telegram_emulator, admin_ids=(boss_user.id,)) as bot:
        boss = Conversation(telegram_emulator, boss_user)
        store = bot.tree.root.child("store")

        def seed(tx):  # type: ignore[no-untyped-def]
            tx.users.upsert(boss.id, first_name="Boss")
            tx.users.upsert(77, first_name="Zoe")
            tx.payments.record_stars(77, 100, charge_id="charge-77")
            tx.jobs.create(77, "z-image", {"prompt": "fox"}, price=0, currency=Currency.RUB)

        await store.run("default", seed)
        await boss.send("/block_user 77")
        await boss.next_message()

        await boss.send("/admin")
        await boss.next_message()
        await boss.press("🧾 Audit log")
        audit = (await boss.next_edit())["text"]
        assert f"{boss.id} block 77" in audit

        await boss.press("⬅️ Panel")
        await boss.next_edit()
        await boss.press("👁 See as a user")
        as_user = await boss.next_edit()
        assert "as a user does" in as_user["text"]
        labels = str(as_user["reply_markup"])
        assert "Admin panel" not in labels
        await boss.send("/stats_nothing")  # an unknown command, as for anyone
        await boss.next_message()
        await boss.send("/admin")  # the way back
        assert "Admin panel" in (await boss.next_message())["text"]

        for table, label in (("payments", "Payments"), ("jobs", "Generations")):
            await boss.press("📁 Export")
            await boss.next_edit()
            await boss.press(label)
            document = await boss.next_message()
            data = telegram_emulator.ctl.file_bytes(document["document"]["file_id"])
            assert data is not None
            rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
            if table == "payments":
                [row] = rows
                assert (row["user_id"], row["method"], row["amount"]) == ("77", "stars", "100")
                assert row["external_id"] == "charge-77"
            else:
                [row] = rows
                assert (row["user_id"], row["model_id"], row["state"]) == (
                    "77",
                    "z-image",
                    "created",
                )
            await boss.send("/admin")
            await boss.next_message()


async def test_a_broadcast_cancelled_midway_stops_before_the_rest(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    boss_user = telegram_emulator.ctl.user("Boss", language_code="en")
    fans = [telegram_emulator.ctl.user(f"F{i}") for i in range(400)]
    for fan in fans:
        telegram_emulator.ctl.bot.private_chat(fan)
    async with running_bot(tmp_path, emulator=telegram_emulator, admin_ids=(boss_user.id,)) as bot:
        store = bot.tree.root.child("store")

        def seed(tx):  # type: ignore[no-untyped-def]
            for fan in fans:
                tx.users.upsert(fan.id, first_name=fan.first_name)

        await store.run("default", seed)
        boss = Conversation(telegram_emulator, boss_user)
        await boss.send("/admin")
        await boss.next_message()
        await boss.press("📣 Broadcast")
        await boss.next_edit()
        await boss.send("News for everyone")
        await boss.next_message()  # the preview
        await boss.next_message()  # Send to everyone?
        await boss.press("📣 Send to everyone")
        status = await boss.next_edit()
        assert "sending" in status["text"]
        with trio.fail_after(20):  # let a few go out (bulk pace: about 25 per second)
            while sum(1 for f in fans if telegram_emulator.ctl.bot_messages(f)) < 20:
                await trio.sleep(0.05)
        await boss.press("⏹ Cancel")
        cancelled = await boss.next_edit()
        assert "cancelled" in cancelled["text"]
        await trio.sleep(2)  # the broadcaster sees it before its next batch
        sent = sum(1 for f in fans if telegram_emulator.ctl.bot_messages(f))
        await trio.sleep(2)
        assert sum(1 for f in fans if telegram_emulator.ctl.bot_messages(f)) == sent  # stopped
        assert sent < len(fans)
        found = await store.read("default", lambda tx: tx.broadcasts.get(1))
        assert found.state is BroadcastState.CANCELLED
        assert found.counts[DeliveryState.PENDING] > 0
