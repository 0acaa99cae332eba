"""The help knowledge base through the whole service: an admin adds, edits and deletes
entries with commands; users find them with /search and /ask — in Russian and English — and
/ask without a match points to support."""

from __future__ import annotations

from pathlib import Path

from trt_actors.emulators.telegram import TelegramEmulator
from trt_actors.testing.kit import Conversation, running_bot


async def test_admins_write_the_help_and_users_find_it(
    telegram_emulator: TelegramEmulator, tmp_path: Path
) -> None:
    admin_user = telegram_emulator.ctl.user("Admin", language_code="en")
    async with running_bot(
        tmp_path, emulator=telegram_emulator, admin_ids=str(admin_user.id)
    ) as service:
        ann = service.user("Ann", language_code="en")
        boss = Conversation(telegram_emulator, admin_user)
        await boss.send("/add Как пополнить баланс? | Откройте «Баланс» и выберите сумму.")
        added = (await boss.next_message())["text"]
        assert "Added to the help as #" in added
        number = added.split("#", 1)[1].split(":", 1)[0]
        await boss.send("/add How do I make images? | Choose Text to image and type a prompt.")
        await boss.next_message()

        await ann.send("/search пополнение баланса")
        found = (await ann.next_message())["text"]
        assert "Откройте «Баланс» и выберите сумму." in found
        await ann.send("/ask how to make an image?")
        assert "Choose Text to image" in (await ann.next_message())["text"]
        await ann.send("/ask what is the meaning of life")
        assert "no ready answer" in (await ann.next_message())["text"]
        await ann.send(f"/kb_delete {number}")  # for users, an admin's command is unknown
        assert "There is no such command." in (await ann.next_message())["text"]

        await boss.send(f"/kb_edit {number} Как купить кредиты? | Через «Баланс».")
        assert "Как купить кредиты?" in (await boss.next_message())["text"]
        await ann.send("/search кредиты")
        assert "Через «Баланс»." in (await ann.next_message())["text"]
        await boss.send(f"/kb_delete {number}")
        assert f"#{number} deleted" in (await boss.next_message())["text"]
        await ann.send("/search кредиты")
        assert "Nothing found" in (await ann.next_message())["text"]
        assert service.failures() == []
