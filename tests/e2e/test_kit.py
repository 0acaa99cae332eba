"""The test kit itself, as someone extending the bot would use it."""

from __future__ import annotations

from trt_actors.testing.kit import BotService


async def test_a_conversation_through_the_kit(bot_service: BotService) -> None:
    ann = bot_service.user("Ann", language_code="en")
    await ann.send("/start")
    menu = await ann.next_message()
    assert "Hi, Ann" in menu["text"]
    await ann.press("🎨 Create")
    assert "opens soon" in (await ann.next_edit())["text"]
    await ann.press("🏠 Main menu")
    assert "Hi, Ann" in (await ann.next_edit())["text"]
    await ann.send("hello?")
    assert "/start" in (await ann.next_message())["text"]
