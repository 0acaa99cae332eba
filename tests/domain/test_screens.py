"""Every screen outside the wizard, in both languages: pure calls, no I/O, no trio."""

from __future__ import annotations

import pytest

from trt_actors.domain.callbacks import encode
from trt_actors.domain.referral_code import referrer_of
from trt_actors.domain.screens.models import PAGE_SIZE
from trt_actors.domain.tenant_settings import TenantSettings
from trt_actors.domain.texts import keys, text
from trt_actors.domain.updates import read

from .support import CHAT, Chat, callback_update, catalog, context, journey, text_update

LANGUAGES = ["ru", "en"]


def t(language: str, key: str, **values: object) -> str:
    return text(language, key, **values)


def test_both_languages_have_the_same_texts() -> None:
    assert keys("ru") == keys("en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_new_user_gets_the_three_page_tutorial_and_can_skip_it(language: str) -> None:
    chat = Chat(language)
    chat.send("/start")
    assert chat.screen.method == "sendMessage"
    assert "Ann" in chat.text and "(1/3)" in chat.text
    chat.tap(t(language, "btn_tutorial_next"))
    assert "(2/3)" in chat.text and chat.screen.method == "editMessageText"
    chat.tap(t(language, "btn_tutorial_next"))
    assert "(3/3)" in chat.text
    chat.tap(t(language, "btn_tutorial_done"))
    assert chat.text.startswith(t(language, "welcome", name="Ann")[:10])
    chat.send("/start")  # not new any more: straight to the menu
    assert t(language, "welcome", name="Ann") == chat.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_main_menu_has_every_section_with_models_and_the_account(language: str) -> None:
    chat = Chat(language, ctx=context(balance_kopecks=12_345)).started()
    labels = list(chat.buttons())
    data = list(chat.buttons().values())
    kinds = [k for k in catalog().kinds() if catalog().models(k.id)]
    for kind in kinds:
        assert any(kind.name.get(language) in label for label in labels)
        assert encode("l", kind.id, 0) in data
    balance = "123,45 ₽" if language == "ru" else "123.45 ₽"
    assert not any(balance in label for label in labels)  # built from memory: no amount
    for code in ("b", "r", "?", "lg"):
        assert encode(code) in data
    assert encode("h", 0) in data


def test_a_deep_link_payload_is_kept_the_first_time_only() -> None:
    chat = Chat("ru")
    chat.send("/start ref_1111111")
    chat.send("/start ref_2222222")
    assert chat.state["start_payload"] == "ref_1111111"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("command", ["/models", "/generate"])
def test_models_and_generate_go_straight_to_the_sections(language: str, command: str) -> None:
    chat = Chat(language).started()
    chat.send(command)
    assert chat.text == t(language, "kinds_title")
    assert encode("l", "text_to_image", 0) in chat.buttons().values()


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_model_list_is_paged_with_lowest_prices(language: str) -> None:
    chat = Chat(language).started()
    chat.press(encode("l", "text_to_image", 0))
    models = catalog().models("text_to_image")
    assert len(models) > PAGE_SIZE
    shown = [d for d in chat.buttons().values() if d.startswith("v1|c|")]
    assert len(shown) == PAGE_SIZE
    first = next(label for label in chat.buttons() if "Z-Image" in label)
    lowest = "0,64 ₽" if language == "ru" else "0.64 ₽"
    assert first == f"🎁 Z-Image · {t(language, 'price_from', price=lowest)}"  # a free model
    seen = set(shown)
    chat.tap(t(language, "btn_next_page"))
    seen.update(d for d in chat.buttons().values() if d.startswith("v1|c|"))
    chat.tap(t(language, "btn_next_page"))
    seen.update(d for d in chat.buttons().values() if d.startswith("v1|c|"))
    assert t(language, "btn_next_page") not in chat.buttons()
    assert seen == {encode("c", m.id) for m in models}
    assert chat.screen.method == "editMessageText"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_model_card_tells_what_it_needs_and_costs(language: str) -> None:
    chat = Chat(language).started()
    chat.press(encode("c", "infinitalk"))
    model = catalog().model("infinitalk")
    assert model.description.get(language) in chat.text
    for name in ("image", "audio", "prompt"):
        assert model.input(name).label.get(language) in chat.text  # type: ignore[union-attr]
    assert ("2,40 ₽" if language == "ru" else "2.40 ₽") in chat.text  # the lowest price
    assert ("секунда" if language == "ru" else "second") in chat.text  # what it is counted in
    assert encode("go", "infinitalk") in chat.buttons().values()
    chat.tap(t(language, "btn_back"))
    assert chat.text.startswith(
        t(language, "models_title", kind=catalog().kind("avatar").name.get(language))
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_balance_comes_from_the_context(language: str) -> None:
    chat = Chat(language, ctx=context(balance_kopecks=50_000, free_left_today=2, free_per_day=5))
    chat.started()
    chat.send("/balance")
    amount = "500 ₽"
    assert chat.text.startswith(t(language, "pay_balance", balance=amount))
    assert t(language, "pay_balance_free", free_left=2, free_per_day=5) in chat.text
    chat.tap(t(language, "btn_topup"))
    assert chat.text.startswith(
        t(language, "pay_topup", rate="1,50 ₽" if language == "ru" else "1.50 ₽")
    )
    assert encode("ps", 100) in chat.buttons().values()
    chat.tap(t(language, "btn_back"))
    assert amount in chat.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_referral_link_carries_a_code_not_the_user_id(language: str) -> None:
    chat = Chat(language).started()
    chat.press(encode("r"))
    assert chat.text == t(language, "referral_soon")  # no tenant secret: no codes
    secret = b"k" * 32
    chat = Chat(language, ctx=context(bot_username="trt_bot", secret=secret)).started()
    chat.press(encode("r"))
    link = next(w for w in chat.text.split() if w.startswith("https://t.me/trt_bot?start=ref_"))
    code = link.rsplit("ref_", 1)[1]
    assert str(CHAT) not in code and referrer_of(secret, code) == CHAT
    share = chat.buttons()[t(language, "pay_btn_share")]
    assert share.startswith(
        "https://t.me/share/url?url=https%3A%2F%2Ft.me%2Ftrt_bot%3Fstart%3Dref_"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_without_the_bots_username_the_link_is_the_start_command_and_nothing_is_shared(
    language: str,
) -> None:
    chat = Chat(language, ctx=context(secret=b"k" * 32)).started()
    chat.press(encode("r"))
    assert "/start ref_" in chat.text and "https://t.me/" not in chat.text
    assert t(language, "pay_btn_share") not in chat.buttons()


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_lists_the_commands_and_the_support_contact(language: str) -> None:
    chat = Chat(language, ctx=context(support_contact="@trt_support")).started()
    chat.send("/help")
    assert "/status" in chat.text and "@trt_support" in chat.text
    chat.tap(t(language, "btn_tutorial_again"))
    assert "(1/3)" in chat.text


def test_language_follows_telegram_until_the_user_chooses() -> None:
    chat = Chat("en").started()
    assert "Hi, Ann" in chat.text
    chat.send("/language")
    chat.tap("🇷🇺 Русский")
    assert chat.text.startswith(t("ru", "note_language_set"))
    assert "Привет, Ann" in chat.text
    chat.send("/start")  # Telegram still says "en": the choice wins
    assert "Привет, Ann" in chat.text
    assert chat.state["language"] == "ru"


def test_language_comes_from_the_context_when_telegram_sends_none() -> None:
    chat = Chat("en", ctx=context(language="en"))
    update = text_update("en", "/start")
    del update["message"]["from"]["language_code"]
    chat.feed(update)
    assert "Hi, Ann" in chat.text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("command", ["/cancel", "/reset"])
def test_cancel_and_reset_leave_any_step_for_the_menu(language: str, command: str) -> None:
    chat = Chat(language).started()
    chat.press(encode("go", "z-image"))
    chat.send(command)
    assert "draft" not in chat.state
    assert t(language, "welcome", name="Ann") in chat.text


@pytest.mark.parametrize("language", LANGUAGES)
def test_text_outside_the_wizard_and_unknown_commands_get_a_hint_and_the_menu(
    language: str,
) -> None:
    chat = Chat(language).started()
    chat.send("hello?")
    assert chat.text.startswith(t(language, "hint_not_understood"))
    assert encode("l", "text_to_image", 0) in chat.buttons().values()
    chat.send("/frobnicate")
    assert chat.text.startswith(t(language, "hint_unknown_command"))


def test_payments_are_refused_politely_and_blocking_is_reported() -> None:
    query = {
        "update_id": 5,
        "pre_checkout_query": {
            "id": "pc1",
            "from": {"id": 1, "first_name": "A"},
            "currency": "XTR",
            "total_amount": 10,
            "invoice_payload": "p",
        },
    }
    outcome = journey()({}, read(query), context())
    assert outcome.calls[0].method == "answerPreCheckoutQuery"
    assert outcome.calls[0].params["ok"] is False
    member = {
        "update_id": 6,
        "my_chat_member": {
            "chat": {"id": 1, "type": "private"},
            "from": {"id": 1, "first_name": "A"},
            "date": 0,
            "old_chat_member": {"status": "member"},
            "new_chat_member": {"status": "kicked"},
        },
    }
    outcome = journey()({}, read(member), context())
    assert outcome.user_blocked is True and outcome.calls == []


def test_the_apology_offers_the_menu() -> None:
    calls = journey().apology(read(text_update("en", "boom")))
    assert calls[0].params["text"] == t("en", "apology")
    assert calls[0].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "v1|m"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_stale_button_shows_the_current_screen_with_a_note(language: str) -> None:
    chat = Chat(language).started()
    chat.press(encode("c", "z-image"))
    card = chat.text
    for data in ("select_model:z-image", "v0|c|z-image", "v1|c|no-such-model", "v1|en|99|0|0"):
        chat.press(data)
        assert chat.screen.method == "sendMessage"
        assert chat.text == f"{t(language, 'note_stale')}\n\n{card}"
        assert chat.last is not None
        assert chat.last.calls[0].params["text"] == t(language, "note_stale")
        chat.press(data)  # pressed again: the card is already the newest message
        assert [call.method for call in chat.last.calls] == ["answerCallbackQuery"]
        assert chat.last.calls[0].params["text"] == t(language, "note_stale_again")
        chat.press(encode("c", "z-image"))  # anything else: the next stale press shows it again


def test_navigation_edits_in_place_and_every_press_is_answered_first() -> None:
    chat = Chat("ru").started()
    outcome = chat.feed(callback_update("ru", encode("k"), message_id=555))
    assert [c.method for c in outcome.calls] == ["answerCallbackQuery", "editMessageText"]
    assert outcome.calls[1].params["message_id"] == 555


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_model_the_admin_hid_is_off_the_menus_and_cannot_be_ordered(language: str) -> None:
    listed = Chat(language).started()
    listed.press(encode("l", "text_to_image", 0))
    assert encode("c", "z-image") in listed.buttons().values()
    terms = TenantSettings(hidden_models=frozenset({"z-image"}))
    chat = Chat(language, ctx=context(settings=terms)).started()
    for page in range(5):
        chat.press(encode("l", "text_to_image", page))
        assert encode("c", "z-image") not in chat.buttons().values()
    chat.press(encode("c", "z-image"))  # an old card button
    assert encode("go", "z-image") not in chat.buttons().values()
    chat.press(encode("go", "z-image"))  # an old Start button: no wizard
    assert chat.state.get("draft") is None
