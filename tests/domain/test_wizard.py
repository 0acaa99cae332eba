"""The wizard's transitions: each input type, Back/Reset/Cancel, Edit, and Confirm — once."""

from __future__ import annotations

import pytest

from trt_actors.domain.callbacks import encode
from trt_actors.domain.effects import StartGeneration
from trt_actors.domain.state import JourneyState
from trt_actors.domain.texts import text
from trt_actors.domain.updates import read

from .support import (
    PROMPT,
    Chat,
    audio_update,
    callback_update,
    context,
    journey,
    message_update,
    photo_update,
)

LANGUAGES = ["ru", "en"]
RICH = {"balance_kopecks": 1_000_000, "free_left_today": 0}


def t(language: str, key: str, **values: object) -> str:
    return text(language, key, **values)


def draft_of(chat: Chat) -> dict:  # type: ignore[type-arg]
    return dict(chat.state["draft"])


def at_settings(model_id: str, language: str = "en", **ctx: object) -> Chat:
    """A chat whose wizard for `model_id` stands at the settings list (prompt answered)."""
    chat = Chat(language, ctx=context(**{**RICH, **ctx})).started()
    chat.press(encode("go", model_id))
    chat.send(PROMPT)
    assert draft_of(chat)["at"] == "opt", chat.text
    return chat


def open_setting(chat: Chat, name_label: str) -> None:
    chat.tap(name_label)


@pytest.mark.parametrize("language", LANGUAGES)
def test_enum_buttons_carry_prices_when_the_choice_changes_the_price(language: str) -> None:
    chat = at_settings("runway-t2v", language)
    open_setting(chat, "Duration" if language == "en" else "Длительность")
    labels = [label for label, data in chat.buttons().items() if data.startswith("v1|en|")]
    money_5 = "9,60 ₽" if language == "ru" else "9.60 ₽"
    assert any(money_5 in label and label.startswith("✅") for label in labels)
    assert any("24 ₽" in label for label in labels)
    chat.send(PROMPT)  # text at a button step: a hint, the same step
    assert chat.text.startswith(t(language, "hint_use_buttons"))
    open_aspect = at_settings("runway-t2v", language)
    open_setting(open_aspect, "Aspect ratio" if language == "en" else "Формат кадра")
    ratios = [label for label, data in open_aspect.buttons().items() if data.startswith("v1|en|")]
    assert not any("₽" in label for label in ratios)  # same price for every ratio: no prices


def test_an_option_the_other_choices_rule_out_is_refused_with_the_reason() -> None:
    chat = at_settings("runway-t2v")
    open_setting(chat, "Quality")
    chat.tap("1080p")
    assert draft_of(chat)["values"]["quality"] == "1080p"
    assert draft_of(chat)["at"] == "opt"  # back to the settings after an edit
    open_setting(chat, "Duration")
    assert any(label.startswith("🚫") for label in chat.buttons())
    chat.tap("10")
    assert chat.text.startswith("Runway does not make 10-second videos in 1080p")
    assert "duration" not in draft_of(chat)["values"]
    assert draft_of(chat)["at"] == "i2"


def test_a_boolean_is_a_toggle_and_changes_the_price() -> None:
    chat = at_settings("kling-2-6-t2v")
    open_setting(chat, "With sound")
    assert "⬜ With sound: no" in chat.buttons()
    chat.tap("With sound: no")
    assert "✅ With sound: yes" in chat.buttons()
    chat.tap("Done")
    assert draft_of(chat)["values"]["sound"] is True
    chat.tap("Continue")
    assert "Price: 88 ₽" in chat.text  # 110 credits with sound, not 55


def test_numbers_are_checked_for_form_and_range() -> None:
    chat = Chat("en", ctx=context(**RICH)).started()
    chat.press(encode("go", "ideogram-v3-remix"))
    chat.feed(photo_update("en", "source"))
    chat.send(PROMPT)
    chat.tap("Strength")
    assert "Send a number from 0.01 to 1" in chat.text
    chat.send("a lot")
    assert chat.text.startswith("That does not look like a number. For example: 0.8")
    chat.send("5")
    assert chat.text.startswith("Strength: from 0.01 to 1")
    chat.send("0,015")
    assert chat.text.startswith("Strength: in steps of 0.01")
    chat.send("0,5")
    assert draft_of(chat)["values"]["strength"] == "1/2"
    assert "Strength: 0.5" in chat.buttons()


def test_text_length_is_checked_with_the_numbers() -> None:
    chat = Chat("ru", ctx=context(**RICH)).started()
    chat.press(encode("go", "flux-2-pro"))
    chat.send("ab")
    assert chat.text.startswith("«Описание (промпт)»: не короче 3 символов")
    chat.send("x" * 5001)
    assert chat.text.startswith("«Описание (промпт)»: не длиннее 5000 символов (сейчас 5001)")
    assert draft_of(chat)["at"] == "i0"


def test_several_photos_then_done_and_the_limit() -> None:
    chat = Chat("en", ctx=context(**RICH)).started()
    chat.press(encode("go", "nano-banana-edit"))
    assert "1 to 10" in chat.text
    assert not any(d.startswith("v1|dn|") for d in chat.buttons().values())  # nothing yet
    chat.feed(photo_update("en", "p1"))
    chat.feed(photo_update("en", "p2"))
    assert chat.text.startswith("Files received: 2. Send more or press Done.")
    chat.tap("Done")
    assert draft_of(chat)["at"] == "i1"  # the prompt
    assert [f["id"] for f in draft_of(chat)["media"]["images"]] == ["p1", "p2"]


def test_the_last_allowed_file_moves_on_by_itself_and_more_are_refused() -> None:
    chat = Chat("en", ctx=context(**RICH)).started()
    chat.press(encode("go", "veo-3-1-fast-i2v"))  # 1 to 2 images
    chat.feed(photo_update("en", "a"))
    chat.feed(photo_update("en", "b"))
    assert draft_of(chat)["at"] == "i1"
    chat.press(encode("bk", draft_of(chat)["n"]))
    chat.feed(photo_update("en", "c"))
    assert chat.text.startswith("The most files this step takes (2) have arrived.")


def test_a_too_long_audio_is_refused_with_the_limit() -> None:
    chat = Chat("en", ctx=context(**RICH)).started()
    chat.press(encode("go", "infinitalk"))
    chat.feed(photo_update("en", "face"))
    assert "At most 15 s long." in chat.text
    chat.feed(audio_update("en", "long", seconds=20))
    assert chat.text.startswith("Voice recording (up to 15 s): at most 15 s long")
    chat.feed(audio_update("en", "ok", seconds=10))
    assert draft_of(chat)["at"] == "i2"


def test_a_voice_message_and_an_image_document_fill_their_inputs() -> None:
    chat = Chat("en", ctx=context(**RICH)).started()
    chat.press(encode("go", "infinitalk"))
    document = {"file_id": "doc", "file_unique_id": "d", "mime_type": "image/png"}
    chat.feed(message_update("en", document=document))
    voice = {"file_id": "voice", "file_unique_id": "v", "duration": 4}
    chat.feed(message_update("en", voice=voice))
    media = draft_of(chat)["media"]
    assert media["image"][0]["id"] == "doc" and media["audio"][0] == {"id": "voice", "s": "4"}


def test_a_caption_answers_the_prompt_step_that_follows_the_photo() -> None:
    update = photo_update("en", "face2")
    update["message"]["caption"] = "make her smile"
    chat = Chat("en", ctx=context(**RICH)).started()
    chat.press(encode("go", "kling-2-6-i2v"))
    chat.feed(update)
    assert draft_of(chat)["values"]["prompt"] == "make her smile"
    assert draft_of(chat)["at"] == "opt"


def test_an_optional_file_can_be_skipped() -> None:
    chat = at_settings("nano-banana-pro")
    chat.tap("Reference images")
    chat.tap("Skip")
    assert draft_of(chat)["at"] == "opt"
    assert "images" not in draft_of(chat)["media"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_back_reset_and_cancel(language: str) -> None:
    chat = Chat(language, ctx=context(**RICH)).started()
    chat.press(encode("go", "kling-2-6-i2v"))
    chat.feed(photo_update(language, "face"))
    assert draft_of(chat)["at"] == "i1"
    chat.tap(t(language, "btn_back"))
    assert draft_of(chat)["at"] == "i0"
    chat.tap(t(language, "btn_back"))
    assert "draft" not in chat.state and chat.state["screen"] == "c|kling-2-6-i2v"
    chat.press(encode("go", "kling-2-6-i2v"))
    chat.feed(photo_update(language, "face"))
    chat.send(PROMPT)
    chat.tap(t(language, "btn_reset"))
    assert chat.text.startswith(t(language, "note_reset"))
    assert draft_of(chat)["at"] == "i0" and draft_of(chat)["values"] == {}
    chat.tap(t(language, "btn_cancel"))
    assert chat.text.startswith(t(language, "note_cancelled"))
    assert "draft" not in chat.state and chat.state["screen"] == "m"


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_enough_money_the_confirmation_shows_the_shortfall_and_top_up(
    language: str,
) -> None:
    chat = at_settings("runway-t2v", language, balance_kopecks=500)
    chat.tap(t(language, "btn_continue"))
    missing = "4,60 ₽" if language == "ru" else "4.60 ₽"
    assert t(language, "confirm_shortfall", balance="5 ₽", missing=missing) in chat.text
    assert encode("u") in chat.buttons().values()
    assert not any(d.startswith("v1|ok|") for d in chat.buttons().values())
    chat.press(encode("ok", draft_of(chat)["n"]))  # an old Confirm button: nothing starts
    assert chat.effects == []
    assert chat.text.startswith(t(language, "note_not_ready"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_free_generations_are_offered_while_some_are_left(language: str) -> None:
    chat = at_settings("z-image", language, free_left_today=3, balance_kopecks=0)
    chat.tap(t(language, "btn_continue"))
    assert t(language, "confirm_free", left=2) in chat.text  # 3 left, 2 after this one
    chat.tap(t(language, "btn_confirm_free"))
    assert isinstance(chat.effects[0], StartGeneration) and chat.effects[0].free
    chat = at_settings("z-image", language, free_left_today=0, balance_kopecks=0)
    chat.tap(t(language, "btn_continue"))
    assert (
        t(language, "confirm_price", price="0,64 ₽" if language == "ru" else "0.64 ₽") in chat.text
    )


def test_edit_from_the_confirmation_changes_the_order() -> None:
    chat = at_settings("runway-t2v")
    chat.tap("Continue")
    chat.tap("Edit")
    chat.tap("Quality")
    chat.tap("1080p")
    chat.tap("Continue")
    assert "Price: 24 ₽" in chat.text and "Quality: 1080p" in chat.text


def test_twenty_confirm_presses_start_exactly_one_generation() -> None:
    chat = at_settings("runway-t2v")
    chat.tap("Continue")
    confirm = next(d for d in chat.buttons().values() if d.startswith("v1|ok|"))
    for _ in range(20):
        chat.press(confirm)
    assert len(chat.effects) == 1
    assert chat.state["screen"] == "m"  # "starting" is shown, never returned to
    assert chat.text.endswith(t("en", "starting", model="Runway", price="9.60 ₽"))
    assert chat.last is not None
    assert chat.last.calls[0].params["text"] == t("en", "note_already_starting")
    assert chat.text.startswith(t("en", "note_already_starting"))


def test_a_replayed_first_press_carries_the_same_idempotency_key() -> None:
    chat = at_settings("runway-t2v")
    chat.tap("Continue")
    confirm = next(d for d in chat.buttons().values() if d.startswith("v1|ok|"))
    before = dict(chat.state)
    update = read(callback_update("en", confirm))
    first = journey()(before, update, chat.ctx)
    again = journey()(before, update, chat.ctx)  # the session crashed before saving
    assert first.effects == again.effects and len(first.effects) == 1
    other = at_settings("runway-t2v")  # another draft of the same user: another key
    other.state["serial"] = 5
    other.press(encode("go", "runway-t2v"))
    other.send(PROMPT)
    other.tap("Continue")
    other.tap("Start")
    assert other.effects[0].idempotency_key != first.effects[0].idempotency_key


def test_an_old_confirm_after_a_new_draft_starts_nothing() -> None:
    chat = at_settings("runway-t2v")
    chat.tap("Continue")
    old = next(d for d in chat.buttons().values() if d.startswith("v1|ok|"))
    chat.press(encode("go", "z-image"))
    chat.press(old)
    assert chat.effects == []
    assert chat.text.startswith(t("en", "note_stale"))


def test_a_huge_prompt_still_fits_the_confirmation() -> None:
    chat = Chat("en", ctx=context(**RICH)).started()
    chat.press(encode("go", "nano-banana-2"))
    chat.send("y" * 20_000)
    chat.tap("Continue")
    assert len(chat.text) <= 4096 and "Price:" in chat.text  # limits checked by the driver too
    assert JourneyState.load(chat.state).draft is not None


def test_a_sticker_or_a_location_in_the_wizard_keeps_the_step() -> None:
    chat = Chat("en", ctx=context(**RICH)).started()
    chat.press(encode("go", "kling-2-6-i2v"))
    chat.feed(message_update("en", sticker={"file_id": "st", "file_unique_id": "s"}))
    assert chat.text.startswith("This step needs a photo.")
    chat.feed(message_update("en", location={"latitude": 1.0, "longitude": 2.0}))
    assert chat.text.startswith("This step needs a photo.")
    assert draft_of(chat)["at"] == "i0" and chat.state["screen"] == "w"
