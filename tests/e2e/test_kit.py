"""The test kit itself, as someone extending the bot would use it: a whole journey from /start
to a started generation, through the real tree and the Telegram emulator."""

from __future__ import annotations

from trt_actors.testing.kit import BotService


async def test_a_conversation_through_the_kit(bot_service: BotService) -> None:
    ann = bot_service.user("Ann", language_code="en")
    await ann.send("/start")
    tutorial = await ann.next_message()
    assert "Hi, Ann" in tutorial["text"]  # a new user: the first tutorial page
    await ann.press("Skip")
    assert "Hi, Ann" in (await ann.next_edit())["text"]  # the main menu, edited in place
    await ann.press("🎨 Text to image")
    assert "choose a model" in (await ann.next_edit())["text"]
    await ann.press("🎁 Z-Image · from 0.64 ₽")  # a free model, marked
    assert "Price: 0.64 ₽" in (await ann.next_edit())["text"]
    await ann.press("▶ Start")
    assert "Prompt" in (await ann.next_edit())["text"]
    await ann.send("a red fox in the snow")
    assert "settings" in (await ann.next_message())["text"]
    await ann.press("Continue ▶")
    confirmation = await ann.next_edit()
    assert "a red fox in the snow" in confirmation["text"]
    assert "Free. After this one: 4 free generations left today" in confirmation["text"]
    await ann.press("✅ Start for free")
    assert "Starting Z-Image" in (await ann.next_edit())["text"]
    result = await bot_service.emulator.ctl.wait_for(  # the KIE emulator makes a real PNG
        ann.user, lambda message: "photo" in message, timeout=30
    )
    assert result["caption"].startswith("Z-Image\n") and "a red fox" in result["caption"]
    progress = await ann.next_message()  # the progress message came first, then the result
    assert progress["message_id"] < result["message_id"]
    assert (await ann.next_message())["message_id"] == result["message_id"]
    done = await bot_service.emulator.ctl.wait_for(
        ann.user, lambda message: str(message.get("text", "")).startswith("✅"), timeout=10
    )
    assert done["message_id"] == progress["message_id"]  # its last word, edited in place
    [task] = bot_service.kie.ctl.tasks()
    assert task.body["input"]["prompt"] == "a red fox in the snow"
    await ann.send("hello?")
    hint = await ann.next_message()
    assert "did not understand" in hint["text"]
    assert hint["reply_markup"]["inline_keyboard"]  # never a dead end: the menu comes along
    assert bot_service.emulator.ctl.unanswered_callbacks() == []
